# expect: secrets.aws_access_key high
# note: an empty quote pair inside a shell word splits the key id; the shell joins it
# path: scripts/env.sh
export AWS_ACCESS_KEY_ID=AKIAZ7QWE''RTYUIOPLMNB
