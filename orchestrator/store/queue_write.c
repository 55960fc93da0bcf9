/*
 * queue_write.c: the control plane's writes (submit, claim, renew, requeue,
 * worker rows, events, results, cancel), one SQL function call each.
 */
#include "orchestrator/store/queue.h"
#include "orchestrator/store/queue_util.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_job_submit(store_db_t *db, const char *idem_key, const char *spec_json,
                     const char *labels_json, int max_attempts, const char *client, const char *tenant,
                     char job_id[STORE_ID_MAX], int *existing)
{
    char attempts[16];
    snprintf(attempts, sizeof attempts, "%d", max_attempts);
    const char *params[] = { idem_key, spec_json, labels_json, attempts, client, tenant };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT job_id, existing FROM airlock_submit($1, $2::jsonb, "
                           "$3::jsonb, $4::int, $5, $6)", 6, params);
    if (rc != AL_OK)
        return rc;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return al_err_set(AL_EDB, "airlock_submit returned no row");
    }
    queue_copy(job_id, STORE_ID_MAX, res, 0, 0);
    *existing = queue_bool(res, 0, 1);
    PQclear(res);
    return AL_OK;
}

int store_tasks_claim(store_db_t *db, const char *worker, const char *drivers_pg,
                      const char *labels_json, int n, int lease_ms,
                      store_claim_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    char ns[16], lease[16];
    snprintf(ns, sizeof ns, "%d", n);
    snprintf(lease, sizeof lease, "%d", lease_ms);
    const char *params[] = { worker, drivers_pg, labels_json, ns, lease };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT task_id, attempt, job_id, spec FROM airlock_claim("
                           "$1, $2::text[], $3::jsonb, $4::int, $5::int)", 5, params);
    if (rc != AL_OK)
        return rc;
    int rows = PQntuples(res);
    store_claim_t *claims = rows ? calloc((size_t)rows, sizeof *claims) : NULL;
    if (rows && !claims) {
        PQclear(res);
        return al_err_set(AL_ENOMEM, "claim: out of memory");
    }
    for (int i = 0; i < rows; i++) {
        queue_copy(claims[i].task_id, STORE_ID_MAX, res, i, 0);
        claims[i].attempt = queue_int(res, i, 1);
        queue_copy(claims[i].job_id, STORE_ID_MAX, res, i, 2);
        claims[i].spec_json = queue_dup(res, i, 3);
    }
    PQclear(res);
    *out = claims;
    *count = (size_t)rows;
    return AL_OK;
}

void store_claims_free(store_claim_t **claims, size_t count)
{
    if (!claims || !*claims)
        return;
    for (size_t i = 0; i < count; i++)
        free((*claims)[i].spec_json);
    free(*claims);
    *claims = NULL;
}

int store_tasks_renew(store_db_t *db, const char *worker, const char *tasks_pg, int lease_ms,
                      int *renewed)
{
    char lease[16];
    snprintf(lease, sizeof lease, "%d", lease_ms);
    const char *params[] = { worker, tasks_pg, lease };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT airlock_renew($1, $2::text[], $3::int)", 3, params);
    if (rc != AL_OK)
        return rc;
    *renewed = PQntuples(res) == 1 ? queue_int(res, 0, 0) : 0;
    PQclear(res);
    return AL_OK;
}

static int s_requeue_rows(PGresult *res, store_requeue_t **out, size_t *count)
{
    int rows = PQntuples(res);
    store_requeue_t *r = rows ? calloc((size_t)rows, sizeof *r) : NULL;
    if (rows && !r) {
        PQclear(res);
        return al_err_set(AL_ENOMEM, "requeue: out of memory");
    }
    for (int i = 0; i < rows; i++) {
        queue_copy(r[i].task_id, STORE_ID_MAX, res, i, 0);
        r[i].attempt = queue_int(res, i, 1);
        queue_copy(r[i].job_id, STORE_ID_MAX, res, i, 2);
        queue_copy(r[i].outcome, sizeof r[i].outcome, res, i, 3);
    }
    PQclear(res);
    *out = r;
    *count = (size_t)rows;
    return AL_OK;
}

int store_attempt_requeue(store_db_t *db, const char *task_id, int attempt, const char *reason,
                          char outcome[16])
{
    char a[16];
    snprintf(a, sizeof a, "%d", attempt);
    const char *params[] = { task_id, a, reason };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT airlock_requeue_attempt($1, $2::int, $3)", 3, params);
    if (rc != AL_OK)
        return rc;
    if (outcome)
        queue_copy(outcome, 16, res, 0, 0);
    PQclear(res);
    return AL_OK;
}

int store_leases_expire(store_db_t *db, store_requeue_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT task_id, attempt, job_id, outcome "
                           "FROM airlock_expire_leases()", 0, NULL);
    return rc != AL_OK ? rc : s_requeue_rows(res, out, count);
}

int store_worker_release(store_db_t *db, const char *worker, const char *keep_pg,
                         const char *reason, store_requeue_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    const char *params[] = { worker, keep_pg, reason };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT task_id, attempt, job_id, outcome FROM "
                           "airlock_release_worker_tasks($1, $2::text[], $3)", 3, params);
    return rc != AL_OK ? rc : s_requeue_rows(res, out, count);
}

int store_worker_live_tasks(store_db_t *db, const char *worker, store_requeue_t **out,
                            size_t *count)
{
    *out = NULL;
    *count = 0;
    const char *params[] = { worker };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT id, attempt, job_id, state FROM tasks "
                           "WHERE worker_id = $1 AND state IN ('assigned', 'running')", 1, params);
    return rc != AL_OK ? rc : s_requeue_rows(res, out, count);
}

void store_requeues_free(store_requeue_t **rows, size_t count)
{
    (void)count;
    if (rows) {
        free(*rows);
        *rows = NULL;
    }
}

int store_worker_seen(store_db_t *db, const char *worker, const char *name, int slots,
                      const char *drivers_pg, const char *accel, const char *labels_json,
                      const char *version)
{
    char s[16];
    snprintf(s, sizeof s, "%d", slots);
    const char *params[] = { worker, name, s, drivers_pg, accel, labels_json, version };
    return store_db_exec(db, NULL, "SELECT airlock_worker_seen($1, $2, $3::int, $4::text[], $5, "
                         "$6::jsonb, $7)", 7, params);
}

int store_worker_state(store_db_t *db, const char *worker, al_worker_state_t state)
{
    const char *params[] = { worker, al_worker_state_name(state) };
    return store_db_exec(db, NULL, "UPDATE workers SET state = $2, last_seen = now() WHERE id = $1",
                         2, params);
}

int store_event_put(store_db_t *db, const char *task_id, int attempt, uint64_t seq,
                    const char *kind, uint64_t ts_us, const char *data_json,
                    const char *worker, int *is_new)
{
    char a[16], s[24], t[24];
    snprintf(a, sizeof a, "%d", attempt);
    snprintf(s, sizeof s, "%llu", (unsigned long long)seq);
    snprintf(t, sizeof t, "%llu", (unsigned long long)ts_us);
    const char *params[] = { task_id, a, s, kind, t, data_json, worker };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT airlock_store_event($1, $2::int, $3::bigint, $4, "
                           "$5::bigint, $6::jsonb, $7)", 7, params);
    if (rc != AL_OK)
        return rc;
    *is_new = PQntuples(res) == 1 && queue_bool(res, 0, 0);
    PQclear(res);
    return AL_OK;
}

int store_result_put(store_db_t *db, const char *task_id, int attempt, al_verdict_t verdict,
                     const char *reason, const char *summary_json, const char *worker,
                     store_result_outcome_t *outcome)
{
    memset(outcome, 0, sizeof *outcome);
    char a[16];
    snprintf(a, sizeof a, "%d", attempt);
    const char *params[] = { task_id, a, al_verdict_name(verdict), reason, summary_json, worker };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT job_id, authoritative, duplicate FROM "
                           "airlock_store_result($1, $2::int, $3, $4, $5::jsonb, $6)", 6, params);
    if (rc != AL_OK)
        return rc;
    if (PQntuples(res) == 1) {
        outcome->found = 1;
        queue_copy(outcome->job_id, STORE_ID_MAX, res, 0, 0);
        outcome->authoritative = queue_bool(res, 0, 1);
        outcome->duplicate = queue_bool(res, 0, 2);
    }
    PQclear(res);
    return AL_OK;
}

int store_job_cancel(store_db_t *db, const char *job_id, const char *client,
                     store_cancel_outcome_t *outcome)
{
    memset(outcome, 0, sizeof *outcome);
    const char *params[] = { job_id, client };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT job_state, task_id, attempt, worker_id FROM "
                           "airlock_cancel($1, $2)", 2, params);
    if (rc != AL_OK)
        return rc;
    if (PQntuples(res) == 1) {
        outcome->found = 1;
        queue_copy(outcome->job_state, sizeof outcome->job_state, res, 0, 0);
        queue_copy(outcome->task_id, STORE_ID_MAX, res, 0, 1);
        outcome->attempt = queue_int(res, 0, 2);
        queue_copy(outcome->worker, STORE_ID_MAX, res, 0, 3);
    }
    PQclear(res);
    return AL_OK;
}
