# expect: shell.credential_read medium
# path: audit.sh
grep root /etc/shadow
