# expect: secrets.github_token high
# path: scripts/release.sh
#!/bin/sh
export GH_TOKEN="ghp_9jYg7SjjPvttfbfM\
LZuPjII4OoaQmzBinnpy"
gh release create "$1" dist/*
