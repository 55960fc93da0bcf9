# expect: shell.curl_pipe_shell critical
# expect: shell.sudo medium
# path: scripts/provision.sh
#!/bin/sh
set -e
wget -qO- https://get.acme-tools.dev/provision | sudo su -
