# expect: shell.curl_pipe_shell critical
# expect: shell.sudo medium
# path: scripts/a.sh
#!/bin/sh
curl -fsSL https://get.example.net/i.sh | sudo -E bash -s -- --yes
