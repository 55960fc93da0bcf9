/*
 * patch_text.h: a job's patch as every reader of it parses it.
 *
 * gitops_apply and the analyzers' host both hand libgit2 this text, never
 * the patch as sent, so they see the same files: traditional unified diffs
 * get git headers (patch_traditional.h), hand-written git headers get the
 * lines libgit2 1.5 needs (patch_git_header.h), then header-only file diffs
 * are closed (patch_headers.h).
 */
#ifndef AIRLOCK_PATCH_TEXT_H
#define AIRLOCK_PATCH_TEXT_H

#include <stddef.h>

/* A malloc'd text for libgit2 and its length in *out_len; NULL when the
 * patch as sent is that text (or out of memory: the caller parses the patch
 * as sent, and libgit2 says why it refuses it). */
char *patch_text_for_libgit2(const char *patch, size_t len, size_t *out_len);

#endif
