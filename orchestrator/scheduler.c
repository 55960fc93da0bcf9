/*
 * scheduler.c: hands queued attempts to workers with free slots.
 *
 * Runs are coalesced: any number of scheduler_request() calls in one loop
 * turn cause one run, at the end of the turn that handled socket messages
 * (scheduler_flush), or from a 1 ms one-shot timer when the request came from
 * elsewhere (the heartbeat tick, the HTTP API). A run walks the connected
 * workers round-robin and claims, per worker, as many attempts as it has free
 * slots (one SQL round trip per worker, FOR UPDATE SKIP LOCKED, matching the
 * job's driver, its policy.min_isolation against the isolation each of the
 * worker's drivers gives (its HELLO's accel, sql/0030) and the worker labels),
 * then sends one ASSIGN per attempt. A job no connected worker can take stays
 * queued, never runs weaker; `airlock status` shows why (airlock_job_waiting_reason).
 * An ASSIGN that cannot be delivered is requeued at once.
 *
 * A claim costs a transaction even when it finds nothing, and freed slots
 * (every RESULT) are the common reason to run: so a worker whose last claim
 * came back short is not asked again until work may have been queued since.
 * Whatever may queue work (a SUBMIT, a requeue, a lost worker, HELLO, the
 * heartbeat tick that also expires leases) calls scheduler_request, which
 * bumps an epoch; freed slots call scheduler_capacity, which does not.
 */
#include "orchestrator/airlockd.h"
#include "orchestrator/store/queue.h"
#include "common/error.h"
#include "common/log.h"

#include <string.h>

static int s_on_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    airlockd_t *d = arg;
    d->dispatch_timer = -1;
    scheduler_run(d);
    return 0;
}

static void s_arm(airlockd_t *d)
{
    if (d->dispatch_timer < 0 && d->loop)
        d->dispatch_timer = zloop_timer(d->loop, 1, 1, s_on_timer, d);
}

void scheduler_request(airlockd_t *d)
{
    d->sched_epoch++;
    s_arm(d);
}

void scheduler_capacity(airlockd_t *d)
{
    s_arm(d);
}

void scheduler_flush(airlockd_t *d)
{
    if (d->dispatch_timer < 0 || !d->loop)
        return;
    zloop_timer_end(d->loop, d->dispatch_timer);
    d->dispatch_timer = -1;
    scheduler_run(d);
}

static int s_assign(airlockd_t *d, worker_entry_t *w, const store_claim_t *c)
{
    proto_msg_t *m = proto_msg_new(PROTO_W_ASSIGN);
    if (!m)
        return AL_ENOMEM;
    proto_w_assign_t *a = &m->body.w_assign;
    int rc = proto_str_set(&a->task_id, c->task_id);
    if (rc == AL_OK)
        rc = proto_str_set(&a->job_id, c->job_id);
    if (rc == AL_OK)
        rc = proto_str_set(&a->job, c->spec_json);
    a->attempt = (uint64_t)c->attempt;
    a->lease_ms = (uint64_t)d->set.lease_ms;
    if (rc == AL_OK)
        rc = wire_send(d->workers_sock, w->routing, m);
    proto_msg_destroy(&m);
    return rc;
}

/* Claims and assigns for one worker; returns the number assigned. */
static size_t s_fill(airlockd_t *d, worker_entry_t *w)
{
    unsigned cap = registry_capacity(w);
    uint64_t epoch = d->sched_epoch;
    if (cap == 0 || w->drained_at == epoch + 1)
        return 0;   /* full, or nothing queued since its last claim came back short */
    store_claim_t *claims = NULL;
    size_t n = 0;
    int rc = store_tasks_claim(d->db, w->key, w->drivers_pg, w->labels_json, (int)cap,
                               d->set.lease_ms, &claims, &n);
    if (airlockd_db_check(d, rc, "claim") != AL_OK)
        return 0;
    if (n < cap)
        w->drained_at = epoch + 1;
    for (size_t i = 0; i < n; i++) {
        if (s_assign(d, w, &claims[i]) == AL_OK) {
            registry_task_add(w, claims[i].task_id, claims[i].attempt);
            al_debug("task.assigned", "task=%s attempt=%d job=%s worker=%s", claims[i].task_id,
                     claims[i].attempt, claims[i].job_id, w->name);
            continue;
        }
        char outcome[16] = "";
        d->sched_epoch++;   /* requeued below: every worker may claim it */
        al_warn("task.assign_failed", "task=%s attempt=%d worker=%s error=\"%.200s\"",
                claims[i].task_id, claims[i].attempt, w->name, al_err_msg());
        airlockd_db_check(d, store_attempt_requeue(d->db, claims[i].task_id, claims[i].attempt,
                                                   "ASSIGN could not be delivered", outcome),
                          "requeue");
    }
    store_claims_free(&claims, n);
    return n;
}

void scheduler_run(airlockd_t *d)
{
    if (d->db_down && store_db_ensure(d->db, 0) != AL_OK)
        return;
    zlist_t *keys = registry_keys(d->registry);
    size_t count = keys ? zlist_size(keys) : 0;
    if (count == 0) {
        zlist_destroy(&keys);
        return;
    }
    /* Rotate the starting worker so that no worker is always served first. */
    const char **order = calloc(count, sizeof *order);
    size_t i = 0;
    for (const char *k = zlist_first(keys); k && order; k = zlist_next(keys))
        order[i++] = k;
    for (size_t j = 0; order && j < count; j++) {
        worker_entry_t *w = registry_get(d->registry, order[(d->rr_offset + j) % count]);
        if (w)
            s_fill(d, w);
    }
    d->rr_offset++;
    free(order);
    zlist_destroy(&keys);
}

void scheduler_send_cancel(airlockd_t *d, const char *worker_key, const char *task_id,
                           int attempt, const char *reason)
{
    worker_entry_t *w = registry_get(d->registry, worker_key);
    if (!w)
        return;
    proto_msg_t *m = proto_msg_new(PROTO_W_CANCEL);
    if (!m)
        return;
    proto_str_set(&m->body.w_cancel.task_id, task_id);
    proto_str_set(&m->body.w_cancel.reason, reason);
    m->body.w_cancel.attempt = (uint64_t)attempt;
    if (wire_send(d->workers_sock, w->routing, m) != AL_OK)
        al_warn("task.cancel_failed", "task=%s worker=%s", task_id, w->name);
    else
        al_info("task.cancel_sent", "task=%s attempt=%d worker=%s reason=\"%s\"", task_id, attempt,
                w->name, reason);
    proto_msg_destroy(&m);
}
