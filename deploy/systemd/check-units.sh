#!/bin/sh
# check-units.sh BUILD_DIR: systemd-analyze verify of the unit files with their
# ExecStart pointed at the built binaries (exit 77 when systemd-analyze is missing).
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=$1
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|/usr/local/bin/airlockd|$build/orchestrator/airlockd|" "$here/airlockd.service" > "$tmp/airlockd.service"
sed "s|/usr/local/bin/airlock-worker|$build/worker/airlock-worker|" "$here/airlock-worker.service" > "$tmp/airlock-worker.service"
systemd-analyze verify "$tmp/airlockd.service" "$tmp/airlock-worker.service"
# the options the units pass exist
"$build/orchestrator/airlockd" --help | grep -q -- '-c FILE'
"$build/worker/airlock-worker" --help | grep -q -- '-c FILE'
echo "unit files ok"
