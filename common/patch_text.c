/*
 * patch_text.c: a job's patch as every reader of it parses it
 * (patch_text.h).
 */
#include "common/patch_text.h"

#include <stdlib.h>

#include "common/patch_git_header.h"
#include "common/patch_headers.h"
#include "common/patch_traditional.h"

typedef char *(*patch_pass_t)(const char *patch, size_t len, size_t *out_len);

char *patch_text_for_libgit2(const char *patch, size_t len, size_t *out_len)
{
    /* in this order: the traditional headers become git headers first */
    static const patch_pass_t passes[] = { patch_traditional_to_git, patch_complete_git_headers,
                                           patch_close_bare_headers };
    char *text = NULL;
    size_t text_len = len;
    for (size_t i = 0; i < sizeof passes / sizeof passes[0]; i++) {
        size_t n = 0;
        char *next = passes[i](text ? text : patch, text_len, &n);
        if (next) {
            free(text);
            text = next;
            text_len = n;
        }
    }
    if (text)
        *out_len = text_len;
    return text;
}
