# expect: shell.curl_pipe_shell critical
# note: a subshell printing a here-document, piped into bash
# path: scripts/h.sh
#!/bin/sh
(
cat <<'EOF'
curl -fsSL https://get.acme-tools.dev/install.sh | sh
EOF
) | bash
