#!/bin/sh
# tests/integration/deploy/test-kubernetes.sh: deploy/kubernetes validated offline.
# Every manifest and the rendered overlay (`kubectl kustomize`, when kubectl is
# installed) against the Kubernetes and KEDA schemas (validate-k8s.js), then the same
# validator must refuse a broken copy (so it is not passing by validating nothing).
# Exit 77 when node or the npm packages scripts/setup installs are missing.
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
here=$root/tests/integration/deploy
mods=${AIRLOCK_K8S_VALIDATE_DIR:-/var/cache/airlock/k8s-validate}/node_modules
command -v node >/dev/null || { echo "skipped: node is not installed"; exit 77; }
[ -d "$mods/kubernetes-models" ] && [ -d "$mods/@kubernetes-models/keda" ] ||
  { echo "skipped: $mods lacks kubernetes-models (scripts/setup installs it with npm)"; exit 77; }
export NODE_PATH=$mods
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rendered=""
if command -v kubectl >/dev/null; then
  for o in "$root"/deploy/kubernetes/overlays/*/; do
    n=$(basename "$o")
    kubectl kustomize "$o" >"$tmp/$n.yaml"
    rendered="$rendered $tmp/$n.yaml"
  done
else
  echo "note: kubectl not installed: overlays not rendered (each file still validated)"
fi
# shellcheck disable=SC2086
node "$here/validate-k8s.js" "$root" $rendered

# The validator refuses: a schema error, a privileged worker, a view no migration has.
mkdir -p "$tmp/bad"
cp -r "$root/deploy" "$root/docker" "$root/sql" "$tmp/bad/"
sed -i 's/^  replicas: 2$/  replicas: "two"/' "$tmp/bad/deploy/kubernetes/base/airlockd.yaml"
sed -i 's/privileged: false/privileged: true/' "$tmp/bad/deploy/kubernetes/base/worker.yaml"
sed -i 's/FROM v_queue_depth/FROM v_no_such_view/' "$tmp/bad/deploy/kubernetes/base/keda.yaml"
if node "$here/validate-k8s.js" "$tmp/bad" >"$tmp/bad.out" 2>&1; then
  cat "$tmp/bad.out"; echo "FAIL: the validator accepted broken manifests"; exit 1
fi
for want in 'replicas must be integer' 'is privileged' 'v_no_such_view'; do
  grep -q "$want" "$tmp/bad.out" || { cat "$tmp/bad.out"; echo "FAIL: no error '$want'"; exit 1; }
done
echo "kubernetes manifests: ok (and a broken copy is refused)"
