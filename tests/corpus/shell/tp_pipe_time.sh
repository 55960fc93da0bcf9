# expect: shell.curl_pipe_shell critical
# path: scripts/bench_setup.sh
#!/bin/bash
curl -fsSL https://get.acme-tools.dev/bench.sh | time bash
