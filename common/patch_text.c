/*
 * patch_text.c: a job's patch as every reader of it parses it
 * (patch_text.h).
 */
#include "common/patch_text.h"

#include <stdlib.h>

#include "common/patch_headers.h"
#include "common/patch_traditional.h"

char *patch_text_for_libgit2(const char *patch, size_t len, size_t *out_len)
{
    size_t git_len = 0, closed_len = 0;
    char *git = patch_traditional_to_git(patch, len, &git_len);
    char *closed = git ? patch_close_bare_headers(git, git_len, &closed_len)
                       : patch_close_bare_headers(patch, len, &closed_len);
    if (closed) {
        free(git);
        *out_len = closed_len;
        return closed;
    }
    if (git)
        *out_len = git_len;
    return git;
}
