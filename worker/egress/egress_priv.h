/*
 * egress_priv.h: what the files of worker/egress share and nobody else sees:
 * the proxy and connection structs and the internal functions of its
 * files, in layers whose calls only go down:
 *   proxy.c     the object, listener, acceptor, connection slots
 *   conn.c      one request, from its head to the end of the relay
 *   upstream.c  resolve + connect;  relay.c  tunnel inspection, byte relay
 *   limits.c    per-task limits: connection count, token bucket, byte budgets
 *   event.c     the record of each attempt;  io.c  stop-aware waits and writes
 */
#ifndef AIRLOCK_EGRESS_PRIV_H
#define AIRLOCK_EGRESS_PRIV_H

#include "worker/egress/chunked.h"
#include "worker/egress/egress.h"
#include "worker/egress/head.h"
#include "worker/egress/host.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum { SLOT_FREE = 0, SLOT_RUNNING, SLOT_FINISHED } egress_slot_state_t;

typedef struct egress_conn egress_conn_t;

typedef struct {
    egress_slot_state_t state;
    pthread_t tid;
    egress_conn_t *conn; /* owned by the slot while RUNNING/FINISHED */
} egress_slot_t;

typedef enum { EGRESS_UP = 0, EGRESS_DOWN = 1 } egress_dir_t;

struct egress_proxy {
    char *task_id;
    egress_allowlist_t *allow;
    unsigned char *key;
    size_t keylen;
    char *path;
    egress_limits_t lim;          /* defaults filled in */
    egress_resolve_t *resolve;    /* deep copy */
    size_t resolve_len;
    bool allow_private;
    egress_event_fn on_event;
    void *event_ctx;
    int lfd;
    bool bound;                   /* the socket file is ours to unlink */
    int stopfd;                   /* eventfd; readable once destroy starts */
    pthread_t acceptor;
    bool acceptor_started;
    pthread_mutex_t mu;           /* tokens, used[], active, slots' state */
    pthread_mutex_t ev_mu;        /* serializes on_event */
    double tokens;
    uint64_t refill_us;           /* al_mono_us() of the last refill */
    uint64_t used[2];
    egress_slot_t *slots;         /* 2 x max_conns: a thread may linger after its client is done */
    size_t nslots;
    unsigned active;              /* connections being served (the max_conns limit) */
};

struct egress_conn {
    egress_proxy_t *px;
    size_t slot;                  /* index in px->slots */
    int cfd;                      /* sandbox side */
    int ufd;                      /* upstream, -1 until connected */
    char *buf;                    /* head, then leftover bytes */
    size_t len;
    size_t cap;
    egress_head_t head;
    egress_chunked_t chunked;     /* a plain request's chunked body, scanned as it passes */
    const char *reason;           /* static string */
    bool allowed;
    int status;
    uint64_t bytes[2];
    int64_t ts_ms;
};

/* limits.c */
/* px->lim = cfg with the defaults of egress.h filled in; a full token bucket. */
void egress_limits_init(egress_proxy_t *px, const egress_limits_t *cfg);
/* Counts one more connection being served; false (not counted) at max_conns. */
bool egress_conn_admit(egress_proxy_t *px);
void egress_conn_done(egress_proxy_t *px); /* the connection no longer counts as active */
/* Takes a token for a new upstream attempt; false when the bucket is empty. */
bool egress_rate_take(egress_proxy_t *px);
/* Reserves up to want bytes of direction d's budget; returns how many. */
size_t egress_budget_reserve(egress_proxy_t *px, egress_dir_t d, size_t want);
void egress_budget_refund(egress_proxy_t *px, egress_dir_t d, size_t n);
bool egress_budget_exhausted(egress_proxy_t *px);

/* event.c: logs the connection's attempt and hands it to the owner's on_event. */
void egress_event_emit(egress_proxy_t *px, const egress_conn_t *c);

/* io.c */
/* True once the proxy is stopping (egress_proxy_destroy started). */
bool egress_stopping(const egress_proxy_t *px);
/* Waits up to timeout_ms for fd to become ready for `events` (POLLIN/POLLOUT).
 * 1 ready, 0 timeout, -1 stop or error. */
int egress_io_wait(egress_proxy_t *px, int fd, short events, int timeout_ms);
/* Writes all of buf to fd (non-blocking fd) or fails. 0 or -1. */
int egress_io_write_all(egress_proxy_t *px, int fd, const void *buf, size_t len);

/* conn.c: thread body for one client connection; arg is the egress_conn_t. */
void *egress_conn_main(void *arg);

/* upstream.c: resolves c->head.host and connects c->ufd. Returns NULL or the
 * reason code of the failure. */
const char *egress_upstream_open(egress_conn_t *c);

/* relay.c */
/* Writes buf to the upstream on the task's byte budget. NULL or the reason. */
const char *egress_conn_send_up(egress_conn_t *c, const char *buf, size_t len);
/* After "200 Connection established": checks the first client bytes of a
 * tunnel (TLS SNI) and forwards them. NULL to go on, else the reason. */
const char *egress_tunnel_inspect(egress_conn_t *c);
/* Relays both directions until both ends are done, the byte budget runs out,
 * the idle timeout passes or the proxy stops; up_limit bounds the
 * client->upstream bytes (request body), UINT64_MAX for none. A plain
 * request with a chunked body forwards only that body (c->chunked): bytes
 * after its end, or a malformed body, end the connection as bad_request.
 * Returns the final reason code. */
const char *egress_relay_run(egress_conn_t *c, uint64_t up_limit);

#endif
