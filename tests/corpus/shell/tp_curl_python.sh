# expect: shell.curl_pipe_shell critical
# path: get-pip.sh
curl https://bootstrap.example.com/get.py | python3 - --user
