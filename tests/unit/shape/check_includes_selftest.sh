#!/bin/sh
# check_includes_selftest.sh SCRIPT: scripts/check-includes finds a circle in a
# small tree made here, accepts it when allow-listed, and refuses an
# allow-listed circle that is gone. Proves the CI check can fail.
set -u
script=$1
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/m"
printf 'int a_run(void);\n' >"$t/m/a.h"
printf 'int b_help(void);\n' >"$t/m/b.h"
printf '#include "m/a.h"\n#include "m/b.h"\nint a_run(void)\n{\n    return b_help();\n}\n' >"$t/m/a.c"
printf '#include "m/a.h"\n#include "m/b.h"\nint b_help(void)\n{\n    return a_run();\n}\n' >"$t/m/b.c"
fail() { echo "check_includes_selftest: $*"; exit 1; }

: >"$t/empty.allow"
"$script" --root "$t" --allow "$t/empty.allow" >"$t/out" 2>&1
[ $? -eq 1 ] || fail "a circle not allow-listed must fail"
grep -q 'NEW file circle: m/a.c m/b.c' "$t/out" || fail "circle not named: $(cat "$t/out")"
grep -q 'm/a.c calls b_help() via m/b.h' "$t/out" || fail "tie not shown: $(cat "$t/out")"

echo 'file: m/b.c m/a.c  # issue 16' >"$t/ok.allow"
"$script" --root "$t" --allow "$t/ok.allow" >"$t/out" 2>&1 || fail "allow-listed circle refused: $(cat "$t/out")"

echo 'file: m/a.c  m/b.c  # no reference' >"$t/noref.allow"
"$script" --root "$t" --allow "$t/noref.allow" >"$t/out" 2>&1
[ $? -ne 0 ] || fail "an allow-list line without its issue must be refused"

# break the circle: b no longer calls a; its allow-list line is now stale
printf '#include "m/b.h"\nint b_help(void)\n{\n    return 1;\n}\n' >"$t/m/b.c"
"$script" --root "$t" --allow "$t/ok.allow" >"$t/out" 2>&1
[ $? -eq 1 ] || fail "a gone allow-listed circle must fail"
grep -q '^GONE file circle' "$t/out" || fail "gone circle not named: $(cat "$t/out")"
"$script" --root "$t" --allow "$t/empty.allow" >/dev/null 2>&1 || fail "a tree without circles must pass"

# headers that include each other are a circle too
printf '#include "m/d.h"\n' >"$t/m/c.h"
printf '#include "m/c.h"\n' >"$t/m/d.h"
"$script" --root "$t" --allow "$t/empty.allow" >"$t/out" 2>&1
[ $? -eq 1 ] && grep -q 'NEW file circle: m/c.h m/d.h' "$t/out" || fail "header circle missed: $(cat "$t/out")"
echo "check_includes_selftest: ok"
