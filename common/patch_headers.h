/*
 * patch_headers.h: a patch's header-only file diffs, closed so libgit2 can
 * read them.
 *
 * `git diff` ends the diff of an added or deleted empty file at its index
 * line (`new file mode 100644` / `index 0000000..e69de29`, no ---/+++, no
 * hunk). libgit2 1.5 (Debian 12) refuses such a header when another file's
 * diff or the end of the patch follows it ("invalid patch header",
 * libgit2#6778, fixed upstream later); it accepts the same header closed by
 * `-- `, the line git format-patch ends a patch with (libgit2#5248). Every
 * reader of a job's patch (the analyzers' parse and gitops_apply) parses
 * the closed text, so they see the same files.
 */
#ifndef AIRLOCK_PATCH_HEADERS_H
#define AIRLOCK_PATCH_HEADERS_H

#include <stddef.h>

/* A malloc'd copy of patch with `-- ` after each index line that ends a file's
 * header, its length in *out_len; NULL when nothing needed it (or out of
 * memory: the caller parses the patch as sent, and libgit2 says why not). */
char *patch_close_bare_headers(const char *patch, size_t len, size_t *out_len);

#endif
