/*
 * env_cache.h: the worker's cache of environment images, by digest, with a
 * size bound and least-recently-used eviction (docs/ENVIRONMENTS.md).
 *
 *   <dir>/<hex>/root/        the verified, finalized root tree (ns, gvisor)
 *   <dir>/<hex>/root.erofs   the same tree as an uncompressed erofs image,
 *                            padded with a sparse tail to SANDBOX_ENV_IMAGE_BYTES
 *                            (microvm; made the first time a microvm needs it)
 *   <dir>/<hex>/spec.json    canonical spec (variables and user of the jobs)
 *   <dir>/<hex>/ok           written last, holds the digest: the entry is whole
 *   <dir>/<hex>.lock         flock: exclusive to fill or evict, shared in use
 *
 * A missing image is fetched (env_fetch.h), verified (the image's sha256,
 * the root tar's sha256 while it is unpacked, the digest recomputed from the
 * spec and that tree hash), unpacked and finalized (env_unpack.h) before any
 * sandbox sees it; a failure names the reason and leaves nothing usable
 * behind. Nothing ever falls back to another root.
 *
 * Ownership: env_cache_acquire() lends an env_handle_t the caller gives back
 * with env_cache_release(&h) (NULL-safe, nulls *h); while it is held the entry
 * cannot be evicted. Thread-safe; several worker processes may share <dir>.
 */
#ifndef AIRLOCK_WORKER_ENV_CACHE_H
#define AIRLOCK_WORKER_ENV_CACHE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "worker/env/env_fetch.h"
#include "worker/sandbox/sandbox.h"

/* Fetches the image of digest into fd (env_fetcher_get, or a test's source). */
typedef int (*env_fetch_fn)(void *ctx, const char *digest, int fd, env_fetch_meta_t *meta);

typedef struct env_cache env_cache_t;

typedef struct {
    sandbox_env_t env;          /* what a sandbox spec points at; strings below */
    char digest[80];
    char tree[PATH_MAX + 96];
    char image[PATH_MAX + 96];  /* "" unless asked for */
    char **vars;                /* "KEY=VALUE" of the spec's env, NULL-terminated */
    char user[40];
    int lock_fd;
    uint64_t fetch_ms;          /* time spent fetching and unpacking now (0: cached) */
} env_handle_t;

int env_cache_new(env_cache_t **out, const char *dir, uint64_t max_bytes, env_fetch_fn fetch, void *fetch_ctx);
void env_cache_destroy(env_cache_t **c);

/* The environment of digest ("sha256:<hex>"), fetched and prepared when it is
 * not cached; need_image also makes its erofs image. */
int env_cache_acquire(env_cache_t *c, const char *digest, int need_image, env_handle_t **out);
void env_cache_release(env_handle_t **h);

#endif
