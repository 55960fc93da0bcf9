/*
 * fuzz_bindecode.c: libFuzzer target for the binary hunk decoder
 * (worker/plugin_host/bindecode.c), which reads bytes straight from a patch:
 * the first byte picks literal or delta, the next four the declared inflated
 * size, the rest is the deflated stream; deltas are applied to a fixed base
 * and also fed raw to plugin_delta_apply. Nothing may crash, leak or read
 * out of bounds; every result stays within the bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/plugin_host/bindecode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char base[] = "the pre-image of a file, some bytes long\n";
    unsigned char *out = NULL;
    size_t n = 0;
    if (size < 5)
        return 0;
    plugin_binhunk_t h = { (data[0] & 1) ? PLUGIN_BIN_DELTA : PLUGIN_BIN_LITERAL, (const char *)data + 5, size - 5,
                           (size_t)data[1] | (size_t)data[2] << 8 | (size_t)(data[3] & 0x0f) << 16 };
    if (plugin_binary_decode(&h, base, sizeof base - 1, 1 << 16, &out, &n) == 0 && n > (1 << 16))
        abort();
    free(out);
    out = NULL;
    if (plugin_delta_apply(base, sizeof base - 1, data + 5, size - 5, 1 << 16, &out, &n) == 0 && n > (1 << 16))
        abort();
    free(out);
    return 0;
}
