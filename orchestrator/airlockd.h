/*
 * airlockd.h: the orchestrator daemon, shared by its .c files (internal).
 *
 * One thread runs a czmq zloop over two CURVE ROUTER sockets (workers and
 * clients) and a heartbeat timer; PostgreSQL is the truth and memory holds
 * only what can be rebuilt from it (connected workers, WAIT streams).
 *
 *   daemon.c       life cycle, sockets, timers, database reconnects
 *   leader.c       one active airlockd per database (advisory lock), standbys
 *   dbcheck.c      leaf helpers: store return codes, the monotonic clock
 *   worker_api.c   HELLO, HEARTBEAT, EVENT, RESULT, BYE from workers
 *   client_api.c   SUBMIT, STATUS, WAIT, CANCEL, LIST, WORKERS from clients
 *   client_reply.c leaf: answers and ERRORs on the client channel
 *   scheduler.c    claims queued attempts and sends ASSIGN
 *   liveness.c     heartbeats out, dead workers, expired leases
 *   waiters.c      WAIT streams
 *   api_bridge.c   the HTTP API (orchestrator/api): starts it, does what it
 *                  asks on this thread, forwards new events to it
 *   convert.c      JSON <-> protocol maps, rows -> protocol structs
 *   env_api.c      environments: uploads from clients, chunks to workers
 *   tenancy/       tenants, access, repository roots (a leaf, also used by
 *                  the API)
 */
#ifndef AIRLOCK_ORCH_AIRLOCKD_H
#define AIRLOCK_ORCH_AIRLOCKD_H

#include <czmq.h>

#include "common/proto/proto.h"
#include "common/states.h"
#include "common/wire/wire.h"
#include "orchestrator/registry.h"
#include "orchestrator/settings.h"
#include "orchestrator/store/db.h"

typedef struct waiters waiters_t;
typedef struct tenant_repos tenant_repos_t;
typedef struct env_uploads env_uploads_t;

typedef struct airlockd {
    airlockd_settings_t set;
    store_db_t *db;
    zcert_t *cert;
    zactor_t *auth;
    zsock_t *workers_sock;
    zsock_t *clients_sock;
    zloop_t *loop;
    registry_t *registry;
    waiters_t *waiters;
    env_uploads_t *env_uploads; /* environment uploads in progress (env_api.c) */
    int dispatch_timer;      /* pending one-shot scheduler run, -1 when none */
    size_t rr_offset;        /* round-robin start among workers */
    uint64_t sched_epoch;    /* bumped whenever work may have been queued (scheduler.c) */
    int db_down;             /* last database call failed with AL_EAGAIN */
    zactor_t *api;           /* HTTP API (orchestrator/api), NULL when off */
    tenant_repos_t *repos;   /* repository roots per tenant (tenancy/tenancy.h), NULL = no rules */
    int leadership_lost;     /* another airlockd took over while our session was lost */
} airlockd_t;

/* daemon.c */
int airlockd_new(airlockd_t **out, const airlockd_settings_t *set);
int airlockd_run(airlockd_t *d);             /* until SIGINT/SIGTERM */
void airlockd_destroy(airlockd_t **d);
/* dbcheck.c (leaf helpers, below everything else here).
 * Checks a store return code: on AL_EAGAIN marks the database down and tries
 * one reconnect. Returns rc unchanged. */
int airlockd_db_check(airlockd_t *d, int rc, const char *what);
int64_t airlockd_now_ms(void);

/* leader.c: stands by until this airlockd holds the leader lock (then
 * installs the hook that retakes it on every reconnect); AL_ECANCELLED when
 * stopped by a signal meanwhile. */
int leader_acquire(airlockd_t *d);
/* Exit status of an airlockd that stopped because another became active. */
#define AIRLOCKD_EXIT_SUPERSEDED 75

/* worker_api.c / client_api.c: handle one received message (owned by caller). */
void worker_api_handle(airlockd_t *d, wire_peer_t *peer, proto_msg_t *msg);
void client_api_handle(airlockd_t *d, wire_peer_t *peer, proto_msg_t *msg);
/* Up to AIRLOCKD_BATCH messages received in one loop turn, handled in order;
 * runs of EVENT/RESULT (workers) or SUBMIT (clients) share one database
 * transaction each, and are acknowledged only after it committed. */
#define AIRLOCKD_BATCH 256
void worker_api_handle_batch(airlockd_t *d, wire_peer_t *peers, proto_msg_t **msgs, size_t n);
void client_api_handle_batch(airlockd_t *d, wire_peer_t *peers, proto_msg_t **msgs, size_t n);

/* client_reply.c (leaf, below client_api.c and env_api.c): sends m to a
 * client and frees it (a client gone away is logged at debug); ERROR with a
 * stable code and a message, carrying the request's req_id (0 = none). */
void client_reply_send(airlockd_t *d, zframe_t *routing, proto_msg_t *m);
void client_reply_error(airlockd_t *d, zframe_t *routing, uint64_t req_id, const char *code,
                        const char *message);

/* env_api.c: ENV_BEGIN/CHUNK/COMMIT/LIST from clients, ENV_GET from workers. */
env_uploads_t *env_uploads_new(void);
void env_uploads_destroy(env_uploads_t **p);
void env_api_client(airlockd_t *d, wire_peer_t *peer, proto_msg_t *msg);
void env_api_worker_get(airlockd_t *d, wire_peer_t *peer, const proto_w_env_get_t *get);

/* api_bridge.c: starts the HTTP API (orchestrator/api) when api_endpoint is
 * set, 0 or an AL_E* code (bind failed, bad token file, ...); registers the
 * actor's pipe with the loop and listens to the WAIT streams for it. */
int api_bridge_start(airlockd_t *d);
void api_bridge_stop(airlockd_t *d);

/* scheduler.c */
void scheduler_request(airlockd_t *d);       /* coalesced: runs soon, once */
/* Like scheduler_request after a worker's slots were freed: claims only for
 * workers for whom work may have been queued since their last short claim. */
void scheduler_capacity(airlockd_t *d);
void scheduler_run(airlockd_t *d);
/* Runs a requested (pending) run now, e.g. right after a batch committed. */
void scheduler_flush(airlockd_t *d);
/* Tells the worker holding task_id to stop it (if connected). */
void scheduler_send_cancel(airlockd_t *d, const char *worker_key, const char *task_id,
                           int attempt, const char *reason);

/* liveness.c */
int liveness_tick(zloop_t *loop, int timer_id, void *arg);
/* A worker is gone (dead, BYE): requeue what it held and forget it. */
void liveness_worker_lost(airlockd_t *d, const char *key, al_worker_state_t state, const char *reason);

/* waiters.c */
waiters_t *waiters_new(size_t max);
void waiters_destroy(waiters_t **w);
/* One listener, told by waiters_pump which task's streams it pumps ("" =
 * all) so that other event streams (the HTTP API's, api_bridge.c) follow;
 * fn NULL removes it. arg is lent. */
typedef void (waiters_listener_fn)(void *arg, const char *task_id);
void waiters_listen(waiters_t *w, waiters_listener_fn *fn, void *arg);
/* Registers a WAIT stream and pumps it once. */
int waiters_add(airlockd_t *d, zframe_t *routing, uint64_t req_id, const char *job_id,
                const char *task_id, uint64_t from_seq);
/* Sends new events (and the final RESULT) to streams of this task ("" = all). */
void waiters_pump(airlockd_t *d, const char *task_id);

#endif
