/*
 * daemon.c: airlockd's life cycle. Order at start matters: database and
 * migrations first (the truth), then zauth (must exist before any CURVE socket
 * binds), then the two ROUTER sockets, then the loop with the heartbeat timer.
 */
#include "orchestrator/airlockd.h"
#include "orchestrator/api/api.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/log.h"
#include "orchestrator/store/audit_checkpoint.h"
#include "orchestrator/store/migrate.h"

#include <openssl/pem.h>

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

int64_t airlockd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int airlockd_db_check(airlockd_t *d, int rc, const char *what)
{
    if (rc == AL_OK) {
        if (d->db_down)
            al_info("db.up", "what=%s reconnects=%u", what, store_db_reconnects(d->db));
        d->db_down = 0;
        return rc;
    }
    char msg[300];
    al_error("db.error", "what=%s code=%s msg=%s", what, al_err_name(rc),
             al_log_quote(msg, sizeof msg, al_err_msg()));
    if (rc == AL_EAGAIN) {
        d->db_down = 1;
        store_db_ensure(d->db, 0);
    }
    return rc;
}

/* Receives what is waiting on sock, at most AIRLOCKD_BATCH messages; bad
 * ones are reported through on_bad and dropped. Returns the count kept. */
static size_t s_recv_batch(airlockd_t *d, zsock_t *sock, proto_channel_t ch, wire_peer_t *peers,
                           proto_msg_t **msgs, void (*on_bad)(airlockd_t *, wire_peer_t *, int))
{
    size_t n = 0;
    for (int i = 0; i < AIRLOCKD_BATCH; i++) {
        if (i > 0 && !(zsock_events(sock) & ZMQ_POLLIN))
            break;
        wire_peer_t peer;
        proto_msg_t *msg = NULL;
        int rc = wire_recv(sock, ch, 1, &peer, &msg);
        if (rc == AL_OK) {
            peers[n] = peer;
            msgs[n++] = msg;
            continue;
        }
        on_bad(d, &peer, rc);
        proto_msg_destroy(&msg);
        wire_peer_clear(&peer);
    }
    return n;
}

static void s_bad_worker_msg(airlockd_t *d, wire_peer_t *peer, int rc)
{
    (void)d;
    (void)rc;
    char m[300], id[40];
    al_warn("worker.bad_message", "peer=%s error=%s",
            wire_routing_hex(peer->routing, id, sizeof id), al_log_quote(m, sizeof m, al_err_msg()));
}

static void s_bad_client_msg(airlockd_t *d, wire_peer_t *peer, int rc)
{
    char m[300];
    al_warn("client.bad_message", "error=%s", al_log_quote(m, sizeof m, al_err_msg()));
    if (peer->routing) {
        const char *code = proto_last_error() != PROTO_ERR_NONE ? proto_err_name(proto_last_error())
                                                                : al_err_name(rc);
        client_api_error(d, peer->routing, 0, code, al_err_msg());
    }
}

static int s_on_socket(airlockd_t *d, zsock_t *sock, int workers)
{
    wire_peer_t peers[AIRLOCKD_BATCH];
    proto_msg_t *msgs[AIRLOCKD_BATCH];
    size_t n = s_recv_batch(d, sock, workers ? PROTO_CH_WORKER : PROTO_CH_CLIENT, peers, msgs,
                            workers ? s_bad_worker_msg : s_bad_client_msg);
    if (workers)
        worker_api_handle_batch(d, peers, msgs, n);
    else
        client_api_handle_batch(d, peers, msgs, n);
    for (size_t i = 0; i < n; i++) {
        proto_msg_destroy(&msgs[i]);
        wire_peer_clear(&peers[i]);
    }
    if (n > 1)   /* what this batch freed or queued is assigned before the next one */
        scheduler_flush(d);
    return 0;
}

static int s_on_workers(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    return s_on_socket(arg, sock, 1);
}

static int s_on_clients(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    return s_on_socket(arg, sock, 0);
}

/* Signs the audit chain head, so that history up to here cannot be rewritten
 * (even by a database superuser recomputing hashes) without detection. */
static int s_on_checkpoint(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    airlockd_t *d = arg;
    int64_t id = 0;
    if (!d->db_down &&
        airlockd_db_check(d, store_audit_checkpoint(d->db, d->audit_key, &id), "audit_checkpoint") == AL_OK)
        al_debug("audit.checkpoint", "id=%lld", (long long)id);
    return 0;
}

static int s_load_audit_key(airlockd_t *d)
{
    if (!d->set.audit_key || !*d->set.audit_key)
        return AL_OK;
    FILE *f = fopen(d->set.audit_key, "r");
    if (!f)
        return al_err_set_errno(AL_ECONFIG, "audit_key %s", d->set.audit_key);
    d->audit_key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return d->audit_key ? AL_OK
                        : al_err_set(AL_ECONFIG, "audit_key %s is not a PEM private key", d->set.audit_key);
}

static int s_router(zsock_t **out, const char *endpoint, zcert_t *cert, const char *what)
{
    zsock_t *sock = zsock_new(ZMQ_ROUTER);
    if (!sock)
        return al_err_set(AL_EIO, "cannot create %s socket", what);
    zsock_set_router_mandatory(sock, 1);
    zsock_set_router_handover(sock, 1);
    zsock_set_sndhwm(sock, 100000);
    zsock_set_rcvhwm(sock, 100000);
    zsock_set_linger(sock, 0);
    zsock_set_maxmsgsize(sock, 8 << 20);
    int rc = curve_server_apply(sock, cert);
    if (rc == AL_OK && zsock_bind(sock, "%s", endpoint) < 0)
        rc = al_err_set_errno(AL_EIO, "cannot bind %s endpoint %s", what, endpoint);
    if (rc != AL_OK) {
        zsock_destroy(&sock);
        return rc;
    }
    *out = sock;
    return AL_OK;
}

static int s_open_db(airlockd_t *d)
{
    int rc = store_db_connect(&d->db, d->set.db);
    for (int i = 0; rc != AL_OK && i < 50; i++) {
        al_warn("db.connect_retry", "attempt=%d", i + 1);
        zclock_sleep(200);
        rc = store_db_connect(&d->db, d->set.db);
    }
    if (rc != AL_OK)
        return rc;
    rc = store_migrate(d->db, d->set.sql_dir);
    if (rc != AL_OK)
        return al_err_wrap(rc, "migrations from %s", d->set.sql_dir);
    return AL_OK;
}

int airlockd_new(airlockd_t **out, const airlockd_settings_t *set)
{
    *out = NULL;
    airlockd_t *d = calloc(1, sizeof *d);
    if (!d)
        return al_err_set(AL_ENOMEM, "out of memory");
    d->set = *set;
    d->dispatch_timer = -1;
    int rc = s_open_db(d);
    if (rc == AL_OK)
        rc = s_load_audit_key(d);
    if (rc == AL_OK)
        rc = curve_cert_load(set->server_cert, &d->cert);
    if (rc == AL_OK)
        rc = curve_auth_start(set->certs_dir, &d->auth);  /* before any bind */
    if (rc == AL_OK)
        rc = s_router(&d->workers_sock, set->worker_endpoint, d->cert, "worker");
    if (rc == AL_OK)
        rc = s_router(&d->clients_sock, set->client_endpoint, d->cert, "client");
    if (rc == AL_OK) {
        d->registry = registry_new();
        d->waiters = waiters_new((size_t)set->max_waiters);
        d->loop = zloop_new();
        d->env_uploads = env_uploads_new();
        if (!d->registry || !d->waiters || !d->loop || !d->env_uploads)
            rc = al_err_set(AL_ENOMEM, "out of memory");
    }
    if (rc == AL_OK)
        rc = api_bridge_start(d);   /* HTTP API, when api_endpoint is set */
    if (rc != AL_OK) {
        airlockd_destroy(&d);
        return rc;
    }
    *out = d;
    return AL_OK;
}

int airlockd_run(airlockd_t *d)
{
    zloop_reader(d->loop, d->workers_sock, s_on_workers, d);
    zloop_reader(d->loop, d->clients_sock, s_on_clients, d);
    zloop_reader_set_tolerant(d->loop, d->workers_sock);
    zloop_reader_set_tolerant(d->loop, d->clients_sock);
    zloop_timer(d->loop, (size_t)d->set.heartbeat_ms, 0, liveness_tick, d);
    if (d->audit_key) {
        s_on_checkpoint(d->loop, -1, d);
        zloop_timer(d->loop, (size_t)d->set.audit_checkpoint_s * 1000, 0, s_on_checkpoint, d);
    }
    al_info("airlockd.started", "server=%s workers=%s clients=%s heartbeat_ms=%d liveness=%d lease_ms=%d",
            d->set.server_id, d->set.worker_endpoint, d->set.client_endpoint, d->set.heartbeat_ms,
            d->set.liveness, d->set.lease_ms);
    /* Leases that expired while no airlockd ran are requeued at once; live ones
     * wait for their workers to say HELLO again. */
    liveness_tick(d->loop, -1, d);
    scheduler_request(d);
    zloop_start(d->loop);
    al_info("airlockd.stopping", "server=%s", d->set.server_id);
    return AL_OK;
}

void airlockd_destroy(airlockd_t **dp)
{
    if (!dp || !*dp)
        return;
    airlockd_t *d = *dp;
    api_bridge_stop(d);
    zloop_destroy(&d->loop);
    waiters_destroy(&d->waiters);
    env_uploads_destroy(&d->env_uploads);
    registry_destroy(&d->registry);
    zsock_destroy(&d->clients_sock);
    zsock_destroy(&d->workers_sock);
    curve_auth_stop(&d->auth);
    zcert_destroy(&d->cert);
    EVP_PKEY_free(d->audit_key);
    store_db_destroy(&d->db);
    free(d);
    *dp = NULL;
}
