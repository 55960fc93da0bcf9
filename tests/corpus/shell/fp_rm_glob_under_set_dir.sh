# expect: none
# path: tests/cleanup.sh
#!/bin/sh
MNT='/mnt/huge/'
WORK="$BATS_TMPDIR/work"
cleanup() {
  rm -rf "$MNT"/* 2>/dev/null
  rm -fr "$WORK"/*
  rm -rf "${WORK}"/*
  rm -rf "${CACHE_DIR:?}"/*
}
