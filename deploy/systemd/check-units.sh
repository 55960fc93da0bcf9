#!/bin/sh
# check-units.sh BUILD_DIR: systemd-analyze verify of the unit files with their
# ExecStart pointed at the built binaries (exit 77 when systemd-analyze is missing),
# and the hardening the signer's unit promises (docs/OPERATIONS.md).
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=$1
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for u in airlockd.service airlock-worker.service airlock-signer.service airlockd-migrate.service; do
  sed -e "s|/usr/local/bin/airlockd|$build/orchestrator/airlockd|" \
      -e "s|/usr/local/bin/airlock-worker|$build/worker/airlock-worker|" \
      -e "s|/usr/local/bin/airlock-signer|$build/orchestrator/signer/airlock-signer|" \
      "$here/$u" >"$tmp/$u"
done
# verify checks every unit named in After=/Before=: postgresql.service may be absent.
out=$(cd "$tmp" && systemd-analyze verify ./*.service 2>&1) || { echo "$out"; exit 1; }
echo "$out" | grep -v -e 'postgresql.service' -e '^$' && { echo "systemd-analyze verify printed warnings"; exit 1; }
# the options the units pass exist
"$build/orchestrator/airlockd" --help | grep -q -- '-c FILE'
"$build/orchestrator/airlockd" migrate --help 2>&1 | grep -q -- '-c FILE'
"$build/worker/airlock-worker" --help | grep -q -- '-c FILE'
"$build/orchestrator/signer/airlock-signer" --help | grep -q -- '-c FILE'
# the signer holds the audit key: its unit keeps the hardening documented
for opt in NoNewPrivileges=yes ProtectSystem=strict PrivateUsers=yes CapabilityBoundingSet= UMask=0077 \
           User=airlock-signer; do
  grep -qx "$opt" "$here/airlock-signer.service" || { echo "airlock-signer.service lacks $opt"; exit 1; }
done
echo "unit files ok"
