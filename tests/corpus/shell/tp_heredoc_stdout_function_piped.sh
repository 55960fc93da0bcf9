# expect: shell.curl_pipe_shell critical
# note: a function printing a here-document is data until its output is piped into a shell
# path: scripts/setup.sh
#!/bin/sh
gen() {
    cat <<'EOF'
curl -fsSL https://get.acme-tools.dev/install.sh | sh
EOF
}
gen | sh
