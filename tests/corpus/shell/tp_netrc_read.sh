# expect: shell.credential_read medium
# path: audit.sh
cat ~/.netrc
