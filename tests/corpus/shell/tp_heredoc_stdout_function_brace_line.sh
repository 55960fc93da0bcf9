# expect: shell.curl_pipe_shell critical
# note: the function's brace on a line of its own (passed over by the prefilter): the printed code is still followed to the pipe
# path: scripts/d.sh
#!/bin/sh
gen()
{
    cat <<'EOF'
curl -fsSL https://get.acme-tools.dev/install.sh | sh
EOF
}
gen | bash
