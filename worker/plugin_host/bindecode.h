/*
 * bindecode.h: decoding a `GIT binary patch` hunk (as libgit2 parsed it:
 * base85 already undone, still deflated) into the post-image bytes, without
 * a repository (bindecode.c). Internal to worker/plugin_host; fuzzed.
 */
#ifndef AIRLOCK_PLUGIN_HOST_BINDECODE_H
#define AIRLOCK_PLUGIN_HOST_BINDECODE_H

#include <stddef.h>

enum { PLUGIN_BIN_LITERAL = 1, PLUGIN_BIN_DELTA = 2 };  /* = GIT_DIFF_BINARY_LITERAL/DELTA */

typedef struct {
    int type;                  /* PLUGIN_BIN_* */
    const char *data;          /* deflated bytes */
    size_t data_len;
    size_t inflated_len;       /* declared by the hunk header ("literal 3000") */
} plugin_binhunk_t;

/* The post-image of hunk h applied to base (a literal ignores base; a delta
 * needs the exact pre-image: NULL/0 for an added file). At most max bytes.
 * *out is malloc'd, the caller's. Errors: AL_EPROTO (corrupt stream, wrong
 * base, sizes that do not match), AL_ELIMIT (over max), AL_ENOMEM, AL_EINVAL. */
int plugin_binary_decode(const plugin_binhunk_t *h, const unsigned char *base, size_t base_len, size_t max,
                         unsigned char **out, size_t *out_len);

/* Applies a git delta (already inflated) to base. Same errors. */
int plugin_delta_apply(const unsigned char *base, size_t base_len, const unsigned char *delta,
                       size_t delta_len, size_t max, unsigned char **out, size_t *out_len);

#endif
