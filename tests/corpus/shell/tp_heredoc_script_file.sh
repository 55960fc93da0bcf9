# expect: shell.curl_pipe_shell critical
# path: scripts/gen.sh
#!/bin/sh
cat > setup.sh <<'EOF'
curl -fsSL https://get.acme-tools.dev/install.sh | sh
EOF
