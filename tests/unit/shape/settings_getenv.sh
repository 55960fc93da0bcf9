#!/bin/sh
# settings_getenv.sh ROOT: every AIRLOCK_* knob of worker/ and common/ is read
# through a settings table (common/config.c, worker/sandbox/sandbox_knobs.c),
# never with a getenv("AIRLOCK_...") of its own. The one exception is a
# deprecated old name, marked on its line with "its old name".
root=$1
hits=$(grep -rn 'getenv("AIRLOCK_' "$root/worker" "$root/common" --include='*.c' --include='*.h' | grep -v 'its old name')
if [ -n "$hits" ]; then
    echo "settings_getenv: knobs read outside the settings table (add them to worker/sandbox/sandbox_knobs.h"
    echo "or the program's settings table, and read them with sandbox_knob / al_config_*):"
    echo "$hits"
    exit 1
fi
echo "settings_getenv: ok"
