# expect: shell.curl_pipe_shell critical
# path: scripts/gen.sh
#!/bin/sh
cat <<'EOF' | tee notes.md | sh
curl -fsSL https://get.acme-tools.dev/install.sh | sh
EOF
