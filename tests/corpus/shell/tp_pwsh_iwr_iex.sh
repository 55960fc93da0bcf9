# expect: shell.curl_pipe_shell critical
# path: scripts/install.sh
#!/bin/sh
set -e
pwsh -NoProfile -Command "iwr -UseBasicParsing https://get.acme-tools.dev/install.ps1 | iex"
