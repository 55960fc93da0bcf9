/*
 * env.h: environments in PostgreSQL (sql/0020_environments.sql): uploads in
 * chunks, the name registry, resolution of a job's "environment" and the
 * chunks workers fetch. One SQL function or statement per call.
 *
 * Ownership: rows returned through `out` are the caller's, freed with the
 * matching *_free. Errors: AL_EDB (server, message from PostgreSQL; e.g. a
 * chunk at the wrong offset), AL_EAGAIN (connection lost), AL_ENOTFOUND,
 * AL_ENOMEM.
 */
#ifndef AIRLOCK_STORE_ENV_H
#define AIRLOCK_STORE_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "orchestrator/store/db.h"

#define STORE_ENV_DIGEST_MAX 72

typedef struct {
    const char *digest, *spec_json, *tree_sha256, *blob_sha256, *client;
    uint64_t tree_bytes, blob_bytes;
} store_env_upload_t;

/* Starts or restarts an upload; *complete = 1 when the image is stored whole. */
int store_env_begin(store_db_t *db, const store_env_upload_t *u, int *complete);
/* Stores len bytes at offset (must be where the upload stands); *next = new position. */
int store_env_chunk(store_db_t *db, const char *digest, uint64_t offset, const void *data, size_t len,
                    uint64_t *next);
/* Marks a fully received (and verified) upload complete and points name at it. Audited. */
int store_env_commit(store_db_t *db, const char *digest, const char *name, const char *client);
/* A job's environment (name or digest) -> the digest of a complete environment,
 * AL_ENOTFOUND when there is none. */
int store_env_resolve(store_db_t *db, const char *ref, char digest[STORE_ENV_DIGEST_MAX]);

typedef struct {
    char *spec_json;             /* canonical, without the name */
    char tree_sha256[65], blob_sha256[65];
    uint64_t tree_bytes, blob_bytes;
    int complete;
} store_env_meta_t;

/* What a worker verifies against. AL_ENOTFOUND when the digest is unknown. */
int store_env_meta(store_db_t *db, const char *digest, store_env_meta_t *out);
void store_env_meta_free(store_env_meta_t *m);

/* The chunk that starts at offset; *data malloc'd (caller frees).
 * AL_ENOTFOUND when no chunk starts there. */
int store_env_chunk_get(store_db_t *db, const char *digest, uint64_t offset, void **data, size_t *len);

typedef struct {
    char name[65];
    char digest[STORE_ENV_DIGEST_MAX];
    uint64_t size_bytes, tree_bytes, created_us;
    char created_by[129];
    char *spec_json;
} store_env_row_t;

int store_env_list(store_db_t *db, store_env_row_t **out, size_t *count);
void store_env_rows_free(store_env_row_t **rows, size_t count);

#endif
