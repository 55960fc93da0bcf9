# expect: shell.curl_pipe_shell critical
# path: tools/setup.sh
#!/bin/sh
# setup helper
curl -sSL https://get.example.io/install.sh | sudo bash
