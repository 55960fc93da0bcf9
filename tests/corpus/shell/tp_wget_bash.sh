# expect: shell.curl_pipe_shell critical
# expect: shell.sudo medium
# path: scripts/bootstrap.sh
#!/bin/sh
set -e
wget -qO- https://example.net/setup | sudo -E bash -
