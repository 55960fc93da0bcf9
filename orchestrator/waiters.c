/*
 * waiters.c: WAIT streams. A stream sends a job's stored events in order from
 * the requested sequence number, then its RESULT once the job has ended, and
 * is then closed. Streams are pumped when an event of their task is stored,
 * when a result arrives, and on every heartbeat tick (so nothing waits on a
 * missed notification). A client that went away (unroutable) is dropped.
 * Every pump is also told to one listener (waiters_listen: the HTTP API's
 * bridge), so that waiters.c calls nothing above it (issue 16).
 */
#include "orchestrator/airlockd.h"
#include "orchestrator/convert.h"
#include "orchestrator/store/queue.h"
#include "common/error.h"
#include "common/log.h"

#include <stdlib.h>
#include <string.h>

#define PUMP_BATCH 256

typedef struct {
    zframe_t *routing;
    uint64_t req_id;
    char job_id[STORE_ID_MAX];
    char task_id[STORE_ID_MAX];
    uint64_t next_seq;
} waiter_t;

struct waiters {
    zlistx_t *list;    /* of waiter_t */
    size_t max;
    waiters_listener_fn *listener;   /* told of every pump, NULL = none */
    void *listener_arg;
};

static void s_waiter_free(void **item)
{
    waiter_t *w = *item;
    if (w) {
        zframe_destroy(&w->routing);
        free(w);
        *item = NULL;
    }
}

waiters_t *waiters_new(size_t max)
{
    waiters_t *ws = calloc(1, sizeof *ws);
    if (!ws || !(ws->list = zlistx_new())) {
        free(ws);
        return NULL;
    }
    zlistx_set_destructor(ws->list, s_waiter_free);
    ws->max = max;
    return ws;
}

void waiters_destroy(waiters_t **ws)
{
    if (!ws || !*ws)
        return;
    zlistx_destroy(&(*ws)->list);
    free(*ws);
    *ws = NULL;
}

void waiters_listen(waiters_t *ws, waiters_listener_fn *fn, void *arg)
{
    ws->listener = fn;
    ws->listener_arg = fn ? arg : NULL;
}

static int s_send_event(airlockd_t *d, waiter_t *w, const store_event_row_t *row)
{
    proto_msg_t *m = proto_msg_new(PROTO_C_EVENT);
    if (!m)
        return AL_ENOMEM;
    proto_c_event_t *e = &m->body.c_event;
    e->req_id = w->req_id;
    e->seq = row->seq;
    e->ts_us = row->ts_us;
    char attempt[16];
    snprintf(attempt, sizeof attempt, "%d", row->attempt);
    int rc = proto_str_set(&e->job_id, w->job_id);
    if (rc == AL_OK)
        rc = proto_str_set(&e->kind, row->kind);
    if (rc == AL_OK)
        rc = convert_json_to_map(row->data_json, &e->data);
    if (rc == AL_OK)
        rc = proto_strmap_put(&e->data, "attempt", attempt);
    if (rc == AL_OK)
        rc = wire_send(d->clients_sock, w->routing, m);
    proto_msg_destroy(&m);
    return rc;
}

static int s_send_result(airlockd_t *d, waiter_t *w, const store_job_row_t *job)
{
    proto_msg_t *m = proto_msg_new(PROTO_C_RESULT);
    if (!m)
        return AL_ENOMEM;
    proto_c_result_t *r = &m->body.c_result;
    r->req_id = w->req_id;
    r->attempt = (uint64_t)(job->authoritative_attempt ? job->authoritative_attempt : job->attempt);
    int rc = proto_str_set(&r->job_id, w->job_id);
    if (rc == AL_OK)
        rc = proto_str_set(&r->verdict, store_job_verdict(job));
    if (rc == AL_OK)
        rc = proto_str_set(&r->reason, job->reason);
    if (rc == AL_OK)
        rc = convert_json_to_map(job->summary_json, &r->summary);
    if (rc == AL_OK)
        rc = wire_send(d->clients_sock, w->routing, m);
    proto_msg_destroy(&m);
    return rc;
}

/* 1 when the stream is finished (result sent, client gone or job gone). */
static int s_pump_one(airlockd_t *d, waiter_t *w)
{
    for (;;) {
        store_event_row_t *rows = NULL;
        size_t n = 0;
        if (airlockd_db_check(d, store_job_events(d->db, w->job_id, w->next_seq, PUMP_BATCH, &rows, &n),
                              "events") != AL_OK)
            return 0;
        int rc = AL_OK;
        for (size_t i = 0; i < n && rc == AL_OK; i++) {
            rc = s_send_event(d, w, &rows[i]);
            if (rc == AL_OK)
                w->next_seq = rows[i].seq + 1;
        }
        store_event_rows_free(&rows, n);
        if (rc != AL_OK)
            return 1;   /* client gone */
        if (n < PUMP_BATCH)
            break;
    }
    store_job_row_t *job = NULL;
    int rc = store_job_get(d->db, w->job_id, &job);
    if (rc == AL_ENOTFOUND)
        return 1;
    if (airlockd_db_check(d, rc, "job_get") != AL_OK)
        return 0;
    int done = store_job_ended(job);
    if (done)
        s_send_result(d, w, job);
    store_job_rows_free(&job, 1);
    return done;
}

/* A client asking again for the same job (its stream was silent and it
 * resumed) replaces its earlier stream instead of adding one. */
static void s_drop_same(waiters_t *ws, zframe_t *routing, const char *job_id)
{
    void *handle = zlistx_first(ws->list) ? zlistx_cursor(ws->list) : NULL;
    while (handle) {
        waiter_t *w = zlistx_handle_item(handle);
        void *next = zlistx_next(ws->list) ? zlistx_cursor(ws->list) : NULL;
        if (strcmp(w->job_id, job_id) == 0 && zframe_eq(w->routing, routing))
            zlistx_delete(ws->list, handle);
        handle = next;
    }
}

int waiters_add(airlockd_t *d, zframe_t *routing, uint64_t req_id, const char *job_id,
                const char *task_id, uint64_t from_seq)
{
    s_drop_same(d->waiters, routing, job_id);
    if (zlistx_size(d->waiters->list) >= d->waiters->max)
        return al_err_set(AL_ELIMIT, "too many WAIT streams (max_waiters = %zu)", d->waiters->max);
    waiter_t *w = calloc(1, sizeof *w);
    if (!w)
        return al_err_set(AL_ENOMEM, "out of memory");
    w->routing = zframe_dup(routing);
    w->req_id = req_id;
    snprintf(w->job_id, sizeof w->job_id, "%s", job_id);
    snprintf(w->task_id, sizeof w->task_id, "%s", task_id);
    w->next_seq = from_seq;
    if (s_pump_one(d, w)) {
        s_waiter_free((void **)&w);
        return AL_OK;
    }
    zlistx_add_end(d->waiters->list, w);
    return AL_OK;
}

void waiters_pump(airlockd_t *d, const char *task_id)
{
    if (d->waiters->listener)   /* e.g. the HTTP event streams of this task */
        d->waiters->listener(d->waiters->listener_arg, task_id);
    void *handle = zlistx_first(d->waiters->list) ? zlistx_cursor(d->waiters->list) : NULL;
    while (handle) {
        waiter_t *w = zlistx_handle_item(handle);
        void *next = zlistx_next(d->waiters->list) ? zlistx_cursor(d->waiters->list) : NULL;
        if ((!task_id[0] || strcmp(task_id, w->task_id) == 0) && s_pump_one(d, w))
            zlistx_delete(d->waiters->list, handle);
        handle = next;
    }
}
