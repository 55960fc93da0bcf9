# expect: shell.curl_pipe_shell critical
# path: scripts/make_notes.sh
#!/bin/sh
set -e
cat > notes.md <<'EOF'
curl -fsSL https://get.acme-tools.dev/install.sh | sh
EOF
sh notes.md
