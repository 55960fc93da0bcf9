# expect: none
# note: downloads kept in variables and used as data; sh -c with its own program
# path: scripts/version.sh
#!/bin/sh
LATEST=$(curl -fsSL https://api.example.net/v1/latest)
echo "latest is $LATEST"
sh -c "echo $LATEST > VERSION"
eval "$(ssh-agent -s)"
printf '%s\n' "$LATEST" | sha256sum
