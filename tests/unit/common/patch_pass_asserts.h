/*
 * patch_pass_asserts.h: cmocka assertions for the passes that rewrite a
 * job's patch for libgit2 (common/patch_*.h): what a pass makes of a text,
 * or that it leaves the text alone. Include after <cmocka.h>.
 */
#ifndef AIRLOCK_PATCH_PASS_ASSERTS_H
#define AIRLOCK_PATCH_PASS_ASSERTS_H

#include <stdlib.h>
#include <string.h>

typedef char *(*patch_pass_fn)(const char *patch, size_t len, size_t *out_len);

static inline void assert_pass_gives(patch_pass_fn pass, const char *in, const char *want)
{
    size_t n = 0;
    char *out = pass(in, strlen(in), &n);
    assert_non_null(out);
    if (n != strlen(want) || memcmp(out, want, n) != 0)
        fail_msg("got:\n%.*s\nwant:\n%s", (int)n, out, want);
    free(out);
}

static inline void assert_pass_leaves(patch_pass_fn pass, const char *in)
{
    size_t n = 0;
    char *out = pass(in, strlen(in), &n);
    if (out)
        fail_msg("changed:\n%.*s", (int)n, out);
}

#endif
