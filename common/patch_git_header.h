/*
 * patch_git_header.h: git headers written by hand (or by a coding agent)
 * that `git apply` reads and libgit2 1.5 refuses, completed.
 *
 * libgit2's header parser (patch_parse.c, its transition table) wants
 *   - `similarity index N%` before `rename from` / `copy from`;
 *   - an `index` line between `rename to`, `copy to` or `new mode` and the
 *     `--- ` line of a diff that also has hunks.
 * `git diff` always writes both; git apply needs neither. The completion
 * inserts `similarity index 100%` and `index 0000000..0000000` (libgit2
 * applies a text hunk by its context, never by these ids or the similarity;
 * nothing in Airlock reads them) and changes no other byte.
 */
#ifndef AIRLOCK_PATCH_GIT_HEADER_H
#define AIRLOCK_PATCH_GIT_HEADER_H

#include <stddef.h>

#define PATCH_SIMILARITY_LINE "similarity index 100%\n"
#define PATCH_INDEX_LINE "index 0000000..0000000\n"

/* A malloc'd copy of patch with the lines above inserted where libgit2 needs
 * them, its length in *out_len; NULL when no header needed one (or out of
 * memory: the caller parses the patch as sent). */
char *patch_complete_git_headers(const char *patch, size_t len, size_t *out_len);

#endif
