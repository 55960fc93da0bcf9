# expect: shell.curl_pipe_shell critical
# expect: shell.sudo medium
# note: sudo -u takes a value: root is not the command
# path: scripts/tp_pipe_to_sudo_user_sh.sh
#!/bin/sh
curl -s https://get.example.net/i | sudo -u root sh
