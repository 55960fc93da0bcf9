#!/bin/sh
# tests/integration/deploy/test-compose.sh: docker/compose.yaml checked without an
# engine (validate-compose.js: privileges, init, healthchecks, read-only secret
# mounts, stop grace period), then a broken copy must be refused; `docker-compose
# config` too when installed. Exit 77 without node or the npm packages of scripts/setup.
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
here=$root/tests/integration/deploy
mods=${AIRLOCK_K8S_VALIDATE_DIR:-/var/cache/airlock/k8s-validate}/node_modules
command -v node >/dev/null || { echo "skipped: node is not installed"; exit 77; }
[ -d "$mods/yaml" ] || { echo "skipped: $mods lacks yaml (scripts/setup installs it with npm)"; exit 77; }
export NODE_PATH=$mods
node "$here/validate-compose.js" "$root"
if command -v docker-compose >/dev/null; then
  docker-compose -f "$root/docker/compose.yaml" config -q && echo "docker-compose $(docker-compose version --short): config ok"
else
  echo "note: docker-compose not installed: its own schema check not run"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/docker"
sed -e 's|airlockd-secrets:/certs/airlockd:ro|airlockd-secrets:/certs/airlockd|' \
    -e 's|      - worker-certs:/certs/workers:ro|      - worker-certs:/certs/workers:ro\n      - airlockd-secrets:/certs/airlockd:ro|' \
    -e 's|stop_grace_period: 11m|stop_grace_period: 5m|' \
    -e '\|/run/airlock/uid-leases:/run/airlock/uid-leases|d' \
    -e 's|"-h", "127.0.0.1"|"-h", "/var/run/postgresql"|' "$root/docker/compose.yaml" >"$tmp/docker/compose.yaml"
if node "$here/validate-compose.js" "$tmp" >"$tmp/out" 2>&1; then
  cat "$tmp/out"; echo "FAIL: a broken compose.yaml was accepted"; exit 1
fi
for want in 'airlockd: secret volume airlockd-secrets mounted read-write' \
            'secret volume airlockd-secrets mounted by airlockd, worker' 'stop_grace_period 5m' \
            "the host's /run/airlock/uid-leases is not mounted" 'postgres: healthcheck'; do
  grep -q "$want" "$tmp/out" || { cat "$tmp/out"; echo "FAIL: no error '$want'"; exit 1; }
done
echo "compose.yaml: ok (and a broken copy is refused)"
