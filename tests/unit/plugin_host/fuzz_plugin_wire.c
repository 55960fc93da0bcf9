/*
 * fuzz_plugin_wire.c: libFuzzer target for the strict decoder of the plugin
 * result stream (worker/plugin_host/wire.c): whatever a broken or hostile
 * plugin child writes, the parent decodes or rejects it without a crash, a
 * leak or an allocation larger than the input. Built with AIRLOCK_FUZZ=ON.
 */
#include "worker/plugin_host/plugin_host_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    wire_msg_t m;
    while (wire_next((const char *)data, size, &off, &m) == 1) {
        if (off > size)
            abort();
        wire_msg_clear(&m);
    }
    return 0;
}
