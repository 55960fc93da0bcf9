/*
 * link.c: the worker's side of the worker channel (see link.h).
 */
#include "worker/link.h"
#include "worker/outbox.h"
#include "worker/task_msg.h"
#include "common/curve.h"
#include "common/endpoints.h"
#include "common/error.h"
#include "common/log.h"
#include "common/states.h"
#include "common/wire/wire.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const link_config_t *cfg;
    zsock_t *pipe;
    zsock_t *dealer;
    zsock_t *inbox;
    zpoller_t *poller;
    executor_t *ex;
    outbox_t *outbox;
    int heartbeat_ms, liveness;
    int welcomed;
    int64_t last_rx_ms, next_beat_ms, next_resend_ms;
    int draining;
    int64_t drain_deadline_ms;
    int stop;
    unsigned endpoint_idx;         /* which entry of cfg->endpoint (a list) we use */
    char endpoint[256];            /* the one we are connected to */
} link_t;

static int64_t s_now(void) { return zclock_mono(); }

static int s_send_raw(void *ctx, const void *data, size_t len)
{
    link_t *l = ctx;
    zframe_t *f = zframe_new(data, len);
    if (zframe_send(&f, l->dealer, ZFRAME_DONTWAIT) != 0) {
        zframe_destroy(&f);
        return -1;
    }
    return 0;
}

static void s_send(link_t *l, proto_msg_t *m)
{
    if (m && wire_send(l->dealer, NULL, m) != AL_OK)
        al_warn("link.send_failed", "type=%s error=\"%s\"", proto_type_name(m->type), al_err_msg());
}

/* The labels setting (k=v,k=v) into the HELLO's map; an entry without '=' is skipped. */
static int s_labels_into(const char *text, proto_strmap_t *map)
{
    char *copy = strdup(text ? text : "");
    int rc = copy ? AL_OK : AL_ENOMEM;
    for (char *save = NULL, *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && rc == AL_OK;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (eq) {
            *eq = '\0';
            rc = proto_strmap_put(map, tok, eq + 1);
        }
    }
    free(copy);
    return rc;
}

static void s_in_flight(link_t *l, proto_strlist_t *list)
{
    executor_running(l->ex, list);
    outbox_pending_results(l->outbox, list);
}

static void s_hello(link_t *l)
{
    const link_config_t *c = l->cfg;
    proto_msg_t *m = proto_msg_new(PROTO_W_HELLO);
    if (!m)
        return;
    proto_w_hello_t *h = &m->body.w_hello;
    proto_str_set(&h->worker_name, c->name);
    proto_str_set(&h->accel, c->accel);
    proto_str_set(&h->version, c->version);
    h->slots = c->slots;
    for (size_t i = 0; i < c->n_drivers; i++)
        proto_strlist_add(&h->drivers, c->drivers[i]);
    s_labels_into(c->labels, &h->labels);
    s_in_flight(l, &h->in_flight);
    s_send(l, m);
    al_info("link.hello", "endpoint=%s slots=%u in_flight=%zu", l->endpoint, c->slots,
            h->in_flight.count);
    proto_msg_destroy(&m);
}

/* Connects to the next endpoint of the list (the first one at start): an
 * airlockd that went silent may have handed over to a standby. */
static int s_connect(link_t *l)
{
    int rc = al_endpoints_pick(l->cfg->endpoint, l->endpoint_idx++, l->endpoint, sizeof l->endpoint);
    if (rc != AL_OK)
        return rc;
    if (l->dealer) {
        zpoller_remove(l->poller, l->dealer);
        zsock_destroy(&l->dealer);
    }
    l->dealer = zsock_new(ZMQ_DEALER);
    if (!l->dealer)
        return al_err_set(AL_EIO, "cannot create DEALER");
    zsock_set_linger(l->dealer, 0);
    zsock_set_sndhwm(l->dealer, 0);
    zsock_set_reconnect_ivl(l->dealer, 100);
    zsock_set_reconnect_ivl_max(l->dealer, 2000);
    rc = curve_client_apply(l->dealer, l->cfg->cert, l->cfg->server_key);
    if (rc == AL_OK && zsock_connect(l->dealer, "%s", l->endpoint) != 0)
        rc = al_err_set(AL_EIO, "cannot connect to %s", l->endpoint);
    if (rc != AL_OK)
        return rc;
    zpoller_add(l->poller, l->dealer);
    l->welcomed = 0;
    l->last_rx_ms = s_now();
    s_hello(l);
    return AL_OK;
}

static void s_heartbeat(link_t *l)
{
    proto_msg_t *m = proto_msg_new(PROTO_W_HEARTBEAT);
    if (!m)
        return;
    m->body.w_heartbeat.free_slots = l->draining ? 0 : executor_free_slots(l->ex);
    s_in_flight(l, &m->body.w_heartbeat.in_flight);
    s_send(l, m);
    proto_msg_destroy(&m);
}

/* An attempt that could not even start still gets a RESULT. */
static void s_refuse(link_t *l, const proto_w_assign_t *a, const char *reason)
{
    task_msg_result_t r = { .task_id = a->task_id, .attempt = a->attempt, .verdict = AL_VERDICT_SANDBOX_ERROR,
                            .reason = reason };
    proto_msg_t *m = NULL;
    char *buf = NULL;
    size_t len = 0;
    if (task_msg_result_new(&m, &r) == AL_OK) {
        m->body.w_result.seq = 1;
        if (proto_encode(m, &buf, &len) == AL_OK) {
            outbox_add(l->outbox, a->task_id, a->attempt, 1, 1, buf, len, s_now());
            s_send_raw(l, buf, len);
        }
    }
    free(buf);
    proto_msg_destroy(&m);
}

static void s_on_dealer(link_t *l)
{
    wire_peer_t peer;
    proto_msg_t *m = NULL;
    int rc = wire_recv(l->dealer, PROTO_CH_WORKER, 0, &peer, &m);
    wire_peer_clear(&peer);
    if (rc != AL_OK) {
        al_warn("link.bad_message", "error=\"%s\"", al_err_msg());
        return;
    }
    l->last_rx_ms = s_now();
    switch (m->type) {
    case PROTO_W_WELCOME:
        l->welcomed = 1;
        l->heartbeat_ms = m->body.w_welcome.heartbeat_ms ? (int)m->body.w_welcome.heartbeat_ms
                                                         : l->heartbeat_ms;
        l->liveness = m->body.w_welcome.liveness ? (int)m->body.w_welcome.liveness : l->liveness;
        al_info("link.welcome", "server=%s heartbeat_ms=%d liveness=%d pending=%zu",
                m->body.w_welcome.server_id, l->heartbeat_ms, l->liveness, outbox_size(l->outbox));
        outbox_resend(l->outbox, s_now(), 0, s_send_raw, l);
        break;
    case PROTO_W_HEARTBEAT:
        break;
    case PROTO_W_ASSIGN:
        rc = executor_start(l->ex, &m->body.w_assign);
        if (rc != AL_OK && rc != AL_EEXISTS)
            s_refuse(l, &m->body.w_assign, al_err_msg());
        break;
    case PROTO_W_CANCEL:
        executor_cancel(l->ex, m->body.w_cancel.task_id, (unsigned)m->body.w_cancel.attempt);
        break;
    case PROTO_W_ACK:
        outbox_ack(l->outbox, m->body.w_ack.task_id, m->body.w_ack.attempt, m->body.w_ack.seq);
        break;
    default:
        al_warn("link.unexpected", "type=%s", proto_type_name(m->type));
        break;
    }
    proto_msg_destroy(&m);
}

/* A message from a task: keep it until ACKed, send it now if connected. */
static void s_on_inbox(link_t *l)
{
    zframe_t *f = zframe_recv(l->inbox);
    if (!f)
        return;
    proto_msg_t *m = NULL;
    if (proto_decode(PROTO_CH_WORKER, zframe_data(f), zframe_size(f), &m) == AL_OK) {
        int is_result = m->type == PROTO_W_RESULT;
        const char *task = is_result ? m->body.w_result.task_id : m->body.w_event.task_id;
        uint64_t attempt = is_result ? m->body.w_result.attempt : m->body.w_event.attempt;
        uint64_t seq = is_result ? m->body.w_result.seq : m->body.w_event.seq;
        outbox_add(l->outbox, task, attempt, seq, is_result, zframe_data(f), zframe_size(f), s_now());
        if (l->welcomed)
            s_send_raw(l, zframe_data(f), zframe_size(f));
    }
    proto_msg_destroy(&m);
    zframe_destroy(&f);
}

static void s_on_pipe(link_t *l)
{
    char *cmd = zstr_recv(l->pipe);
    if (!cmd || strcmp(cmd, "$TERM") == 0) {
        l->stop = 1;
    } else if (strcmp(cmd, "DRAIN") == 0 && !l->draining) {
        l->draining = 1;
        l->drain_deadline_ms = s_now() + l->cfg->drain_timeout_ms;
        al_info("link.drain", "running=%u pending=%zu", executor_count(l->ex), outbox_size(l->outbox));
        s_heartbeat(l);   /* advertise 0 free slots at once */
    }
    zstr_free(&cmd);
}

static void s_timers(link_t *l)
{
    int64_t now = s_now();
    if (now - l->last_rx_ms > (int64_t)l->liveness * l->heartbeat_ms) {
        al_warn("link.server_silent", "endpoint=%s silent_ms=%lld action=reconnect", l->endpoint,
                (long long)(now - l->last_rx_ms));
        s_connect(l);
    }
    if (now >= l->next_beat_ms) {
        if (l->welcomed)
            s_heartbeat(l);
        l->next_beat_ms = now + l->heartbeat_ms;
    }
    if (now >= l->next_resend_ms) {
        if (l->welcomed)
            outbox_resend(l->outbox, now, 3LL * l->heartbeat_ms, s_send_raw, l);
        l->next_resend_ms = now + 2LL * l->heartbeat_ms;
    }
    /* Everything a finished task pushed is taken into the outbox before its
     * socket is closed by the reap. */
    while (zsock_events(l->inbox) & ZMQ_POLLIN)
        s_on_inbox(l);
    executor_reap(l->ex);
    if (l->draining && now > l->drain_deadline_ms && executor_count(l->ex) > 0) {
        al_warn("link.drain_timeout", "cancelling=%u", executor_count(l->ex));
        executor_cancel_all(l->ex);
    }
}

static void s_bye(link_t *l, const char *reason)
{
    proto_msg_t *m = proto_msg_new(PROTO_W_BYE);
    if (m && proto_str_set(&m->body.w_bye.reason, reason) == AL_OK)
        s_send(l, m);
    proto_msg_destroy(&m);
    zsock_set_linger(l->dealer, 1000);   /* the BYE leaves before the socket closes */
}

static int s_init(link_t *l, zsock_t *pipe, const link_config_t *cfg)
{
    static atomic_int counter;
    char endpoint[96];
    snprintf(endpoint, sizeof endpoint, "inproc://airlock-link-%d-%d", (int)getpid(),
             atomic_fetch_add(&counter, 1));
    l->cfg = cfg;
    l->pipe = pipe;
    l->heartbeat_ms = cfg->heartbeat_ms;
    l->liveness = cfg->liveness;
    l->inbox = zsock_new_pull(endpoint);  /* binds (the '@' default for PULL) */
    l->outbox = outbox_new();
    l->poller = zpoller_new(pipe, NULL);
    l->ex = executor_new(cfg->slots, cfg->run, cfg->run_ctx, endpoint, cfg->name, cfg->state_dir);
    if (!l->inbox || !l->outbox || !l->poller || !l->ex)
        return al_err_set(AL_ENOMEM, "link: cannot set up");
    zpoller_add(l->poller, l->inbox);
    return s_connect(l);
}

static void s_fini(link_t *l)
{
    executor_destroy(&l->ex);           /* joins task threads before their inbox goes */
    zpoller_destroy(&l->poller);
    zsock_destroy(&l->dealer);
    zsock_destroy(&l->inbox);
    outbox_destroy(&l->outbox);
}

void link_actor(zsock_t *pipe, void *args)
{
    link_t l;
    memset(&l, 0, sizeof l);
    if (s_init(&l, pipe, args) != AL_OK) {
        al_error("link.start_failed", "error=\"%s\"", al_err_msg());
        s_fini(&l);
        zsock_signal(pipe, 1);
        return;
    }
    zsock_signal(pipe, 0);
    while (!l.stop) {
        int64_t wait = l.next_beat_ms - s_now();
        void *which = zpoller_wait(l.poller, (int)(wait < 1 ? 1 : wait > 100 ? 100 : wait));
        if (which == pipe)
            s_on_pipe(&l);
        else if (which == l.inbox)
            s_on_inbox(&l);
        else if (which && which == l.dealer)
            s_on_dealer(&l);
        else if (zpoller_terminated(l.poller))
            break;
        s_timers(&l);
        if (l.draining && executor_count(l.ex) == 0 && outbox_size(l.outbox) == 0) {
            s_bye(&l, "draining: all tasks finished");
            zsock_signal(pipe, 0);
            break;
        }
    }
    s_fini(&l);
}
