/*
 * api.h: airlockd's HTTP API (libmicrohttpd), shared by the files of
 * orchestrator/api/ (internal: outside this folder only api_launch.h is
 * used). docs/API.md describes the endpoints.
 *
 * The API runs inside airlockd on a thread of its own (a czmq actor): its
 * own zloop drives libmicrohttpd in "external epoll" mode, and it has its own
 * PostgreSQL connection. HTTP parsing, authentication, job validation, SQL
 * reads and report building never run on the dispatch thread. State changes
 * go through the same SQL functions as the CurveZMQ client API (airlock_submit,
 * airlock_cancel); what only the dispatch thread can do (wake the scheduler,
 * send a CANCEL to a worker) is asked for over the actor pipe and done by
 * orchestrator/api_bridge.c on the dispatch thread. Nothing here calls into
 * the daemon (issue 16).
 *
 *   api_server.c   the actor: MHD in the zloop, request bodies and limits,
 *                  routing to the handlers below
 *   api_jobs.c     POST /v1/jobs, GET /v1/jobs/{id}, POST .../cancel, .../sarif
 *   api_sse.c      GET /v1/jobs/{id}/events (Server-Sent Events)
 *   api_metrics.c  GET /metrics (Prometheus text format); api_health.c GET /healthz
 *   api_github.c   POST /v1/github/webhook (verify, dedup, queue)
 *   api_access.c   a request's token and scope, which jobs it may see
 *   api_auth.c     bearer tokens -> identities (client certificates) and
 *                  tenants, scopes
 *   api_reply.c    JSON/text answers and errors (leaf)
 *   api_context.c  the actor's database connection, notes to the dispatch
 *                  thread and to the intake (leaf)
 *   api_intake.c   queued pull requests -> jobs, on a thread of its own
 */
#ifndef AIRLOCK_ORCH_API_H
#define AIRLOCK_ORCH_API_H

#include <czmq.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#include "orchestrator/api/api_launch.h"
#include "orchestrator/store/db.h"
#include "orchestrator/tenancy/tenancy.h"
#include "worker/gitops/gitops.h"

#define API_ID_MAX 64

/* The GitHub intake actor (api_intake.c): its configuration, copied. */
typedef struct {
    const char *db;
    const char *cache_dir;
    json_t *github_repos;             /* lent: the API actor's, read only */
    gitops_remote_opts_t remote;
    int max_attempts;
    const char *tenant_repos;
} api_intake_config_t;
void api_intake_actor(zsock_t *pipe, void *args);

/* ---- auth (api_auth.c) ---- */
enum {
    API_SCOPE_SUBMIT = 1 << 0, API_SCOPE_READ = 1 << 1, API_SCOPE_CANCEL = 1 << 2,
    API_SCOPE_METRICS = 1 << 3, API_SCOPE_ADMIN = 1 << 4,
};

typedef struct api_auth api_auth_t;

typedef struct {
    char name[64];               /* token name from the tokens file */
    char identity[64];           /* client certificate name */
    char key[48];                /* its public key (Z85): jobs.submitted_by */
    char tenant[257];            /* certificate metadata `tenant`, else the key */
    char access[16];             /* certificate metadata `access`: "", reader, admin */
    unsigned scopes;
} api_principal_t;

int api_auth_new(api_auth_t **out, const char *tokens_file, const char *certs_dir);
void api_auth_destroy(api_auth_t **p);
/* 0 with *who filled; AL_ENOTFOUND (401: no or unknown token), AL_EPOLICY
 * (401: the identity's certificate is gone or not a client's). */
int api_auth_check(api_auth_t *a, const char *authorization_header, api_principal_t *who);
/* `who` as the tenancy rules see it (tenancy.h): its tenant, and its access
 * from the certificate, raised to admin by the token scope `admin`. */
void api_auth_tenancy(const api_principal_t *who, tenant_who_t *out);
/* The principal of a configured identity (webhook jobs): AL_ENOTFOUND. */
int api_auth_identity(api_auth_t *a, const char *identity, api_principal_t *who);

/* ---- requests (created and freed by api_server.c) ---- */
typedef struct api api_t;
typedef struct api_req api_req_t;

struct api_req {
    api_t *api;
    struct MHD_Connection *conn;
    char method[8];
    char *path;                  /* owned */
    char *body;                  /* owned, NUL-terminated */
    size_t body_len;
    int too_large;
    int responded;
    api_principal_t who;
    int authed;
    void *stream;                /* api_sse.c: an event stream, owned */
};

/* Shared state of the actor, lent to handlers. */
struct api {
    api_config_t cfg;
    store_db_t *db;
    api_auth_t *auth;
    zsock_t *pipe;               /* to the dispatch thread */
    struct MHD_Daemon *mhd;
    int mhd_timer;               /* zloop timer for MHD's next timeout, -1 = none */
    zlistx_t *streams;           /* api_sse.c: live event streams */
    zactor_t *intake;            /* GitHub intake (api_intake.c), NULL when off */
    char *github_secret;         /* owned, wiped on exit */
    size_t github_secret_len;
    json_t *github_repos;        /* owned */
    tenant_repos_t *repos;       /* owned; NULL = no repository roots */
};

/* ---- answers (api_reply.c, a leaf) ---- */
/* Every answer is JSON except /metrics and the event stream. */
enum MHD_Result api_reply_json(api_req_t *r, unsigned status, json_t *body);   /* steals body */
/* Same with one more header (Location, ...); hdr may be NULL. */
enum MHD_Result api_reply_json_header(api_req_t *r, unsigned status, json_t *body, const char *hdr,
                                      const char *value);
enum MHD_Result api_reply_error(api_req_t *r, unsigned status, const char *code, const char *message,
                                const char *field);
enum MHD_Result api_reply_text(api_req_t *r, unsigned status, const char *content_type,
                               const char *text, size_t len);
/* A store call that failed: 503 "unavailable" for AL_EAGAIN, else 500. */
enum MHD_Result api_reply_store_error(api_req_t *r, int rc);

/* ---- the actor's resources (api_context.c, a leaf) ---- */
/* 0 or AL_EAGAIN after trying one reconnect. */
int api_db_ready(api_t *a);
/* Asks the dispatch thread for something ("DISPATCH", "CANCEL" worker task attempt). */
void api_tell_dispatch(api_t *a, const char *what, const char *a1, const char *a2, const char *a3);
/* Tells the intake there is a queued delivery (non-blocking). */
void api_intake_wake(api_t *a);

/* ---- access (api_access.c) ---- */
/* Requires a token with `scope` (401 / 403 answered here when not): 1 when ok. */
int api_require(api_req_t *r, unsigned scope);
/* Loads the job's task id and tenant, answering 404 (also for a job the
 * token may not see) or 5xx itself: 1 when the caller may go on. */
int api_job_visible(api_req_t *r, const char *job_id, char task_id[API_ID_MAX]);

/* ---- handlers ---- */
enum MHD_Result api_jobs_submit(api_req_t *r);
enum MHD_Result api_jobs_get(api_req_t *r, const char *job_id);
enum MHD_Result api_jobs_cancel(api_req_t *r, const char *job_id);
enum MHD_Result api_jobs_sarif(api_req_t *r, const char *job_id);
enum MHD_Result api_jobs_checks(api_req_t *r, const char *job_id);
enum MHD_Result api_sse_start(api_req_t *r, const char *job_id);
void api_sse_wake(api_t *a, const char *task_id);   /* "" = every stream */
void api_sse_tick(api_t *a);                         /* keepalives, periodic recheck */
void api_sse_free(api_req_t *r);
void api_sse_close_all(api_t *a);                    /* at shutdown */

enum MHD_Result api_metrics(api_req_t *r);
enum MHD_Result api_healthz(api_req_t *r);
enum MHD_Result api_github_webhook(api_req_t *r);

#endif
