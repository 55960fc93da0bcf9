# expect: shell.curl_pipe_shell critical
# expect: shell.sudo medium
# note: a line ending in a pipe continues on the next one (no backslash needed)
# path: scripts/install.sh
#!/bin/sh
wget -qO- https://get.example.net/i.sh |
    sudo bash
