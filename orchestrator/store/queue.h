/*
 * queue.h: the control plane's use of PostgreSQL: jobs, attempts, leases,
 * workers, events and results. Each call is one round trip to one SQL function
 * of sql/0010_control_plane.sql (one transaction), so a lost connection never
 * leaves a half-done step: the caller reconnects (store_db_ensure) and retries.
 *
 * JSON goes in and out as text (jsonb on the server); ids are text.
 * Ownership: arrays returned through `out` are owned by the caller and freed
 * with the matching *_free function; strings inside them belong to the array.
 * Errors: AL_EDB (server error, message from PostgreSQL), AL_EAGAIN (connection
 * lost), AL_EINVAL, AL_ENOMEM.
 */
#ifndef AIRLOCK_STORE_QUEUE_H
#define AIRLOCK_STORE_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "orchestrator/store/db.h"
#include "common/states.h"

#define STORE_ID_MAX 64

/* SUBMIT: a new job (first attempt queued) of `tenant` (sql/0073), or the
 * job holding idem_key. */
int store_job_submit(store_db_t *db, const char *idem_key, const char *spec_json,
                     const char *labels_json, int max_attempts, const char *client, const char *tenant,
                     char job_id[STORE_ID_MAX], int *existing);

typedef struct {
    char task_id[STORE_ID_MAX];
    int attempt;
    char job_id[STORE_ID_MAX];
    char *spec_json;
} store_claim_t;

/* Claims up to n queued tasks matching the worker's drivers and labels and
 * assigns them to it with a lease of lease_ms. drivers_pg is a PostgreSQL
 * array literal ("{microvm,ns}"), labels_json a JSON object. */
int store_tasks_claim(store_db_t *db, const char *worker, const char *drivers_pg,
                      const char *labels_json, int n, int lease_ms,
                      store_claim_t **out, size_t *count);
void store_claims_free(store_claim_t **claims, size_t count);

/* Renews the leases of the listed tasks (array literal) held by the worker. */
int store_tasks_renew(store_db_t *db, const char *worker, const char *tasks_pg, int lease_ms,
                      int *renewed);

typedef struct {
    char task_id[STORE_ID_MAX];
    int attempt;
    char job_id[STORE_ID_MAX];
    char outcome[16];    /* requeued | failed | cancelled | noop */
} store_requeue_t;

/* Ends one live attempt (e.g. its ASSIGN could not be delivered) and requeues
 * the task; *outcome as in store_requeue_t (may be NULL). */
int store_attempt_requeue(store_db_t *db, const char *task_id, int attempt, const char *reason,
                          char outcome[16]);

/* Requeues every attempt whose lease expired. */
int store_leases_expire(store_db_t *db, store_requeue_t **out, size_t *count);

/* Requeues the attempts the worker holds except those in keep_pg (array
 * literal, may be NULL = none), with `reason`. */
int store_worker_release(store_db_t *db, const char *worker, const char *keep_pg,
                         const char *reason, store_requeue_t **out, size_t *count);
void store_requeues_free(store_requeue_t **rows, size_t count);

/* HELLO: upserts the worker row (state connected). */
int store_worker_seen(store_db_t *db, const char *worker, const char *name, int slots,
                      const char *drivers_pg, const char *accel, const char *labels_json,
                      const char *version);

/* Sets workers.state. */
int store_worker_state(store_db_t *db, const char *worker, al_worker_state_t state);

/* EVENT: *is_new = 1 when stored now, 0 for a retransmission or unknown attempt. */
int store_event_put(store_db_t *db, const char *task_id, int attempt, uint64_t seq,
                    const char *kind, uint64_t ts_us, const char *data_json,
                    const char *worker, int *is_new);

typedef struct {
    int found;           /* 0: no such attempt */
    int authoritative;   /* this RESULT decided the job */
    int duplicate;       /* already stored before */
    char job_id[STORE_ID_MAX];
} store_result_outcome_t;

/* RESULT: stored always; authoritative only for the live attempt. */
int store_result_put(store_db_t *db, const char *task_id, int attempt, al_verdict_t verdict,
                     const char *reason, const char *summary_json, const char *worker,
                     store_result_outcome_t *outcome);

typedef struct {
    int found;
    char job_state[16];
    char task_id[STORE_ID_MAX];   /* "" unless a worker must be told */
    int attempt;
    char worker[STORE_ID_MAX];
} store_cancel_outcome_t;

/* Batches: n protocol steps in one round trip and one transaction (the SQL
 * functions of sql/0011_dispatch_batch.sql), same rows, audit rows and
 * answers as n single calls. All or nothing: on any error nothing of the batch
 * is stored (AL_EDB: a bad element, retry one by one; AL_EAGAIN: connection
 * lost). Inputs are lent; outputs are written into the items. */
typedef struct {
    const char *idem_key;        /* may be NULL */
    const char *spec_json;
    const char *labels_json;
    const char *client;
    const char *tenant;
    char job_id[STORE_ID_MAX];   /* out */
    int existing;                /* out */
} store_submit_item_t;

int store_jobs_submit_batch(store_db_t *db, store_submit_item_t *items, size_t n,
                            int max_attempts);

typedef struct {
    const char *task_id;
    int attempt;
    al_verdict_t verdict;
    const char *reason, *summary_json, *worker;
    store_result_outcome_t out;  /* out */
} store_result_item_t;

int store_results_put_batch(store_db_t *db, store_result_item_t *items, size_t n);

typedef struct {
    const char *task_id;
    int attempt;
    uint64_t seq;
    const char *kind;
    uint64_t ts_us;
    const char *data_json, *worker;
    int is_new;                  /* out */
} store_event_item_t;

int store_events_put_batch(store_db_t *db, store_event_item_t *items, size_t n);

int store_job_cancel(store_db_t *db, const char *job_id, const char *client,
                     store_cancel_outcome_t *outcome);

/* One job as clients see it. */
typedef struct {
    char job_id[STORE_ID_MAX];
    char task_id[STORE_ID_MAX];
    char state[16];
    char verdict[32];            /* "" until finished */
    char reason[512];
    int attempt;
    int authoritative_attempt;   /* 0 until finished */
    uint64_t created_us, finished_us;  /* finished_us 0 until finished */
    char *labels_json;
    char worker_name[160];       /* of the latest attempt, "" if none */
    char *summary_json;          /* authoritative result summary, "{}" if none */
    char tenant[257];            /* jobs.tenant, "" if none */
    char waiting_reason[512];    /* why a queued job cannot start anywhere, "" if it can (0030) */
} store_job_row_t;

int store_job_get(store_db_t *db, const char *job_id, store_job_row_t **out); /* AL_ENOTFOUND */
/* Newest first; state and tenant NULL = any. */
int store_jobs_list(store_db_t *db, const char *state, const char *tenant, int limit, store_job_row_t **out,
                    size_t *count);
void store_job_rows_free(store_job_row_t **rows, size_t count);
/* 1 when the job has ended: jobs.state finished or cancelled (common/states.h). */
int store_job_ended(const store_job_row_t *job);
/* The verdict clients see for an ended job: jobs.verdict, or `cancelled` for
 * a job cancelled before any verdict. */
const char *store_job_verdict(const store_job_row_t *job);

typedef struct {
    uint64_t seq;        /* task_events.id: increasing within a job */
    int attempt;
    char kind[64];
    uint64_t ts_us;
    char *data_json;
} store_event_row_t;

/* Events of a job with seq >= from_seq, oldest first, at most limit. */
int store_job_events(store_db_t *db, const char *job_id, uint64_t from_seq, int limit,
                     store_event_row_t **out, size_t *count);
void store_event_rows_free(store_event_row_t **rows, size_t count);

typedef struct {
    char worker_id[STORE_ID_MAX];
    char name[160];
    char state[16];
    int slots;
    char accel[32];
    char *drivers_pg;    /* array literal */
    char *labels_json;
    uint64_t last_seen_us;
    int running;         /* attempts assigned or running */
} store_worker_row_t;

int store_workers_list(store_db_t *db, store_worker_row_t **out, size_t *count);
void store_worker_rows_free(store_worker_row_t **rows, size_t count);

/* Attempts assigned to a worker that are still live (for reconnect checks). */
int store_worker_live_tasks(store_db_t *db, const char *worker, store_requeue_t **out,
                            size_t *count);

#endif
