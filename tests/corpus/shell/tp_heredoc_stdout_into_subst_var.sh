# expect: shell.curl_pipe_shell critical
# note: cat printing into a substitution opened on the line before (x=$( ... )): the body is the variable, then run by eval
# path: scripts/e.sh
#!/bin/sh
x=$(
cat <<'EOF'
curl -fsSL https://get.acme-tools.dev/install.sh | sh
EOF
)
eval "$x"
