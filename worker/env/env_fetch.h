/*
 * env_fetch.h: fetches an environment image from airlockd (ENV_GET ->
 * ENV_DATA) over a CURVE DEALER connection of its own, so a transfer never
 * waits behind, or delays, the worker's task messages on the link. Images
 * reach workers only this way: nothing assumes a shared file system.
 *
 * Ownership: env_fetcher_new() copies what it is given; the caller destroys
 * the fetcher (env_fetcher_destroy, NULL-safe). One fetch at a time per
 * fetcher (a mutex serializes callers). Errors: AL_ETIMEOUT (airlockd did not
 * answer), AL_ENOTFOUND / AL_ESTATE (airlockd's reason, e.g. an unknown or
 * incomplete environment), AL_EPROTO, AL_EIO.
 */
#ifndef AIRLOCK_WORKER_ENV_FETCH_H
#define AIRLOCK_WORKER_ENV_FETCH_H

#include <czmq.h>
#include <stddef.h>
#include <stdint.h>

typedef struct env_fetcher env_fetcher_t;

int env_fetcher_new(env_fetcher_t **out, const char *endpoint, zcert_t *cert, const char *server_key,
                    int timeout_ms);
void env_fetcher_destroy(env_fetcher_t **f);

/* What a fetched image is verified against (from the first chunk). */
typedef struct {
    uint64_t total, tree_bytes;
    char blob_sha256[65], tree_sha256[65];
    char *spec_json;            /* canonical, without the name; malloc'd */
} env_fetch_meta_t;

/* Writes the whole image of digest to fd, filling meta; the caller verifies
 * it (env_cache.c) and frees meta->spec_json. */
int env_fetcher_get(env_fetcher_t *f, const char *digest, int fd, env_fetch_meta_t *meta);

#endif
