/*
 * patch_headers.c: a patch's header-only file diffs, closed so libgit2 can
 * read them (patch_headers.h).
 */
#include "common/patch_headers.h"

#include <stdlib.h>
#include <string.h>

#include "common/patch_lines.h"

/* `index <hex>..<hex>` with an optional mode: the header's index line. */
static int is_index_line(const char *s, size_t n)
{
    size_t i = 6, hex;
    if (!patch_line_starts(s, n, "index "))
        return 0;
    for (hex = 0; i < n && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')); i++, hex++)
        ;
    if (hex == 0 || i + 2 > n || s[i] != '.' || s[i + 1] != '.')
        return 0;
    for (i += 2, hex = 0; i < n && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')); i++, hex++)
        ;
    if (hex == 0)
        return 0;
    if (i < n && s[i] == ' ')
        for (i++; i < n && s[i] >= '0' && s[i] <= '7'; i++)
            ;
    while (i < n && s[i] == '\r')
        i++;
    return i == n;
}

/* Whether the index line at p (length n) ends its file's header: the next
 * line starts another file's diff, or there is none. */
static int ends_header(const char *p, size_t n, const char *end)
{
    const char *next = p + n + (p + n < end ? 1 : 0);
    return next >= end || patch_line_starts(next, (size_t)(end - next), "diff --git ");
}

char *patch_close_bare_headers(const char *patch, size_t len, size_t *out_len)
{
    const char *end = patch + len;
    size_t bare = 0, o = 0;
    char *out;
    for (const char *p = patch; p < end;) {
        size_t n = patch_line_len(p, end);
        bare += is_index_line(p, n) && ends_header(p, n, end);
        p += n + 1;
    }
    if (bare == 0 || !(out = malloc(len + bare * 5 + 1)))
        return NULL;
    for (const char *p = patch; p < end;) {
        size_t n = patch_line_len(p, end), with_nl = p + n < end ? n + 1 : n;
        memcpy(out + o, p, with_nl);
        o += with_nl;
        if (is_index_line(p, n) && ends_header(p, n, end)) {
            if (with_nl == n)
                out[o++] = '\n';
            memcpy(out + o, "-- \n", 4);
            o += 4;
        }
        p += with_nl ? with_nl : 1;
    }
    *out_len = o;
    return out;
}
