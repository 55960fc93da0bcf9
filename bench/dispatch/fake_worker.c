/*
 * fake_worker.c: an in-process worker for the dispatch benchmark. It speaks
 * the real worker protocol over CurveZMQ (DEALER, HELLO with many slots,
 * HEARTBEATs listing what it holds) and answers each ASSIGN at once with an
 * `accepted` RESULT, which it resends until ACKed (as airlock-worker does), so
 * what is measured is airlockd and PostgreSQL, not a task. Owns its thread,
 * its socket and the per-job records (time of ASSIGN and of the RESULT's ACK).
 */
#include "bench_dispatch.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/proto/proto.h"
#include "common/wire/wire.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RESEND_US 2000000

typedef struct {
    char task_id[64];
    uint64_t attempt;
    int64_t sent_us;
    size_t rec;          /* index into records */
} pending_t;

struct fake_worker {
    bench_env_t *env;
    int slots;
    zsock_t *sock;
    pthread_t thread;
    int running;
    atomic_int stop;
    atomic_long done;
    long acks, acks_unmatched, resends, assigns, rehellos;
    fake_record_t *records;
    size_t count, cap;
    zhashx_t *pending;   /* task id -> pending_t (owned) */
};

static void s_send(fake_worker_t *fw, proto_msg_t *m)
{
    if (m && wire_send(fw->sock, NULL, m) != AL_OK)
        fprintf(stderr, "fake worker: send %s failed: %s\n", proto_type_name(m->type), al_err_msg());
    proto_msg_destroy(&m);
}

static void s_hello(fake_worker_t *fw)
{
    proto_msg_t *m = proto_msg_new(PROTO_W_HELLO);
    if (!m)
        return;
    proto_w_hello_t *h = &m->body.w_hello;
    proto_str_set(&h->worker_name, "bench-fake");
    h->slots = (uint64_t)fw->slots;
    proto_strlist_add(&h->drivers, "host");
    proto_strlist_add(&h->drivers, "ns");
    proto_strlist_add(&h->drivers, "microvm");
    proto_str_set(&h->accel, "none");
    proto_str_set(&h->version, "bench");
    for (pending_t *p = zhashx_first(fw->pending); p; p = zhashx_next(fw->pending))
        proto_strlist_add(&h->in_flight, p->task_id);
    s_send(fw, m);
}

static void s_heartbeat(fake_worker_t *fw)
{
    proto_msg_t *m = proto_msg_new(PROTO_W_HEARTBEAT);
    if (!m)
        return;
    size_t held = zhashx_size(fw->pending);
    m->body.w_heartbeat.free_slots = held >= (size_t)fw->slots ? 0 : (uint64_t)fw->slots - held;
    for (pending_t *p = zhashx_first(fw->pending); p; p = zhashx_next(fw->pending))
        proto_strlist_add(&m->body.w_heartbeat.in_flight, p->task_id);
    s_send(fw, m);
}

static void s_result(fake_worker_t *fw, const pending_t *p)
{
    proto_msg_t *m = proto_msg_new(PROTO_W_RESULT);
    if (!m)
        return;
    proto_w_result_t *r = &m->body.w_result;
    proto_str_set(&r->task_id, p->task_id);
    r->attempt = p->attempt;
    r->seq = 1;
    proto_str_set(&r->verdict, "accepted");
    proto_str_set(&r->reason, "no-op");
    r->exit_code = 0;
    r->has_exit_code = true;
    s_send(fw, m);
}

static void s_assign(fake_worker_t *fw, const proto_w_assign_t *a)
{
    int64_t now = bench_now_us();
    fw->assigns++;
    if (fw->count == fw->cap) {
        size_t cap = fw->cap ? fw->cap * 2 : 4096;
        fake_record_t *r = realloc(fw->records, cap * sizeof *r);
        if (!r)
            return;   /* not answered: airlockd's lease requeues it */
        fw->records = r;
        fw->cap = cap;
    }
    fake_record_t *rec = &fw->records[fw->count];
    memset(rec, 0, sizeof *rec);
    snprintf(rec->job_id, sizeof rec->job_id, "%s", a->job_id);
    rec->assign_us = now;
    pending_t *p = calloc(1, sizeof *p);
    if (!p)
        return;
    snprintf(p->task_id, sizeof p->task_id, "%s", a->task_id);
    p->attempt = a->attempt;
    p->sent_us = now;
    p->rec = fw->count++;
    zhashx_update(fw->pending, p->task_id, p);
    s_result(fw, p);
}

static void s_ack(fake_worker_t *fw, const proto_w_ack_t *ack)
{
    pending_t *p = zhashx_lookup(fw->pending, ack->task_id);
    fw->acks++;
    if (!p || p->attempt != ack->attempt) {
        fw->acks_unmatched++;
        return;
    }
    fw->records[p->rec].ack_us = bench_now_us();
    zhashx_delete(fw->pending, ack->task_id);
    atomic_fetch_add(&fw->done, 1);
}

static void s_resend(fake_worker_t *fw, int64_t now)
{
    for (pending_t *p = zhashx_first(fw->pending); p; p = zhashx_next(fw->pending)) {
        if (now - p->sent_us > RESEND_US) {
            p->sent_us = now;
            fw->resends++;
            s_result(fw, p);
        }
    }
}

static void s_handle(fake_worker_t *fw, proto_msg_t *m)
{
    switch (m->type) {
    case PROTO_W_ASSIGN: s_assign(fw, &m->body.w_assign); break;
    case PROTO_W_ACK: s_ack(fw, &m->body.w_ack); break;
    default: break;   /* WELCOME, HEARTBEAT, CANCEL: nothing to do for a no-op */
    }
}

static void *s_main(void *arg)
{
    fake_worker_t *fw = arg;
    zpoller_t *poller = zpoller_new(fw->sock, NULL);
    s_hello(fw);
    int64_t next_beat = bench_now_us() + 500000, last_rx = bench_now_us();
    while (poller && !atomic_load(&fw->stop)) {
        zpoller_wait(poller, 20);
        for (int i = 0; i < 10000; i++) {   /* drain what is waiting, bounded */
            wire_peer_t peer;
            proto_msg_t *m = NULL;
            zmq_pollitem_t item = { zsock_resolve(fw->sock), 0, ZMQ_POLLIN, 0 };
            if (zmq_poll(&item, 1, 0) <= 0)
                break;
            if (wire_recv(fw->sock, PROTO_CH_WORKER, 0, &peer, &m) == AL_OK) {
                s_handle(fw, m);
                last_rx = bench_now_us();
            }
            proto_msg_destroy(&m);
            wire_peer_clear(&peer);
        }
        int64_t now = bench_now_us();
        if (now - last_rx > 3000000) {   /* forgotten (as airlock-worker: say HELLO again) */
            fw->rehellos++;
            s_hello(fw);
            last_rx = now;
        }
        if (now >= next_beat) {
            s_heartbeat(fw);
            s_resend(fw, now);
            next_beat = now + 500000;
        }
    }
    proto_msg_t *bye = proto_msg_new(PROTO_W_BYE);
    if (bye)
        proto_str_set(&bye->body.w_bye.reason, "bench phase over");
    s_send(fw, bye);
    zpoller_destroy(&poller);
    return NULL;
}

static void s_pending_free(void **item)
{
    free(*item);
    *item = NULL;
}

int fake_worker_start(fake_worker_t **out, bench_env_t *env, int slots)
{
    *out = NULL;
    fake_worker_t *fw = calloc(1, sizeof *fw);
    if (!fw)
        return AL_ENOMEM;
    fw->env = env;
    fw->slots = slots;
    fw->pending = zhashx_new();
    fw->sock = zsock_new(ZMQ_DEALER);
    int rc = (fw->pending && fw->sock) ? AL_OK : AL_ENOMEM;
    if (rc == AL_OK) {
        zhashx_set_destructor(fw->pending, s_pending_free);
        zsock_set_sndhwm(fw->sock, 0);
        zsock_set_rcvhwm(fw->sock, 0);
        zsock_set_linger(fw->sock, 200);
        rc = curve_client_apply(fw->sock, bench_env_fake_cert(env), bench_env_server_key(env));
    }
    if (rc == AL_OK && zsock_connect(fw->sock, "%s", bench_env_worker_endpoint(env)) != 0)
        rc = al_err_set(AL_EIO, "fake worker: connect");
    if (rc == AL_OK && pthread_create(&fw->thread, NULL, s_main, fw) != 0)
        rc = al_err_set(AL_EIO, "fake worker: thread");
    if (rc != AL_OK) {
        fake_worker_destroy(&fw);
        return rc;
    }
    fw->running = 1;
    *out = fw;
    return AL_OK;
}

long fake_worker_done(fake_worker_t *fw) { return atomic_load(&fw->done); }

void fake_worker_stop(fake_worker_t *fw)
{
    if (!fw || !fw->running)
        return;
    atomic_store(&fw->stop, 1);
    pthread_join(fw->thread, NULL);
    fw->running = 0;
    fprintf(stderr, "fake worker: assigns=%ld acks=%ld unmatched_acks=%ld resends=%ld hellos_again=%ld "
            "pending=%zu\n", fw->assigns, fw->acks, fw->acks_unmatched, fw->resends, fw->rehellos,
            zhashx_size(fw->pending));
}

const fake_record_t *fake_worker_records(fake_worker_t *fw, size_t *count)
{
    *count = fw->count;
    return fw->records;
}

void fake_worker_destroy(fake_worker_t **fwp)
{
    if (!fwp || !*fwp)
        return;
    fake_worker_t *fw = *fwp;
    fake_worker_stop(fw);
    zsock_destroy(&fw->sock);
    zhashx_destroy(&fw->pending);
    free(fw->records);
    free(fw);
    *fwp = NULL;
}
