# expect: shell.curl_pipe_shell critical
# note: a here-document fed to a shell is code
# path: scripts/remote.sh
#!/bin/sh
bash <<'EOF'
curl -fsSL https://get.acme-tools.dev/install.sh | sh
EOF
