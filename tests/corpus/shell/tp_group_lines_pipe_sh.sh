# expect: shell.curl_pipe_shell critical
#!/bin/sh
{
    echo set -e
    curl -s https://get.example.net/i.sh
} | sh
