/*
 * liveness.c: the heartbeat tick. Sends HEARTBEAT to every connected worker,
 * declares dead those silent for liveness x heartbeat_ms (their attempts are
 * requeued), requeues attempts whose lease expired (also those of workers that
 * never came back after an airlockd restart), and retries a lost database.
 */
#include "orchestrator/airlockd.h"
#include "orchestrator/redact.h"
#include "orchestrator/store/queue.h"
#include "common/error.h"
#include "common/log.h"

#include <string.h>

static void s_forget_tasks(airlockd_t *d, const store_requeue_t *rows, size_t n)
{
    zlist_t *keys = registry_keys(d->registry);
    for (size_t i = 0; i < n; i++) {
        al_info("task.requeue", "task=%s attempt=%d job=%s outcome=%s", rows[i].task_id,
                rows[i].attempt, rows[i].job_id, rows[i].outcome);
        for (const char *k = keys ? zlist_first(keys) : NULL; k; k = zlist_next(keys)) {
            worker_entry_t *w = registry_get(d->registry, k);
            if (w && registry_task_attempt(w, rows[i].task_id) == rows[i].attempt) {
                registry_task_remove(w, rows[i].task_id);
                scheduler_send_cancel(d, w->key, rows[i].task_id, rows[i].attempt, "lease expired");
            }
        }
        waiters_pump(d, rows[i].task_id);
    }
    zlist_destroy(&keys);
}

void liveness_worker_lost(airlockd_t *d, const char *key, al_worker_state_t state, const char *reason)
{
    char k[48];
    snprintf(k, sizeof k, "%s", key);   /* key may point into the entry we remove */
    registry_remove(d->registry, k);
    airlockd_db_check(d, store_worker_state(d->db, k, state), "worker_state");
    store_requeue_t *rows = NULL;
    size_t n = 0;
    if (airlockd_db_check(d, store_worker_release(d->db, k, NULL, reason, &rows, &n), "release") == AL_OK) {
        s_forget_tasks(d, rows, n);
        store_requeues_free(&rows, n);
    }
    scheduler_request(d);
}

static void s_beat_or_bury(airlockd_t *d, int64_t now)
{
    int64_t limit = (int64_t)d->set.liveness * d->set.heartbeat_ms;
    /* Unread worker messages: airlockd is behind and cannot tell silence from
     * its own backlog, so nobody is buried this tick (leases still expire). */
    int behind = (zsock_events(d->workers_sock) & ZMQ_POLLIN) != 0;
    zlist_t *keys = registry_keys(d->registry);
    for (const char *k = keys ? zlist_first(keys) : NULL; k; k = zlist_next(keys)) {
        worker_entry_t *w = registry_get(d->registry, k);
        if (!w)
            continue;
        if (now - w->last_seen_ms > limit && !behind) {
            char reason[128];
            snprintf(reason, sizeof reason, "worker dead: silent for %lld ms",
                     (long long)(now - w->last_seen_ms));
            al_warn("worker.dead", "worker=%s silent_ms=%lld", w->name, (long long)(now - w->last_seen_ms));
            liveness_worker_lost(d, k, AL_WORKER_DEAD, reason);
            continue;
        }
        proto_msg_t *hb = proto_msg_new(PROTO_W_HEARTBEAT);
        if (hb && wire_send(d->workers_sock, w->routing, hb) != AL_OK)
            al_debug("worker.heartbeat_failed", "worker=%s", w->name);
        proto_msg_destroy(&hb);
    }
    zlist_destroy(&keys);
}

int liveness_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    airlockd_t *d = arg;
    if (d->leadership_lost)
        return -1;   /* another airlockd is active (leader.c): stop the loop */
    if (d->db_down && store_db_ensure(d->db, 0) == AL_OK) {
        d->db_down = 0;
        al_info("db.up", "reconnects=%u", store_db_reconnects(d->db));
    }
    s_beat_or_bury(d, airlockd_now_ms());
    store_requeue_t *rows = NULL;
    size_t n = 0;
    if (airlockd_db_check(d, store_leases_expire(d->db, &rows, &n), "expire") == AL_OK) {
        s_forget_tasks(d, rows, n);
        store_requeues_free(&rows, n);
    }
    int masked = 0;   /* ended jobs' specs: secrets masked (redact.h) */
    if (!d->db_down && airlockd_db_check(d, redact_sweep(d, 20, &masked), "redact_sweep") == AL_OK && masked)
        al_debug("redact.sweep", "jobs=%d", masked);
    waiters_pump(d, "");
    scheduler_request(d);
    return 0;
}
