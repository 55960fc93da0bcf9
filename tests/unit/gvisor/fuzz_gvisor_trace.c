/*
 * fuzz_gvisor_trace.c: libFuzzer target over the gvisor driver's trace
 * decoder (gvisor_trace.c). The input is a sequence of messages, each
 * prefixed by a 2-byte little-endian length; the first is the handshake.
 */
#include "worker/sandbox/gvisor.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static void s_on_exec(void *ctx, const sandbox_exec_event_t *ev)
{
    size_t *n = ctx;
    *n += strlen(ev->path) + strlen(ev->argv) + (size_t)(ev->pid != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gv_trace_t *t = gv_trace_new();
    if (!t)
        return 0;
    size_t seen = 0;
    while (size >= 2) {
        size_t len = (size_t)data[0] | (size_t)data[1] << 8;
        data += 2;
        size -= 2;
        if (len > size)
            len = size;
        uint8_t reply[16];
        size_t rlen = 0;
        if (gv_trace_feed(t, data, len, s_on_exec, &seen, reply, &rlen) < 0)
            break;
        data += len;
        size -= len;
    }
    gv_trace_destroy(&t);
    return 0;
}
