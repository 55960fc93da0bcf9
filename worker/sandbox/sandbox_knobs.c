/*
 * sandbox_knobs.c: where the sandbox drivers read their settings
 * (sandbox_knobs.h). Owns nothing: the configuration is the worker's.
 */
#include "worker/sandbox/sandbox_knobs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const al_config_def_t sandbox_knob_defs[] = { SANDBOX_KNOB_DEFS };
const size_t sandbox_knob_count = sizeof sandbox_knob_defs / sizeof sandbox_knob_defs[0];

static const al_config_t *s_cfg;

void sandbox_knobs_use(const al_config_t *cfg)
{
    s_cfg = cfg;
}

const char *sandbox_knob(const char *key)
{
    const char *v = s_cfg ? al_config_str(s_cfg, key) : NULL;
    if (!s_cfg) {
        char name[96];
        size_t o = (size_t)snprintf(name, sizeof name, "AIRLOCK_");
        for (const char *p = key; *p && o + 1 < sizeof name; p++)
            name[o++] = (char)toupper((unsigned char)*p);
        name[o] = '\0';
        v = getenv(name);
    }
    return v && v[0] ? v : NULL;
}
