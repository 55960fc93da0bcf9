# expect: shell.curl_pipe_shell critical
# path: scripts/install.ps1
$ErrorActionPreference = 'Stop'
iex (iwr -UseBasicParsing https://get.acme-tools.dev/install.ps1).Content
