# expect: none
# path: scripts/print_deploy_key.sh
#!/bin/sh
[ -f ~/.ssh/id_ed25519.pub ] || ssh-keygen -t ed25519 -N '' -f ~/.ssh/id_ed25519
echo "Add this deploy key to the repository:"
cat ~/.ssh/id_ed25519.pub
