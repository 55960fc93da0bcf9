/*
 * fuzz_patch_git_header.c: libFuzzer target for patch_complete_git_headers,
 * which reads a job's patch as sent. Nothing may crash or read out of
 * bounds, and the result is the input with only its two kinds of line
 * inserted, each at the start of a line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/patch_git_header.h"

static size_t inserted_at(const char *out, size_t o, size_t n)
{
    static const char *const lines[] = { PATCH_SIMILARITY_LINE, PATCH_INDEX_LINE };
    if (o > 0 && out[o - 1] != '\n')
        return 0;
    for (size_t i = 0; i < 2; i++)
        if (n - o >= strlen(lines[i]) && memcmp(out + o, lines[i], strlen(lines[i])) == 0)
            return strlen(lines[i]);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0, o = 0, i = 0, skip;
    char *out = patch_complete_git_headers((const char *)data, size, &n);
    if (!out)
        return 0;
    if (n <= size)
        abort();   /* something is inserted, nothing dropped */
    /* walk both: every output byte is the next input byte, or starts an
     * inserted line that the input does not have there */
    while (o < n) {
        if (i < size && out[o] == (char)data[i] &&
            !((skip = inserted_at(out, o, n)) && !(size - i >= skip && memcmp(data + i, out + o, skip) == 0))) {
            o++;
            i++;
            continue;
        }
        if (!(skip = inserted_at(out, o, n)))
            abort();
        o += skip;
    }
    if (i != size)
        abort();
    free(out);
    return 0;
}
