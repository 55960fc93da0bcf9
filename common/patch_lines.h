/*
 * patch_lines.h: the line helpers the passes over a job's patch text share
 * (patch_headers.c, patch_git_header.c, patch_traditional.c).
 */
#ifndef AIRLOCK_PATCH_LINES_H
#define AIRLOCK_PATCH_LINES_H

#include <stddef.h>
#include <string.h>

/* Whether the line s (n bytes) starts with lit. */
static inline int patch_line_starts(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && memcmp(s, lit, m) == 0;
}

/* The length of the line at p, up to (not including) its '\n' or end. */
static inline size_t patch_line_len(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? (size_t)(nl - p) : (size_t)(end - p);
}

#endif
