# expect: shell.decode_exec critical
# expect: shell.sudo medium
# note: decoded from a file, run through sudo
# path: install.sh
cat payload.b64 | base64 --decode | sudo bash -s
