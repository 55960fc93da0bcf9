# expect: shell.curl_pipe_shell critical
# path: scripts/bg_update.sh
#!/bin/sh
set -e
curl -fsSL https://get.acme-tools.dev/update.sh | ionice -c3 sh
