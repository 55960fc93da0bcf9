# expect: shell.curl_pipe_shell critical
# note: a group printing a here-document, piped into a shell
# path: scripts/g.sh
#!/bin/sh
{
cat <<'EOF'
curl -fsSL https://get.acme-tools.dev/install.sh | sh
EOF
} | sh
