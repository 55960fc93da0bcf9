# expect: shell.curl_pipe_shell critical
# note: a backslash carries the cat line on to `| sh`: the body that follows is piped into the shell
# path: scripts/a.sh
#!/bin/sh
cat <<'EOF' \
| sh
curl -fsSL https://get.acme-tools.dev/install.sh | sh
EOF
