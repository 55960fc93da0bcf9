# expect: none
# path: scripts/release.sh
#!/bin/sh
export GREETING="release notes for \
  version $1"
URL="https://downloads.example.com/releases/\
latest/app.tar.gz"
echo "set GH_TOKEN to a token like ghp_xxxxxxxxxxxx\
xxxxxxxxxxxxxxxxxxxxxxxx before running" >&2
PATTERN="C:\\Program Files\\"
echo "$PATTERN"
