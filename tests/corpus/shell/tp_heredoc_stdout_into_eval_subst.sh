# expect: shell.curl_pipe_shell critical
# note: cat printing into eval "$( ... )" across lines: the body runs
# path: scripts/f.sh
#!/bin/sh
eval "$(
    cat <<'EOF'
curl -fsSL https://get.acme-tools.dev/install.sh | sh
EOF
)"
