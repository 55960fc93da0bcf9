/*
 * patch_traditional.h: unified diffs without git headers (`diff -u`,
 * `diff -ruN`, what many tools and coding agents write), given git headers
 * so libgit2 reads them the way `git apply` does.
 *
 * libgit2 reads only git's format: a `--- x` / `+++ y` pair that no
 * `diff --git` line opens is "invalid hunk header outside patch", so such a
 * patch was apply_failed although `git apply` and `patch -p1` apply it.
 * Rules, as git apply's (apply.c, parse_traditional_patch):
 *   - a file's diff is `--- OLD`, `+++ NEW`, then a hunk header `@@ -`,
 *     outside any hunk and not after a `diff --git` line (inside a hunk a
 *     removed line may well start `--- `: hunks are counted);
 *   - a name ends at its TAB (the timestamp follows); without a TAB it is the
 *     rest of the line; C-quoted names ("...") are unquoted;
 *   - one leading directory is stripped (-p1: `a/x`, `old/x` -> `x`); a name
 *     with no directory is left alone (libgit2 then says why it refuses);
 *   - `/dev/null`, or (diff -N) a timestamp at the epoch with an empty range
 *     on that side in the first hunk: the file is added or deleted (mode
 *     100644, as git apply gives an added file);
 *   - otherwise the file keeps the old name, unless the new name is a
 *     proper prefix of it (`x.c.orig` -> `x.c`), as git apply chooses.
 * Every other byte is copied as it was.
 */
#ifndef AIRLOCK_PATCH_TRADITIONAL_H
#define AIRLOCK_PATCH_TRADITIONAL_H

#include <stddef.h>

/* A malloc'd copy of patch with a git header in place of each traditional
 * file header, its length in *out_len; NULL when the patch has none (or out
 * of memory: the caller parses the patch as sent). */
char *patch_traditional_to_git(const char *patch, size_t len, size_t *out_len);

#endif
