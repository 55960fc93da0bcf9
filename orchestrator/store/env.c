/*
 * env.c: environments in PostgreSQL (see env.h). Chunks go in and out as
 * binary bytea parameters and columns; everything else as text.
 */
#include "orchestrator/store/env.h"
#include "orchestrator/store/queue_util.h"
#include "common/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_one_row(PGresult *res, const char *fn)
{
    if (PQntuples(res) == 1)
        return 0;
    PQclear(res);
    return al_err_set(AL_EDB, "%s returned %d rows", fn, PQntuples(res));
}

int store_env_begin(store_db_t *db, const store_env_upload_t *u, int *complete)
{
    char tb[24], bb[24];
    snprintf(tb, sizeof tb, "%" PRIu64, u->tree_bytes);
    snprintf(bb, sizeof bb, "%" PRIu64, u->blob_bytes);
    const char *params[] = { u->digest, u->spec_json, u->tree_sha256, tb, u->blob_sha256, bb, u->client };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT complete FROM airlock_env_begin($1, $2::jsonb, $3, $4::bigint, "
                           "$5, $6::bigint, $7)", 7, params);
    if (rc != AL_OK || (rc = s_one_row(res, "airlock_env_begin")) != AL_OK)
        return rc;
    *complete = queue_bool(res, 0, 0);
    PQclear(res);
    return AL_OK;
}

int store_env_chunk(store_db_t *db, const char *digest, uint64_t offset, const void *data, size_t len,
                    uint64_t *next)
{
    char off[24];
    snprintf(off, sizeof off, "%" PRIu64, offset);
    const char *params[] = { digest, off, data };
    const int lengths[] = { 0, 0, (int)len }, formats[] = { 0, 0, 1 };
    PGresult *res = NULL;
    int rc = store_db_exec_params(db, &res, "SELECT airlock_env_chunk($1, $2::bigint, $3::bytea)", 3, params,
                                  lengths, formats, 0);
    if (rc != AL_OK || (rc = s_one_row(res, "airlock_env_chunk")) != AL_OK)
        return rc;
    *next = queue_u64(res, 0, 0);
    PQclear(res);
    return AL_OK;
}

int store_env_commit(store_db_t *db, const char *digest, const char *name, const char *client)
{
    const char *params[] = { digest, name, client };
    return store_db_exec(db, NULL, "SELECT airlock_env_commit($1, $2, $3)", 3, params);
}

int store_env_resolve(store_db_t *db, const char *ref, char digest[STORE_ENV_DIGEST_MAX])
{
    const char *params[] = { ref };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT airlock_env_resolve($1)", 1, params);
    if (rc != AL_OK || (rc = s_one_row(res, "airlock_env_resolve")) != AL_OK)
        return rc;
    int missing = PQgetisnull(res, 0, 0);
    if (!missing)
        queue_copy(digest, STORE_ENV_DIGEST_MAX, res, 0, 0);
    PQclear(res);
    return missing ? al_err_set(AL_ENOTFOUND, "environment '%s' is not registered (airlock env list)", ref) : AL_OK;
}

int store_env_meta(store_db_t *db, const char *digest, store_env_meta_t *out)
{
    memset(out, 0, sizeof *out);
    const char *params[] = { digest };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT spec::text, tree_sha256, blob_sha256, tree_bytes, blob_bytes, complete "
                           "FROM environments WHERE digest = $1", 1, params);
    if (rc != AL_OK)
        return rc;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return al_err_set(AL_ENOTFOUND, "environment %s is not stored", digest);
    }
    out->spec_json = queue_dup(res, 0, 0);
    queue_copy(out->tree_sha256, sizeof out->tree_sha256, res, 0, 1);
    queue_copy(out->blob_sha256, sizeof out->blob_sha256, res, 0, 2);
    out->tree_bytes = queue_u64(res, 0, 3);
    out->blob_bytes = queue_u64(res, 0, 4);
    out->complete = queue_bool(res, 0, 5);
    PQclear(res);
    return out->spec_json ? AL_OK : al_err_set(AL_ENOMEM, "out of memory");
}

void store_env_meta_free(store_env_meta_t *m)
{
    if (m) {
        free(m->spec_json);
        m->spec_json = NULL;
    }
}

int store_env_chunk_get(store_db_t *db, const char *digest, uint64_t offset, void **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    char off[24];
    snprintf(off, sizeof off, "%" PRIu64, offset);
    const char *params[] = { digest, off };
    PGresult *res = NULL;
    int rc = store_db_exec_params(db, &res, "SELECT data FROM environment_chunks WHERE digest = $1 "
                                  "AND offset_bytes = $2::bigint", 2, params, NULL, NULL, 1);
    if (rc != AL_OK)
        return rc;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return al_err_set(AL_ENOTFOUND, "environment %s has no chunk at offset %" PRIu64, digest, offset);
    }
    size_t n = (size_t)PQgetlength(res, 0, 0);
    void *copy = malloc(n ? n : 1);
    if (copy)
        memcpy(copy, PQgetvalue(res, 0, 0), n);
    PQclear(res);
    if (!copy)
        return al_err_set(AL_ENOMEM, "out of memory");
    *data = copy;
    *len = n;
    return AL_OK;
}

int store_env_list(store_db_t *db, store_env_row_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT name, digest, size_bytes, tree_bytes, created_by, "
                           "(extract(epoch FROM created_at) * 1000000)::bigint, spec::text "
                           "FROM v_environments ORDER BY name LIMIT 1000", 0, NULL);
    if (rc != AL_OK)
        return rc;
    int n = PQntuples(res);
    store_env_row_t *rows = n ? calloc((size_t)n, sizeof *rows) : NULL;
    if (n && !rows) {
        PQclear(res);
        return al_err_set(AL_ENOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        queue_copy(rows[i].name, sizeof rows[i].name, res, i, 0);
        queue_copy(rows[i].digest, sizeof rows[i].digest, res, i, 1);
        rows[i].size_bytes = queue_u64(res, i, 2);
        rows[i].tree_bytes = queue_u64(res, i, 3);
        queue_copy(rows[i].created_by, sizeof rows[i].created_by, res, i, 4);
        rows[i].created_us = queue_u64(res, i, 5);
        rows[i].spec_json = queue_dup(res, i, 6);
    }
    PQclear(res);
    *out = rows;
    *count = (size_t)n;
    return AL_OK;
}

void store_env_rows_free(store_env_row_t **rows, size_t count)
{
    if (!rows || !*rows)
        return;
    for (size_t i = 0; i < count; i++)
        free((*rows)[i].spec_json);
    free(*rows);
    *rows = NULL;
}
