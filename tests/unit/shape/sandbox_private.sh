#!/bin/sh
# sandbox_private.sh CC ROOT: worker/sandbox's private headers cannot be
# included from another subsystem. Every header of worker/sandbox except the
# public ones (sandbox.h, pool.h, sandbox_knobs.h) must include
# sandbox_private.h, and compiled on its own it must fail with that header's
# message without AIRLOCK_SANDBOX_PRIVATE and compile with it (so the failure
# is the guard, not a missing include). The public ones compile without it.
cc=$1
root=$2
public="sandbox.h pool.h sandbox_knobs.h"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
compile() {   # compile HEADER [FLAGS...]: 0 when it compiles, output in $tmp/out
    h=$1
    shift
    printf '#include "worker/sandbox/%s"\nint sandbox_private_probe;\n' "$h" > "$tmp/t.c"
    "$cc" -std=c11 -D_GNU_SOURCE -fsyntax-only -I"$root" "$@" "$tmp/t.c" > "$tmp/out" 2>&1
}
for path in "$root"/worker/sandbox/*.h; do
    h=$(basename "$path")
    [ "$h" = sandbox_private.h ] && continue
    n=$((n + 1))
    case " $public " in
    *" $h "*)
        if ! compile "$h"; then
            echo "sandbox_private: public header $h does not compile on its own:"; cat "$tmp/out"; fail=1
        fi
        continue ;;
    esac
    if ! grep -q '^#include "worker/sandbox/sandbox_private.h"' "$path"; then
        echo "sandbox_private: $h is neither public ($public) nor includes sandbox_private.h"; fail=1
        continue
    fi
    if compile "$h"; then
        echo "sandbox_private: $h compiled outside worker/sandbox (no AIRLOCK_SANDBOX_PRIVATE)"; fail=1
    elif ! grep -q 'a private header of worker/sandbox' "$tmp/out"; then
        echo "sandbox_private: $h failed for another reason than the guard:"; cat "$tmp/out"; fail=1
    fi
    if ! compile "$h" -DAIRLOCK_SANDBOX_PRIVATE; then
        echo "sandbox_private: $h does not compile even inside worker/sandbox:"; cat "$tmp/out"; fail=1
    fi
done
if [ "$n" -lt 4 ]; then
    echo "sandbox_private: only $n headers found under $root/worker/sandbox"; exit 1
fi
[ "$fail" = 0 ] && echo "sandbox_private: ok ($n headers)"
exit $fail
