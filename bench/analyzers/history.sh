#!/bin/bash
# history.sh: every commit of the corpus bundles (../shared/corpus, real
# projects nobody here wrote) as a patch, through every analyzer core
# (bench_analyzer_history). Usage: bench/analyzers/history.sh [BUILD_DIR] [--log 1]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$here/build/normal}"
shift || true
bundles="${AIRLOCK_CORPUS_BUNDLES:-$here/../shared/corpus}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/patches"
for b in "$bundles"/*.bundle; do
    name="$(basename "$b" .bundle)"
    git clone -q "$b" "$tmp/$name"
    # one file per non-merge commit, oldest first, binary hunks in full
    git -C "$tmp/$name" format-patch -q --root --binary --no-stat -o "$tmp/patches/$name" HEAD
    for p in "$tmp/patches/$name"/*.patch; do mv "$p" "$tmp/patches/$name-$(basename "$p")"; done
    rmdir "$tmp/patches/$name"
done
"$build/bench/analyzers/bench_analyzer_history" "$tmp/patches" "$@"
