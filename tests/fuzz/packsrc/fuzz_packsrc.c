/*
 * fuzz_packsrc.c: libFuzzer target for worker/gitops/packsrc.c, the reader
 * of a repository's pack files that the base pack copies stored entries
 * from. Input: a 4-byte big-endian length L, L bytes of .idx, the rest the
 * .pack. Both are written as objects/pack/pack-f.{idx,pack} of a scratch
 * directory, opened, every id the index region holds is looked up and each
 * entry found is read to its last byte (ASan checks the bounds).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "worker/gitops/gitops_internal.h"

static char s_dir[] = "/tmp/fuzz-packsrc-XXXXXX";
static volatile unsigned s_sink;   /* the reads are not optimized away */

static int s_put(const char *name, const uint8_t *d, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/objects/pack/%s", s_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(d, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* The scratch directory goes when the fuzzer exits (libFuzzer ends with exit()). */
static void s_cleanup(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_packsrc: could not remove %s\n", s_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        char p[256];
        if (!mkdtemp(s_dir))
            abort();
        atexit(s_cleanup);
        snprintf(p, sizeof p, "%s/objects", s_dir);
        mkdir(p, 0700);
        snprintf(p, sizeof p, "%s/objects/pack", s_dir);
        mkdir(p, 0700);
        ready = 1;
    }
    if (size < 4)
        return 0;
    size_t L = (size_t)data[0] << 24 | (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3];
    if (L > size - 4)
        L = size - 4;
    if (s_put("pack-f.idx", data + 4, L) < 0 || s_put("pack-f.pack", data + 4 + L, size - 4 - L) < 0)
        return 0;
    gitops_packsrc_t *src = NULL;
    if (gitops_packsrc_open(&src, s_dir) != 0)
        return 0;
    const uint8_t *idx = data + 4;
    unsigned sum = 0;
    for (size_t at = 8 + 1024; at + 20 <= L && at < 8 + 1024 + 20 * 64; at += 20) {
        git_oid id;
        gitops_packloc_t loc;
        const unsigned char *e;
        size_t len;
        memcpy(id.id, idx + at, 20);
        if (gitops_packsrc_find(src, &id, &loc) && gitops_packsrc_entry(src, &loc, &e, &len))
            for (size_t i = 0; i < len; i++)
                sum += e[i];
    }
    gitops_packsrc_close(&src);
    s_sink = sum;
    return 0;
}
