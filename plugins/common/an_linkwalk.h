/*
 * an_linkwalk.h: where a symlink really points, by walking the link chain
 * component by component inside the tree, as the kernel would (a `..` after
 * a link component climbs from the link's TARGET, not lexically). Shared by
 * the `paths` analyzer (over the links of the patch) and worker/gitops (over
 * the applied index and over the work tree after the run stage), so both
 * judge a chain such as  d/a -> ..,  d/b -> a/..,  d/k -> b/../x  the same
 * way: every link of it looks harmless on its own, d/b leaves the tree.
 *
 * Pure: no allocation, no I/O; the caller's lookup says which paths are links.
 */
#ifndef AIRLOCK_AN_LINKWALK_H
#define AIRLOCK_AN_LINKWALK_H

#include <stddef.h>

/* The target of the symlink at `path` (a NUL-terminated, '/'-joined path
 * relative to the tree root, no "." or ".." in it), with its length in
 * *len, or NULL when path is not a symlink (a directory, a file, absent).
 * The returned bytes need to stay valid only until the next call. */
typedef const char *(*an_link_lookup_fn)(void *ctx, const char *path, size_t *len);

typedef enum {
    AN_LINK_INSIDE = 0,     /* resolved inside the tree: out holds the path ("" = the root) */
    AN_LINK_ABSOLUTE = 1,   /* the chain reaches an absolute (or ~) target */
    AN_LINK_ESCAPES = 2,    /* a ".." climbs above the root */
    AN_LINK_LOOP = 3,       /* more than AN_LINK_MAX_HOPS links, or a cycle */
    AN_LINK_TOO_LONG = 4,   /* a path grew past the work buffers */
} an_link_result_t;

#define AN_LINK_MAX_HOPS 40     /* as Linux's MAXSYMLINKS */
#define AN_LINK_PATH_MAX 4096

/* Resolves the symlink at link_path whose target is target (tlen bytes) and
 * writes the resolved path to out (out_size >= 2). lookup may be NULL (then
 * only this one link is followed, lexically). Returns an an_link_result_t;
 * *hops (may be NULL) gets the number of further links followed. */
an_link_result_t an_link_resolve(const char *link_path, const char *target, size_t tlen,
                                 an_link_lookup_fn lookup, void *ctx, char *out, size_t out_size,
                                 unsigned *hops);

/* "inside", "absolute target", "leaves the tree", "link loop", "path too long". */
const char *an_link_result_name(an_link_result_t r);

#endif
