/*
 * daemon.c: airlockd's life cycle. Order at start matters: the database first
 * (the truth: every migration applied, and a login role that cannot rewrite
 * the audit log), then zauth (must exist before any CURVE socket binds), then
 * the two ROUTER sockets, then the loop with the heartbeat timer. Audit
 * checkpoints are signed by airlock-signer, never here: airlockd holds no key
 * that could re-sign a history it rewrote.
 */
#include "orchestrator/airlockd.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/log.h"
#include "orchestrator/store/migrate.h"
#include "orchestrator/store/roles.h"
#include "orchestrator/tenancy/tenancy.h"

#include <stdlib.h>
#include <string.h>

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
        client_reply_error(d, peer->routing, 0, code, al_err_msg());
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
    if (n > 0)   /* what this batch freed or queued is assigned before the next turn */
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

/* The signing key moved out of airlockd (issue 12): say so instead of
 * ignoring a setting an operator relies on. */
static int s_refuse_audit_key(airlockd_t *d)
{
    if (!d->set.audit_key || !*d->set.audit_key)
        return AL_OK;
    return al_err_set(AL_ECONFIG, "audit_key: airlockd no longer signs audit checkpoints; give the key to "
                      "airlock-signer (its own process and database role) and remove audit_key from "
                      "airlockd's settings (docs/OPERATIONS.md \"Audit chain\")");
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
    rc = store_migrate_check(d->db, d->set.sql_dir);
    if (rc == AL_OK)
        rc = store_db_privileges_check(d->db, "airlockd");
    char events[24], bytes[24];
    snprintf(events, sizeof events, "%lld", d->set.max_events_per_task);
    snprintf(bytes, sizeof bytes, "%lld", d->set.max_event_mb_per_task * 1024 * 1024);
    const char *caps[] = { events, bytes };
    PGresult *res = NULL;
    if (rc == AL_OK)   /* the event caps of sql/0075 */
        rc = store_db_exec(d->db, &res, "SELECT airlock_event_limits_set($1::bigint, $2::bigint)", 2, caps);
    PQclear(res);
    if (rc == AL_OK)   /* the schema is checked: the loop's statements are prepared once */
        store_db_prepare_cache(d->db, 1);
    return rc;
}

int airlockd_new(airlockd_t **out, const airlockd_settings_t *set)
{
    *out = NULL;
    airlockd_t *d = calloc(1, sizeof *d);
    if (!d)
        return al_err_set(AL_ENOMEM, "out of memory");
    d->set = *set;
    d->dispatch_timer = -1;
    int rc = s_refuse_audit_key(d);
    if (rc == AL_OK)
        rc = s_open_db(d);
    if (rc == AL_OK)
        rc = leader_acquire(d);   /* a standby waits here, bound to nothing */
    if (rc == AL_OK)
        rc = tenant_repos_new(&d->repos, set->tenant_repos);
    if (rc == AL_OK && !d->repos)
        al_warn("tenancy.no_repository_roots", "setting=tenant_repos reason=\"unset: a client may name any "
                "repository the workers can read\"");
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
    tenant_repos_destroy(&d->repos);
    store_db_destroy(&d->db);
    free(d);
    *dp = NULL;
}
