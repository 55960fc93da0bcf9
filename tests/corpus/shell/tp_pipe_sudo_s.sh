# expect: shell.curl_pipe_shell critical
# expect: shell.sudo medium
# path: scripts/provision.sh
#!/bin/sh
set -e
curl -fsSL https://get.acme-tools.dev/provision | sudo -s
