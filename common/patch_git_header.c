/*
 * patch_git_header.c: hand-written git headers completed for libgit2 1.5
 * (patch_git_header.h).
 */
#include "common/patch_git_header.h"

#include <stdlib.h>
#include <string.h>

#include "common/patch_lines.h"

/* What to insert before the line at p (length n), given the header so far;
 * updates the header state. */
static const char *insert_before(const char *p, size_t n, int *in_header, int *similarity, int *needs_index)
{
    const char *add = NULL;
    if (patch_line_starts(p, n, "diff --git ")) {
        *in_header = 1;
        *similarity = *needs_index = 0;
        return NULL;
    }
    if (!*in_header)
        return NULL;
    if (patch_line_starts(p, n, "similarity index ") || patch_line_starts(p, n, "dissimilarity index ")) {
        *similarity = 1;
    } else if ((patch_line_starts(p, n, "rename from ") || patch_line_starts(p, n, "copy from ") || patch_line_starts(p, n, "rename old ")) &&
               !*similarity) {
        add = PATCH_SIMILARITY_LINE;
        *similarity = 1;
    } else if (patch_line_starts(p, n, "--- ")) {
        add = *needs_index ? PATCH_INDEX_LINE : NULL;
        *in_header = 0;
    } else if (patch_line_starts(p, n, "@@ ") || patch_line_starts(p, n, "GIT binary patch") || patch_line_starts(p, n, "Binary files ")) {
        *in_header = 0;
    }
    *needs_index = patch_line_starts(p, n, "rename to ") || patch_line_starts(p, n, "rename new ") || patch_line_starts(p, n, "copy to ") ||
                   patch_line_starts(p, n, "new mode ");
    return add;
}

char *patch_complete_git_headers(const char *patch, size_t len, size_t *out_len)
{
    const char *end = patch + len;
    size_t extra = 0, o = 0;
    int in_header = 0, similarity = 0, needs_index = 0;
    char *out;
    for (const char *p = patch; p < end;) {
        size_t n = patch_line_len(p, end);
        const char *add = insert_before(p, n, &in_header, &similarity, &needs_index);
        extra += add ? strlen(add) : 0;
        p += n + 1;
    }
    if (extra == 0 || !(out = malloc(len + extra + 1)))
        return NULL;
    in_header = similarity = needs_index = 0;
    for (const char *p = patch; p < end;) {
        size_t n = patch_line_len(p, end), with_nl = p + n < end ? n + 1 : n;
        const char *add = insert_before(p, n, &in_header, &similarity, &needs_index);
        if (add) {
            memcpy(out + o, add, strlen(add));
            o += strlen(add);
        }
        memcpy(out + o, p, with_nl);
        o += with_nl;
        p += with_nl ? with_nl : 1;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}
