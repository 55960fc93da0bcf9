/*
 * fuzz_patch_headers.c: libFuzzer target for patch_close_bare_headers, which
 * reads a job's patch as sent. Nothing may crash or read out of bounds, and
 * the result is the input with only `-- ` lines added (and a final newline
 * before the first of them when the input had none).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/patch_headers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0, o = 0, i = 0;
    char *out = patch_close_bare_headers((const char *)data, size, &n);
    if (!out)
        return 0;
    /* walk both: every output line is the next input line or an added `-- ` */
    while (o < n) {
        if (n - o >= 4 && memcmp(out + o, "-- \n", 4) == 0 &&
            !(size - i >= 4 && memcmp(data + i, "-- \n", 4) == 0)) {
            o += 4;
            continue;
        }
        if (i >= size) {
            if (!(o + 1 <= n && out[o] == '\n'))
                abort();   /* only the newline closing an unterminated last line */
            o++;
            continue;
        }
        if (out[o] != (char)data[i])
            abort();
        o++;
        i++;
    }
    if (i != size)
        abort();
    free(out);
    return 0;
}
