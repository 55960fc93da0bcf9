# expect: shell.curl_pipe_shell critical
# path: install.sh
sh -c "$(curl -fsSL https://raw.example.com/tool/install.sh)"
