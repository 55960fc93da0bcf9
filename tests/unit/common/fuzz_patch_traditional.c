/*
 * fuzz_patch_traditional.c: libFuzzer target for patch_traditional_to_git,
 * which reads a job's patch as sent. Nothing may crash or read out of
 * bounds, and what it writes is git's format: converting it again finds
 * nothing left to convert.
 */
/* memmem: _GNU_SOURCE comes from the build */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/patch_traditional.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0, again_n = 0;
    char *out = patch_traditional_to_git((const char *)data, size, &n);
    if (!out)
        return 0;
    if (!(n >= 11 && memcmp(out, "diff --git ", 11) == 0) && !memmem(out, n, "\ndiff --git ", 12))
        abort();   /* a conversion writes at least one git header */
    char *again = patch_traditional_to_git(out, n, &again_n);
    if (again)
        abort();
    free(out);
    return 0;
}
