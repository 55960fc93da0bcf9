# expect: none
# path: scripts/ci_git_setup.sh
#!/bin/sh
mkdir -p ~/.ssh
ssh-keyscan -t ed25519 github.com >> ~/.ssh/known_hosts
chmod 644 ~/.ssh/known_hosts
