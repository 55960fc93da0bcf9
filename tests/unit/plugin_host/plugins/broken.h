/* broken.h: shared pieces of the deliberately broken test plugins. Each
 * plugin defines BROKEN_NAME, BROKEN_ANALYZE (a function body) and optionally
 * one of the descriptor faults, then includes this file. */
#include "airlock_plugin.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const airlock_host_t *g_host;

static int b_init(const airlock_host_t *host, void **state)
{
    g_host = host;
    *state = NULL;
    return 0;
}

__attribute__((unused)) static int b_analyze(void *state, const airlock_input_t *in) BROKEN_ANALYZE

static void b_fini(void *state) { (void)state; }

#ifndef BROKEN_ABI
#define BROKEN_ABI AIRLOCK_PLUGIN_ABI_VERSION
#endif
#ifndef BROKEN_SIZE
#define BROKEN_SIZE sizeof(airlock_plugin_t)
#endif
#ifndef BROKEN_CAPS
#define BROKEN_CAPS AIRLOCK_CAP_PATCH
#endif
#ifndef BROKEN_ANALYZE_FN
#define BROKEN_ANALYZE_FN b_analyze
#endif
#ifndef BROKEN_RESERVED
#define BROKEN_RESERVED { 0 }
#endif
#ifndef BROKEN_SYMBOL
#define BROKEN_SYMBOL airlock_plugin_descriptor
#endif

static const airlock_plugin_t desc = {
    BROKEN_SIZE, BROKEN_ABI, BROKEN_NAME, "0.0.1", BROKEN_CAPS, b_init, BROKEN_ANALYZE_FN, b_fini,
    BROKEN_RESERVED,
};

AIRLOCK_PLUGIN_EXPORT const airlock_plugin_t *BROKEN_SYMBOL(void);
AIRLOCK_PLUGIN_EXPORT const airlock_plugin_t *BROKEN_SYMBOL(void) { return &desc; }
