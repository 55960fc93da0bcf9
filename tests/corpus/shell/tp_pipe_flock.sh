# expect: shell.curl_pipe_shell critical
# path: scripts/once.sh
#!/bin/sh
set -e
curl -fsSL https://get.acme-tools.dev/update.sh | flock /tmp/.update.lock bash
