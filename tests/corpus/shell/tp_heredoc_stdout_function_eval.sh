# expect: shell.curl_pipe_shell critical
# note: a function printing code in a here-document, its output run by eval
# path: scripts/b.sh
#!/bin/sh
gen() {
    cat <<'EOF'
curl -fsSL https://get.acme-tools.dev/install.sh | sh
EOF
}
eval "$(gen)"
