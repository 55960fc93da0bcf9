/*
 * queue_batch.c: the control plane's batched writes (SUBMIT, RESULT, EVENT x n)
 * as one call each to the functions of sql/0011_dispatch_batch.sql, with the
 * inputs passed as PostgreSQL array literals. Owns nothing beyond each call.
 */
#include "orchestrator/store/queue.h"
#include "orchestrator/store/queue_util.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_COLS 7

/* Closes every array, runs sql with them (+ extra params), frees them. */
static int s_run(store_db_t *db, PGresult **res, const char *sql, al_pg_array_t *arrays, int n,
                 const char *extra)
{
    const char *params[BATCH_COLS + 1];
    int rc = AL_OK;
    for (int i = 0; i < n; i++) {
        params[i] = al_pg_array_end(&arrays[i]);
        if (!params[i])
            rc = al_err_set(AL_ENOMEM, "batch: out of memory");
    }
    if (extra)
        params[n] = extra;
    if (rc == AL_OK)
        rc = store_db_exec(db, res, sql, n + (extra ? 1 : 0), params);
    for (int i = 0; i < n; i++)
        al_pg_array_free(&arrays[i]);
    return rc;
}

/* Row r's ord column (1-based) as an index below n, or -1. */
static long s_ord(const PGresult *res, int r, size_t n)
{
    int ord = queue_int(res, r, 0);
    return ord >= 1 && (size_t)ord <= n ? ord - 1 : -1;
}

int store_jobs_submit_batch(store_db_t *db, store_submit_item_t *items, size_t n,
                            int max_attempts)
{
    al_pg_array_t a[5];
    memset(a, 0, sizeof a);
    for (size_t i = 0; i < n; i++) {
        al_pg_array_add(&a[0], items[i].idem_key);
        al_pg_array_add(&a[1], items[i].spec_json);
        al_pg_array_add(&a[2], items[i].labels_json);
        al_pg_array_add(&a[3], items[i].client);
        al_pg_array_add(&a[4], items[i].tenant);
    }
    char attempts[16];
    snprintf(attempts, sizeof attempts, "%d", max_attempts);
    PGresult *res = NULL;
    int rc = s_run(db, &res, "SELECT ord, job_id, existing FROM airlock_submit_batch($1::text[], "
                   "$2::jsonb[], $3::jsonb[], $6::int, $4::text[], $5::text[])", a, 5, attempts);
    if (rc != AL_OK)
        return rc;
    size_t got = 0;
    for (int r = 0; r < PQntuples(res); r++) {
        long i = s_ord(res, r, n);
        if (i < 0)
            continue;
        queue_copy(items[i].job_id, STORE_ID_MAX, res, r, 1);
        items[i].existing = queue_bool(res, r, 2);
        got++;
    }
    PQclear(res);
    return got == n ? AL_OK : al_err_set(AL_EDB, "airlock_submit_batch answered %zu of %zu", got, n);
}

int store_results_put_batch(store_db_t *db, store_result_item_t *items, size_t n)
{
    al_pg_array_t a[6];
    memset(a, 0, sizeof a);
    for (size_t i = 0; i < n; i++) {
        memset(&items[i].out, 0, sizeof items[i].out);
        al_pg_array_add(&a[0], items[i].task_id);
        al_pg_array_add_i64(&a[1], items[i].attempt);
        al_pg_array_add(&a[2], al_verdict_name(items[i].verdict));
        al_pg_array_add(&a[3], items[i].reason);
        al_pg_array_add(&a[4], items[i].summary_json);
        al_pg_array_add(&a[5], items[i].worker);
    }
    PGresult *res = NULL;
    int rc = s_run(db, &res, "SELECT ord, job_id, authoritative, duplicate FROM "
                   "airlock_store_result_batch($1::text[], $2::int[], $3::text[], $4::text[], "
                   "$5::jsonb[], $6::text[])", a, 6, NULL);
    if (rc != AL_OK)
        return rc;
    for (int r = 0; r < PQntuples(res); r++) {
        long i = s_ord(res, r, n);
        if (i < 0)
            continue;
        store_result_outcome_t *o = &items[i].out;
        o->found = 1;
        queue_copy(o->job_id, STORE_ID_MAX, res, r, 1);
        o->authoritative = queue_bool(res, r, 2);
        o->duplicate = queue_bool(res, r, 3);
    }
    PQclear(res);
    return AL_OK;
}

int store_events_put_batch(store_db_t *db, store_event_item_t *items, size_t n)
{
    al_pg_array_t a[7];
    memset(a, 0, sizeof a);
    for (size_t i = 0; i < n; i++) {
        items[i].is_new = 0;
        al_pg_array_add(&a[0], items[i].task_id);
        al_pg_array_add_i64(&a[1], items[i].attempt);
        al_pg_array_add_i64(&a[2], (long long)items[i].seq);
        al_pg_array_add(&a[3], items[i].kind);
        al_pg_array_add_i64(&a[4], (long long)items[i].ts_us);
        al_pg_array_add(&a[5], items[i].data_json);
        al_pg_array_add(&a[6], items[i].worker);
    }
    PGresult *res = NULL;
    int rc = s_run(db, &res, "SELECT ord, is_new FROM airlock_store_event_batch($1::text[], "
                   "$2::int[], $3::bigint[], $4::text[], $5::bigint[], $6::jsonb[], $7::text[])",
                   a, 7, NULL);
    if (rc != AL_OK)
        return rc;
    for (int r = 0; r < PQntuples(res); r++) {
        long i = s_ord(res, r, n);
        if (i >= 0)
            items[i].is_new = queue_bool(res, r, 1);
    }
    PQclear(res);
    return AL_OK;
}
