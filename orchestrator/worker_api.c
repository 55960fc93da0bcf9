/*
 * worker_api.c: messages from workers. Only peers whose certificate says
 * role=worker get here; their CURVE public key is their identity. Messages a
 * worker must not send (ASSIGN, ACK, ...) are dropped and logged.
 */
#include "orchestrator/airlockd.h"
#include "orchestrator/redact.h"
#include "orchestrator/worker_caps.h"
#include "orchestrator/convert.h"
#include "orchestrator/store/queue.h"
#include "common/base64.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/log.h"
#include "common/states.h"

#include <stdlib.h>
#include <string.h>


static void s_send(airlockd_t *d, zframe_t *routing, proto_msg_t *msg)
{
    if (wire_send(d->workers_sock, routing, msg) != AL_OK)
        al_warn("worker.send_failed", "type=%s error=%s", proto_type_name(msg->type), al_err_msg());
}

static void s_ack(airlockd_t *d, zframe_t *routing, const char *task_id, uint64_t attempt,
                  uint64_t seq)
{
    proto_msg_t *ack = proto_msg_new(PROTO_W_ACK);
    if (!ack)
        return;
    proto_str_set(&ack->body.w_ack.task_id, task_id);
    ack->body.w_ack.attempt = attempt;
    ack->body.w_ack.seq = seq;
    s_send(d, routing, ack);
    proto_msg_destroy(&ack);
}

static int s_list_has(const proto_strlist_t *list, const char *s)
{
    for (size_t i = 0; i < list->count; i++) {
        if (strcmp(list->items[i], s) == 0)
            return 1;
    }
    return 0;
}

/* After a (re)connect: keep what both sides agree on, requeue what the worker
 * lost, tell it to drop what is no longer its own. Fails (nothing decided)
 * when the database cannot say what the worker holds. */
static int s_reconcile(airlockd_t *d, worker_entry_t *w, const proto_strlist_t *in_flight)
{
    store_requeue_t *live = NULL;
    size_t n = 0;
    int rc = airlockd_db_check(d, store_worker_live_tasks(d->db, w->key, &live, &n), "live_tasks");
    if (rc != AL_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (s_list_has(in_flight, live[i].task_id))
            registry_task_add(w, live[i].task_id, live[i].attempt);
    }
    store_requeues_free(&live, n);
    char *keep = convert_list_to_pg(in_flight);
    store_requeue_t *lost = NULL;
    if (keep && airlockd_db_check(d, store_worker_release(d->db, w->key, keep,
                                                          "worker reconnected without the task",
                                                          &lost, &n), "release") == AL_OK) {
        for (size_t i = 0; i < n; i++)
            al_info("task.lost", "task=%s attempt=%d outcome=%s worker=%s", lost[i].task_id,
                    lost[i].attempt, lost[i].outcome, w->name);
        store_requeues_free(&lost, n);
    }
    free(keep);
    for (size_t i = 0; i < in_flight->count; i++) {
        if (!registry_task_attempt(w, in_flight->items[i]))
            scheduler_send_cancel(d, w->key, in_flight->items[i], 0, "not assigned to this worker");
    }
    return AL_OK;
}

static void s_hello(airlockd_t *d, wire_peer_t *peer, const proto_w_hello_t *h)
{
    worker_caps_t caps;   /* the claim bounded by the certificate (worker_caps.h) */
    if (worker_caps_pin(peer, h, &caps) != AL_OK) {
        al_warn("worker.refused", "worker=%s name=%.64s reason=\"%s\"", peer->key,
                h->worker_name ? h->worker_name : "", al_err_msg());
        worker_caps_fini(&caps);
        registry_remove(d->registry, peer->key);
        return;
    }
    worker_entry_t *w = registry_put(d->registry, peer->key, peer->routing);
    if (!w) {
        worker_caps_fini(&caps);
        return;
    }
    snprintf(w->name, sizeof w->name, "%s", h->worker_name ? h->worker_name : "");
    snprintf(w->accel, sizeof w->accel, "%s", h->accel ? h->accel : "");
    w->slots = caps.slots > 4096 ? 4096 : (unsigned)caps.slots;
    w->reported_free = w->slots;
    w->last_seen_ms = airlockd_now_ms();
    w->drivers_pg = convert_list_to_pg(&caps.drivers);
    w->labels_json = convert_map_to_json(&caps.labels);
    worker_caps_fini(&caps);
    if (!w->drivers_pg || !w->labels_json) {
        registry_remove(d->registry, peer->key);
        return;
    }
    int rc = store_worker_seen(d->db, w->key, w->name, (int)w->slots, w->drivers_pg, w->accel,
                               w->labels_json, h->version ? h->version : "");
    if (airlockd_db_check(d, rc, "worker_seen") == AL_OK)
        rc = s_reconcile(d, w, &h->in_flight);
    if (rc != AL_OK) {
        /* Without the database nothing says which of its tasks are still its own:
         * no WELCOME, so the worker says HELLO again after liveness silent beats
         * (its heartbeats meanwhile would have its running tasks CANCELled as
         * "not assigned to this worker"; the chaos test found it). */
        al_warn("worker.hello_deferred", "worker=%s reason=\"database unavailable\"", w->name);
        registry_remove(d->registry, peer->key);
        return;
    }
    al_info("worker.hello", "worker=%s slots=%u accel=%s in_flight=%zu", w->name, w->slots,
            w->accel, h->in_flight.count);
    proto_msg_t *welcome = proto_msg_new(PROTO_W_WELCOME);
    if (welcome) {
        welcome->body.w_welcome.heartbeat_ms = (uint64_t)d->set.heartbeat_ms;
        welcome->body.w_welcome.liveness = (uint64_t)d->set.liveness;
        proto_str_set(&welcome->body.w_welcome.server_id, d->set.server_id);
        s_send(d, w->routing, welcome);
        proto_msg_destroy(&welcome);
    }
    scheduler_request(d);
}

static void s_heartbeat(airlockd_t *d, worker_entry_t *w, const proto_w_heartbeat_t *hb)
{
    w->last_seen_ms = airlockd_now_ms();
    w->reported_free = hb->free_slots > w->slots ? w->slots : (unsigned)hb->free_slots;
    char *tasks = convert_list_to_pg(&hb->in_flight);
    int renewed = 0;
    if (tasks)
        airlockd_db_check(d, store_tasks_renew(d->db, w->key, tasks, d->set.lease_ms, &renewed),
                          "renew");
    free(tasks);
    for (size_t i = 0; i < hb->in_flight.count; i++) {
        if (!registry_task_attempt(w, hb->in_flight.items[i]))
            scheduler_send_cancel(d, w->key, hb->in_flight.items[i], 0, "not assigned to this worker");
    }
    if (registry_capacity(w) > 0)
        scheduler_capacity(d);
}

/* An EVENT's data as JSON (blob base64-encoded into it); NULL when it cannot
 * be stored (then it is ACKed anyway so the worker does not resend it forever). */
static char *s_event_json(airlockd_t *d, wire_peer_t *peer, const proto_w_event_t *ev)
{
    char *b64 = (ev->has_blob && ev->blob.len) ? al_b64_encode(ev->blob.data, ev->blob.len) : NULL;
    const char *extra[] = { "blob_b64", b64, NULL };
    char *data = convert_map_to_json_with(&ev->data, b64 ? extra : NULL);
    free(b64);
    redact_json_inplace(&data);   /* outputs, commands, argv, artifacts: no secret is stored */
    if (!data) {
        al_warn("worker.bad_event", "task=%s seq=%llu error=%s", ev->task_id,
                (unsigned long long)ev->seq, al_err_msg());
        s_ack(d, peer->routing, ev->task_id, ev->attempt, ev->seq);
    }
    return data;
}

static void s_event_stored(airlockd_t *d, wire_peer_t *peer, const proto_w_event_t *ev, int is_new)
{
    s_ack(d, peer->routing, ev->task_id, ev->attempt, ev->seq);
    if (is_new)
        waiters_pump(d, ev->task_id);
}

static void s_event(airlockd_t *d, wire_peer_t *peer, const proto_w_event_t *ev)
{
    char *data = s_event_json(d, peer, ev);
    if (!data)
        return;
    int is_new = 0;
    int rc = store_event_put(d->db, ev->task_id, (int)ev->attempt, ev->seq, ev->kind, ev->ts_us,
                             data, peer->key, &is_new);
    free(data);
    if (airlockd_db_check(d, rc, "event") != AL_OK)
        return;  /* not ACKed: the worker sends it again */
    s_event_stored(d, peer, ev, is_new);
}

/* A RESULT ready for the store: verdict checked, summary as JSON. */
typedef struct {
    al_verdict_t verdict;
    char reason[600];
    char *json;
} result_in_t;

static void s_result_prepare(const proto_w_result_t *r, result_in_t *in)
{
    int v = al_verdict_find(r->verdict);
    snprintf(in->reason, sizeof in->reason, "%s", r->reason ? r->reason : "");
    if (v < 0) {
        snprintf(in->reason, sizeof in->reason, "worker sent an unknown verdict '%.32s'", r->verdict);
        v = AL_VERDICT_SANDBOX_ERROR;
    }
    in->verdict = (al_verdict_t)v;
    char code[32];
    snprintf(code, sizeof code, "%lld", (long long)r->exit_code);
    const char *extra[] = { "exit_code", code, NULL };
    in->json = convert_map_to_json_with(&r->summary, r->has_exit_code ? extra : NULL);
    redact_json_inplace(&in->json);
    char *reason = NULL;
    if (redact_text(in->reason, strlen(in->reason), &reason) == AL_OK && reason)
        snprintf(in->reason, sizeof in->reason, "%s", reason);
    free(reason);
}

/* After the RESULT is stored: ACK, forget the attempt, log, wake waiters. */
static void s_result_stored(airlockd_t *d, wire_peer_t *peer, const proto_w_result_t *r,
                            al_verdict_t verdict, const store_result_outcome_t *out)
{
    worker_entry_t *w = registry_get(d->registry, peer->key);
    s_ack(d, peer->routing, r->task_id, r->attempt, r->seq);
    if (w && registry_task_attempt(w, r->task_id) == (int)r->attempt)
        registry_task_remove(w, r->task_id);
    if (!out->found)   /* unknown, or not this worker's attempt: refused (sql/0072), ACKed anyway */
        al_warn("task.result_refused", "task=%s attempt=%llu verdict=%s worker=%s reason=\"not an attempt "
                "this worker holds\"", r->task_id, (unsigned long long)r->attempt, al_verdict_name(verdict),
                w ? w->name : peer->key);
    else
        al_info("task.result", "task=%s attempt=%llu verdict=%s authoritative=%d duplicate=%d worker=%s",
                r->task_id, (unsigned long long)r->attempt, al_verdict_name(verdict), out->authoritative,
                out->duplicate, w ? w->name : peer->key);
    if (out->authoritative)
        waiters_pump(d, r->task_id);
}

static void s_result(airlockd_t *d, wire_peer_t *peer, const proto_w_result_t *r)
{
    result_in_t in;
    s_result_prepare(r, &in);
    store_result_outcome_t out;
    int rc = store_result_put(d->db, r->task_id, (int)r->attempt, in.verdict, in.reason,
                              in.json ? in.json : "{}", peer->key, &out);
    free(in.json);
    if (airlockd_db_check(d, rc, "result") != AL_OK)
        return;
    s_result_stored(d, peer, r, in.verdict, &out);
    scheduler_capacity(d);
}

/* Checks the sender and follows a reconnect; NULL-entry ok. 0 = refused. */
static int s_admit(airlockd_t *d, wire_peer_t *peer, const proto_msg_t *msg, worker_entry_t **w)
{
    if (!peer->key[0] || strcmp(peer->role, CURVE_ROLE_WORKER) != 0) {
        al_warn("worker.refused", "type=%s role=%s reason=\"certificate is not a worker's\"",
                proto_type_name(msg->type), peer->role[0] ? peer->role : "none");
        return 0;
    }
    *w = registry_get(d->registry, peer->key);
    if (*w)   /* any message proves it alive, also one queued behind a backlog */
        (*w)->last_seen_ms = airlockd_now_ms();
    if (*w && peer->routing && !zframe_eq((*w)->routing, peer->routing) &&
        msg->type != PROTO_W_HELLO) {
        zframe_destroy(&(*w)->routing);   /* reconnected under a new routing id */
        (*w)->routing = zframe_dup(peer->routing);
    }
    return 1;
}

void worker_api_handle(airlockd_t *d, wire_peer_t *peer, proto_msg_t *msg)
{
    worker_entry_t *w = NULL;
    if (msg->type == PROTO_W_ENV_GET && peer->key[0] && !strcmp(peer->role, CURVE_ROLE_WORKER)) {
        /* a separate connection of the worker's: it must not become the routing of
         * the worker's tasks, so the registry is left alone */
        env_api_worker_get(d, peer, &msg->body.w_env_get);
        return;
    }
    if (!s_admit(d, peer, msg, &w))
        return;
    switch (msg->type) {
    case PROTO_W_HELLO:
        s_hello(d, peer, &msg->body.w_hello);
        break;
    case PROTO_W_HEARTBEAT:
        if (w)
            s_heartbeat(d, w, &msg->body.w_heartbeat);
        /* else: unknown since a restart; silence makes the worker say HELLO again */
        break;
    case PROTO_W_EVENT:
        s_event(d, peer, &msg->body.w_event);
        break;
    case PROTO_W_RESULT:
        s_result(d, peer, &msg->body.w_result);
        break;
    case PROTO_W_BYE:
        al_info("worker.bye", "worker=%s reason=\"%.200s\"", w ? w->name : peer->key,
                msg->body.w_bye.reason ? msg->body.w_bye.reason : "");
        if (w)
            liveness_worker_lost(d, peer->key, AL_WORKER_GONE, "worker left (BYE)");
        break;
    default:
        al_warn("worker.unexpected", "type=%s worker=%s", proto_type_name(msg->type),
                w ? w->name : peer->key);
        break;
    }
}

/* An EVENT or RESULT of a batch, admitted already (worker_api_handle_batch). */
static void s_store_one(airlockd_t *d, wire_peer_t *peer, proto_msg_t *msg)
{
    if (msg->type == PROTO_W_EVENT)
        s_event(d, peer, &msg->body.w_event);
    else
        s_result(d, peer, &msg->body.w_result);
}

/* EVENTs of one run in one transaction; ACKs only after it committed. On a
 * server error (a bad element) each is stored on its own, as without batching. */
static void s_event_batch(airlockd_t *d, wire_peer_t **peers, proto_msg_t **msgs, size_t n)
{
    store_event_item_t *items = calloc(n, sizeof *items);
    char **data = calloc(n, sizeof *data);
    size_t k = 0;
    for (size_t i = 0; items && data && i < n; i++) {
        const proto_w_event_t *ev = &msgs[i]->body.w_event;
        data[k] = s_event_json(d, peers[i], ev);
        if (!data[k])
            continue;   /* ACKed unstored, as s_event does */
        items[k] = (store_event_item_t){ .task_id = ev->task_id, .attempt = (int)ev->attempt,
                                         .seq = ev->seq, .kind = ev->kind, .ts_us = ev->ts_us,
                                         .data_json = data[k], .worker = peers[i]->key };
        peers[k] = peers[i];
        msgs[k++] = msgs[i];
    }
    int rc = !(items && data) ? al_err_set(AL_ENOMEM, "out of memory")
             : k ? store_events_put_batch(d->db, items, k) : AL_OK;
    if (airlockd_db_check(d, rc, "event_batch") == AL_OK) {
        for (size_t i = 0; i < k; i++)
            s_event_stored(d, peers[i], &msgs[i]->body.w_event, items[i].is_new);
    } else if (rc == AL_EDB) {   /* rolled back by the server: store one by one */
        for (size_t i = 0; i < k; i++)
            s_event(d, peers[i], &msgs[i]->body.w_event);
    }   /* otherwise nothing is ACKed: the workers resend (stored idempotently) */
    for (size_t i = 0; data && i < k; i++)
        free(data[i]);
    free(data);
    free(items);
}

static void s_result_batch(airlockd_t *d, wire_peer_t **peers, proto_msg_t **msgs, size_t n)
{
    store_result_item_t *items = calloc(n, sizeof *items);
    result_in_t *in = calloc(n, sizeof *in);
    for (size_t i = 0; items && in && i < n; i++) {
        s_result_prepare(&msgs[i]->body.w_result, &in[i]);
        const proto_w_result_t *r = &msgs[i]->body.w_result;
        items[i] = (store_result_item_t){ .task_id = r->task_id, .attempt = (int)r->attempt,
                                          .verdict = in[i].verdict, .reason = in[i].reason,
                                          .summary_json = in[i].json ? in[i].json : "{}",
                                          .worker = peers[i]->key };
    }
    int rc = (items && in) ? store_results_put_batch(d->db, items, n)
                           : al_err_set(AL_ENOMEM, "out of memory");
    if (airlockd_db_check(d, rc, "result_batch") == AL_OK) {
        for (size_t i = 0; i < n; i++)
            s_result_stored(d, peers[i], &msgs[i]->body.w_result, in[i].verdict, &items[i].out);
        scheduler_capacity(d);
    } else if (rc == AL_EDB) {   /* rolled back by the server: store one by one */
        for (size_t i = 0; i < n; i++)
            s_result(d, peers[i], &msgs[i]->body.w_result);
    }   /* otherwise nothing is ACKed: the workers resend (stored idempotently) */
    for (size_t i = 0; in && i < n; i++)
        free(in[i].json);
    free(in);
    free(items);
}

/* A run of EVENT/RESULT messages: EVENTs first (a worker sends a task's
 * events before its result), then RESULTs, each kind in one transaction. */
static void s_flush(airlockd_t *d, wire_peer_t **peers, proto_msg_t **msgs, size_t n)
{
    wire_peer_t **p = calloc(n, sizeof *p);
    proto_msg_t **m = calloc(n, sizeof *m);
    if (!p || !m) {
        for (size_t i = 0; i < n; i++)
            s_store_one(d, peers[i], msgs[i]);
        free(p);
        free(m);
        return;
    }
    for (int pass = 0; pass < 2; pass++) {
        proto_type_t type = pass == 0 ? PROTO_W_EVENT : PROTO_W_RESULT;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (msgs[i]->type == type) {
                p[k] = peers[i];
                m[k++] = msgs[i];
            }
        }
        if (k == 1)
            s_store_one(d, p[0], m[0]);
        else if (k > 1 && type == PROTO_W_EVENT)
            s_event_batch(d, p, m, k);
        else if (k > 1)
            s_result_batch(d, p, m, k);
    }
    free(p);
    free(m);
}

void worker_api_handle_batch(airlockd_t *d, wire_peer_t *peers, proto_msg_t **msgs, size_t n)
{
    wire_peer_t **run_p = calloc(n ? n : 1, sizeof *run_p);
    proto_msg_t **run_m = calloc(n ? n : 1, sizeof *run_m);
    size_t k = 0;
    for (size_t i = 0; i <= n; i++) {
        int batchable = i < n && run_p && run_m &&
                        (msgs[i]->type == PROTO_W_EVENT || msgs[i]->type == PROTO_W_RESULT);
        worker_entry_t *w = NULL;
        if (batchable && !s_admit(d, &peers[i], msgs[i], &w))
            continue;   /* refused and logged */
        if (batchable) {
            run_p[k] = &peers[i];
            run_m[k++] = msgs[i];
            continue;
        }
        if (k > 0)   /* keep the order: the run is stored before what follows it */
            s_flush(d, run_p, run_m, k);
        k = 0;
        if (i < n)
            worker_api_handle(d, &peers[i], msgs[i]);
    }
    free(run_p);
    free(run_m);
}
