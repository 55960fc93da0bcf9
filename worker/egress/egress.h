/*
 * egress.h: the per-task egress proxy, the sandbox's only way out.
 *
 * One proxy per task. It listens on a unix socket (the sandbox driver connects
 * the sandbox's single forwarded port to it) and speaks HTTP/1.1 proxy:
 * CONNECT host:port tunnels and plain-HTTP absolute-form requests. Every
 * request must carry `Proxy-Authorization: Basic base64(airlock:<token>)`
 * where <token> comes from egress_token_make() for this task. The proxy
 * allows only hostnames on the task's allowlist (exact names and `*.suffix`),
 * refuses IP literals unless listed verbatim, resolves names itself, checks
 * the TLS SNI of CONNECT tunnels against the CONNECT host, enforces per-task
 * limits (new connections per second, concurrent connections, bytes each way,
 * header size, idle time) and reports every attempt, allowed or blocked,
 * through the on_event callback. docs/EGRESS.md gives the decisions.
 *
 * Threads: egress_proxy_new() starts an acceptor thread; each connection is
 * served by its own thread (at most limits.max_conns). on_event is called from
 * those threads, one call at a time (the proxy serializes them), and must not
 * call egress_proxy_destroy().
 *
 * Ownership: egress_proxy_new() copies everything it needs from the config;
 * the caller may free the config afterwards. egress_proxy_destroy() closes
 * every connection, joins every thread, removes the socket and NULLs *p.
 * Errors: 0 or a negative AL_E* code (common/error.h) with al_err_msg().
 */
#ifndef AIRLOCK_EGRESS_H
#define AIRLOCK_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct egress_proxy egress_proxy_t;

/* One attempt, allowed or blocked. Strings are lent for the callback only. */
typedef struct {
    const char *task_id;
    const char *method;     /* "CONNECT", "GET", ...; "" when the request was unreadable */
    const char *host;       /* normalized host; "" when unknown */
    uint16_t port;          /* 0 when unknown */
    bool allowed;           /* true when the policy let the traffic through and no limit
                               or check cut it (a cut by egress_proxy_destroy keeps it) */
    const char *reason;     /* "allowed", "host_not_allowed", "ip_literal", "sni_mismatch",
                               "sni_missing", "not_tls", "bad_tls", "rate_limited",
                               "conn_limit", "bad_token", "byte_limit", "resolve_failed",
                               "private_address", "connect_failed", "bad_request",
                               "idle_timeout", "shutdown" */
    int status;             /* HTTP status the proxy answered (200 for an established
                               tunnel), or the origin's status for a relayed plain
                               request; 0 when there was none (closed, unreadable) */
    uint64_t bytes_up;      /* sandbox -> upstream, bytes forwarded */
    uint64_t bytes_down;    /* upstream -> sandbox, bytes forwarded */
    int64_t ts_ms;          /* unix time in ms when the attempt started */
} egress_event_t;

typedef void (*egress_event_fn)(void *ctx, const egress_event_t *ev);

/* A resolver override: `host` resolves to `ip` (no DNS, no private-address
 * check). port != 0 also replaces the requested port (tests and the demo point
 * names at loopback servers on ephemeral ports). */
typedef struct {
    const char *host;
    const char *ip;
    uint16_t port;
} egress_resolve_t;

/* Per-task limits. 0 in a field means the default in brackets. */
typedef struct {
    double conn_rate_per_s;     /* new upstream connections per second [10] */
    unsigned conn_burst;        /* token bucket size [20] */
    unsigned max_conns;         /* concurrent client connections [32] */
    uint64_t max_bytes_up;      /* total sandbox -> upstream bytes [256 MiB] */
    uint64_t max_bytes_down;    /* total upstream -> sandbox bytes [4 GiB] */
    unsigned idle_timeout_ms;   /* no progress for this long closes a connection [30000];
                                   also the deadline for a whole request head */
    size_t max_head_bytes;      /* request line + headers [16384] */
} egress_limits_t;

#define EGRESS_CONFIG_VERSION 1
typedef struct {
    int version;                    /* EGRESS_CONFIG_VERSION */
    const char *task_id;            /* required; the token must be bound to it */
    const char *const *allowlist;   /* "host.example", "*.example.org", "192.0.2.7", "[2001:db8::1]" */
    size_t allowlist_len;
    const unsigned char *token_key; /* HMAC key, >= 16 bytes */
    size_t token_key_len;
    const char *socket_path;        /* unix socket to create (0600); must not exist unless a socket */
    egress_limits_t limits;
    const egress_resolve_t *resolve;/* overrides, may be NULL */
    size_t resolve_len;
    bool allow_private;             /* accept DNS answers in loopback/private/link-local ranges */
    egress_event_fn on_event;       /* may be NULL (events are still logged) */
    void *event_ctx;
} egress_config_t;
#define EGRESS_CONFIG_INIT { EGRESS_CONFIG_VERSION, NULL, NULL, 0, NULL, 0, NULL, \
                             { 0, 0, 0, 0, 0, 0, 0 }, NULL, 0, false, NULL, NULL }

/* Validates cfg, binds the socket and starts the proxy. *out is NULL on error.
 * AL_EINVAL / AL_ECONFIG for a bad config (message names the field), AL_EEXISTS
 * when socket_path exists and is not a socket, AL_EIO for system errors. */
int egress_proxy_new(egress_proxy_t **out, const egress_config_t *cfg);

/* Stops accepting, closes every connection (their events say "shutdown" when
 * they were cut), joins all threads, unlinks the socket. NULL-safe; NULLs *p. */
void egress_proxy_destroy(egress_proxy_t **p);

/* The socket path (lent). */
const char *egress_proxy_socket_path(const egress_proxy_t *p);

/* Task tokens: "v1.<expiry unix s>.<hex HMAC-SHA256(key, "airlock-egress-v1\n" task_id "\n" expiry)>",
 * URL-safe so it fits in http://airlock:<token>@host:port. */
#define EGRESS_TOKEN_MAX 96

/* Writes a token valid for ttl_s seconds from now into out (outlen >= EGRESS_TOKEN_MAX).
 * AL_EINVAL for bad arguments, AL_ECRYPTO when OpenSSL fails. */
int egress_token_make(const unsigned char *key, size_t keylen, const char *task_id,
                      unsigned ttl_s, char *out, size_t outlen);

/* Same with an explicit clock (tests). */
int egress_token_make_at(const unsigned char *key, size_t keylen, const char *task_id,
                         time_t now, unsigned ttl_s, char *out, size_t outlen);

/* 0 when token is well formed, bound to task_id, signed with key and now < expiry.
 * AL_EPROTO malformed, AL_EPOLICY wrong signature or task, AL_ETIMEOUT expired.
 * The MAC comparison is constant-time. */
int egress_token_check(const unsigned char *key, size_t keylen, const char *task_id,
                       const char *token, time_t now);

#endif
