#!/bin/sh
# docker/worker-entrypoint.sh: starts airlock-worker in a compose "worker" container.
# Each replica (docker compose up --scale worker=N) makes its own certificate under
# /certs/workers/<hostname> on first start and enrols its public key in /certs/allowed,
# which airlockd rereads (certs_dir). That trust-by-shared-volume is for one Docker
# host only; across machines, provision keys by hand (docs/OPERATIONS.md).
set -eu
name=${AIRLOCK_NAME:-$(hostname)}
dir=/certs/workers/$name
if [ ! -f "$dir/$name.key_secret" ]; then
  mkdir -p "$dir"
  airlock keygen --role worker --name "$name" --dir "$dir"
fi
cp "$dir/$name.key" "/certs/allowed/worker-$name.key"
if [ -c /dev/kvm ]; then echo "worker $name: /dev/kvm present"; else echo "worker $name: no /dev/kvm"; fi
export AIRLOCK_NAME="$name" AIRLOCK_CERT="$dir/$name.key_secret"
exec /src/build/worker/airlock-worker "$@"
