# expect: shell.curl_pipe_shell critical
# path: scripts/install_cli.sh
#!/bin/sh
set -e
\curl -fsSL https://get.acme-tools.dev/cli.sh | sh
