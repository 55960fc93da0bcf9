/*
 * queue_read.c: what clients read: jobs, their events, workers.
 */
#include "orchestrator/store/queue.h"
#include "orchestrator/store/queue_util.h"
#include "common/error.h"
#include "common/states.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOB_COLUMNS \
    "SELECT j.id, j.state, COALESCE(j.verdict, ''), COALESCE(j.reason, ''), j.attempt, " \
    "COALESCE(j.authoritative_attempt, 0), (extract(epoch FROM j.created_at) * 1e6)::bigint, " \
    "COALESCE((extract(epoch FROM j.finished_at) * 1e6)::bigint, 0), j.labels::text, " \
    "COALESCE(w.name, ''), COALESCE(r.summary::text, '{}'), j.task_id, " \
    "COALESCE(airlock_job_waiting_reason(j.id), ''), COALESCE(j.tenant, '') " \
    "FROM jobs j " \
    "LEFT JOIN tasks t ON t.id = j.task_id AND t.attempt = j.attempt " \
    "LEFT JOIN workers w ON w.id = t.worker_id " \
    "LEFT JOIN results r ON r.job_id = j.id AND r.authoritative "

static int s_job_rows(PGresult *res, store_job_row_t **out, size_t *count)
{
    int rows = PQntuples(res);
    store_job_row_t *r = rows ? calloc((size_t)rows, sizeof *r) : NULL;
    if (rows && !r) {
        PQclear(res);
        return al_err_set(AL_ENOMEM, "jobs: out of memory");
    }
    for (int i = 0; i < rows; i++) {
        queue_copy(r[i].job_id, sizeof r[i].job_id, res, i, 0);
        queue_copy(r[i].state, sizeof r[i].state, res, i, 1);
        queue_copy(r[i].verdict, sizeof r[i].verdict, res, i, 2);
        queue_copy(r[i].reason, sizeof r[i].reason, res, i, 3);
        r[i].attempt = queue_int(res, i, 4);
        r[i].authoritative_attempt = queue_int(res, i, 5);
        r[i].created_us = queue_u64(res, i, 6);
        r[i].finished_us = queue_u64(res, i, 7);
        r[i].labels_json = queue_dup(res, i, 8);
        queue_copy(r[i].worker_name, sizeof r[i].worker_name, res, i, 9);
        r[i].summary_json = queue_dup(res, i, 10);
        queue_copy(r[i].task_id, sizeof r[i].task_id, res, i, 11);
        queue_copy(r[i].waiting_reason, sizeof r[i].waiting_reason, res, i, 12);
        queue_copy(r[i].tenant, sizeof r[i].tenant, res, i, 13);
    }
    PQclear(res);
    *out = r;
    *count = (size_t)rows;
    return AL_OK;
}

int store_job_get(store_db_t *db, const char *job_id, store_job_row_t **out)
{
    *out = NULL;
    const char *params[] = { job_id };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, JOB_COLUMNS "WHERE j.id = $1", 1, params);
    if (rc != AL_OK)
        return rc;
    size_t n = 0;
    rc = s_job_rows(res, out, &n);
    if (rc == AL_OK && n == 0)
        return al_err_set(AL_ENOTFOUND, "no job %s", job_id);
    return rc;
}

int store_jobs_list(store_db_t *db, const char *state, const char *tenant, int limit, store_job_row_t **out,
                    size_t *count)
{
    *out = NULL;
    *count = 0;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[] = { state, lim, tenant };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, JOB_COLUMNS "WHERE ($1::text IS NULL OR j.state = $1) "
                           "AND ($3::text IS NULL OR j.tenant = $3) "
                           "ORDER BY j.created_at DESC, j.id LIMIT $2::int", 3, params);
    return rc != AL_OK ? rc : s_job_rows(res, out, count);
}

int store_job_ended(const store_job_row_t *job)
{
    int state = al_job_state_find(job->state);
    return state == AL_JOB_FINISHED || state == AL_JOB_CANCELLED;
}

const char *store_job_verdict(const store_job_row_t *job)
{
    return job->verdict[0] ? job->verdict : al_verdict_name(AL_VERDICT_CANCELLED);
}

void store_job_rows_free(store_job_row_t **rows, size_t count)
{
    if (!rows || !*rows)
        return;
    for (size_t i = 0; i < count; i++) {
        free((*rows)[i].labels_json);
        free((*rows)[i].summary_json);
    }
    free(*rows);
    *rows = NULL;
}

int store_job_events(store_db_t *db, const char *job_id, uint64_t from_seq, int limit,
                     store_event_row_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    char from[24], lim[16];
    snprintf(from, sizeof from, "%llu", (unsigned long long)from_seq);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[] = { job_id, from, lim };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res,
                           "SELECT e.id, e.attempt, e.kind, (extract(epoch FROM e.ts) * 1e6)::bigint, "
                           "e.data::text FROM task_events e JOIN jobs j ON j.task_id = e.task_id "
                           "WHERE j.id = $1 AND e.id >= $2::bigint ORDER BY e.id LIMIT $3::int",
                           3, params);
    if (rc != AL_OK)
        return rc;
    int rows = PQntuples(res);
    store_event_row_t *r = rows ? calloc((size_t)rows, sizeof *r) : NULL;
    if (rows && !r) {
        PQclear(res);
        return al_err_set(AL_ENOMEM, "events: out of memory");
    }
    for (int i = 0; i < rows; i++) {
        r[i].seq = queue_u64(res, i, 0);
        r[i].attempt = queue_int(res, i, 1);
        queue_copy(r[i].kind, sizeof r[i].kind, res, i, 2);
        r[i].ts_us = queue_u64(res, i, 3);
        r[i].data_json = queue_dup(res, i, 4);
    }
    PQclear(res);
    *out = r;
    *count = (size_t)rows;
    return AL_OK;
}

void store_event_rows_free(store_event_row_t **rows, size_t count)
{
    if (!rows || !*rows)
        return;
    for (size_t i = 0; i < count; i++)
        free((*rows)[i].data_json);
    free(*rows);
    *rows = NULL;
}

int store_workers_list(store_db_t *db, store_worker_row_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res,
                           "SELECT w.id, w.name, w.state, w.slots, COALESCE(w.accel, ''), "
                           "w.drivers::text, w.labels::text, "
                           "(extract(epoch FROM w.last_seen) * 1e6)::bigint, "
                           "(SELECT count(*) FROM tasks t WHERE t.worker_id = w.id "
                           " AND t.state IN ('assigned', 'running')) "
                           "FROM workers w ORDER BY w.name, w.id", 0, NULL);
    if (rc != AL_OK)
        return rc;
    int rows = PQntuples(res);
    store_worker_row_t *r = rows ? calloc((size_t)rows, sizeof *r) : NULL;
    if (rows && !r) {
        PQclear(res);
        return al_err_set(AL_ENOMEM, "workers: out of memory");
    }
    for (int i = 0; i < rows; i++) {
        queue_copy(r[i].worker_id, sizeof r[i].worker_id, res, i, 0);
        queue_copy(r[i].name, sizeof r[i].name, res, i, 1);
        queue_copy(r[i].state, sizeof r[i].state, res, i, 2);
        r[i].slots = queue_int(res, i, 3);
        queue_copy(r[i].accel, sizeof r[i].accel, res, i, 4);
        r[i].drivers_pg = queue_dup(res, i, 5);
        r[i].labels_json = queue_dup(res, i, 6);
        r[i].last_seen_us = queue_u64(res, i, 7);
        r[i].running = queue_int(res, i, 8);
    }
    PQclear(res);
    *out = r;
    *count = (size_t)rows;
    return AL_OK;
}

void store_worker_rows_free(store_worker_row_t **rows, size_t count)
{
    if (!rows || !*rows)
        return;
    for (size_t i = 0; i < count; i++) {
        free((*rows)[i].drivers_pg);
        free((*rows)[i].labels_json);
    }
    free(*rows);
    *rows = NULL;
}
