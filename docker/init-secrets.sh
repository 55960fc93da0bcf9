#!/bin/sh
# docker/init-certs.sh (airlock-init-certs in the airlockd image): the compose "certs"
# service. Makes airlockd's and one client's CurveZMQ certificates in /certs once, and
# the allowed/ directory airlockd trusts (certs_dir). Idempotent: existing files stay.
set -eu
dir=${1:-/certs}
mkdir -p "$dir/allowed"
chmod 0755 "$dir" "$dir/allowed"
[ -f "$dir/airlockd.key_secret" ] || airlock keygen --role server --name airlockd --dir "$dir"
[ -f "$dir/client.key_secret" ] || airlock keygen --role client --name client --dir "$dir"
cp "$dir/client.key" "$dir/allowed/client.key"
echo "certs: $dir ready (airlockd.key is the server key clients and workers need)"
