/*
 * api_server.c: the API actor. A zloop of its own drives libmicrohttpd in
 * "external epoll" mode: the daemon's epoll descriptor is a poller of the
 * loop, MHD_run() runs when it is readable and when MHD's own timeout comes,
 * and a one-second tick keeps event streams alive. The actor pipe carries
 * "EVENTS <task>" from the dispatch thread and "$TERM".
 *
 * Per request: the first call checks Content-Length against max_body (413
 * before any byte of the body is read), later calls collect the body, the
 * last one routes to a handler (api_jobs.c, api_sse.c, ...), which answers
 * through api_reply.c. The router sits above the handlers and nothing below
 * calls back into it (issue 16).
 *
 * Owns: the api_t (its database connection, token table, MHD daemon, the
 * webhook secret) and every api_req_t until MHD reports it completed.
 */
#include "orchestrator/api/api.h"
#include "common/error.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUTE_ID_MAX 64

/* ---- routing ----------------------------------------------------------- */

/* "/v1/jobs/<id>[/<tail>]": copies id, points tail at "" or the rest. */
static int s_job_path(const char *path, char id[ROUTE_ID_MAX], const char **tail)
{
    const char *p = path + strlen("/v1/jobs/");
    size_t n = strcspn(p, "/");
    if (n == 0 || n >= ROUTE_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '_' && p[i] != '.')
            return 0;
    memcpy(id, p, n);
    id[n] = '\0';
    *tail = p[n] == '/' ? p + n + 1 : p + n;
    return 1;
}

static enum MHD_Result s_not_allowed(api_req_t *r, const char *allow)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Allow", allow);
    enum MHD_Result ok = MHD_queue_response(r->conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
    MHD_destroy_response(resp);
    r->responded = 1;
    return ok;
}

static enum MHD_Result s_route_job(api_req_t *r, int get, int post)
{
    char id[ROUTE_ID_MAX];
    const char *tail = NULL;
    if (!s_job_path(r->path, id, &tail))
        return api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such resource", NULL);
    if (!*tail)
        return get ? api_jobs_get(r, id) : s_not_allowed(r, "GET");
    if (strcmp(tail, "events") == 0)
        return get ? api_sse_start(r, id) : s_not_allowed(r, "GET");
    if (strcmp(tail, "sarif") == 0)
        return get ? api_jobs_sarif(r, id) : s_not_allowed(r, "GET");
    if (strcmp(tail, "checks") == 0)
        return get ? api_jobs_checks(r, id) : s_not_allowed(r, "GET");
    if (strcmp(tail, "cancel") == 0)
        return post ? api_jobs_cancel(r, id) : s_not_allowed(r, "POST");
    return api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such resource", NULL);
}

static enum MHD_Result s_route(api_req_t *r)
{
    int get = strcmp(r->method, "GET") == 0, post = strcmp(r->method, "POST") == 0;
    const char *p = r->path;
    if (strcmp(p, "/healthz") == 0)
        return get ? api_healthz(r) : s_not_allowed(r, "GET");
    if (strcmp(p, "/metrics") == 0)
        return get ? api_metrics(r) : s_not_allowed(r, "GET");
    if (strcmp(p, "/v1/jobs") == 0)
        return post ? api_jobs_submit(r) : s_not_allowed(r, "POST");
    if (strcmp(p, "/v1/github/webhook") == 0)
        return post ? api_github_webhook(r) : s_not_allowed(r, "POST");
    if (strncmp(p, "/v1/jobs/", 9) == 0)
        return s_route_job(r, get, post);
    return api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such resource", NULL);
}

/* ---- MHD callbacks ----------------------------------------------------- */

/* A body over max_body is read and dropped up to this much, so that a client
 * still sending gets its 413 (most clients cannot read an answer before they
 * have sent everything); beyond it the 413 goes at once and the connection
 * closes. */
static size_t s_drop_limit(const api_t *a)
{
    return 4 * a->cfg.max_body + (16u << 20);
}

static enum MHD_Result s_first_call(api_t *a, api_req_t *r)
{
    const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    unsigned long long len = cl ? strtoull(cl, NULL, 10) : 0;
    if (len > s_drop_limit(a)) {
        char msg[128];
        snprintf(msg, sizeof msg, "request body over %zu bytes", a->cfg.max_body);
        return api_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", msg, NULL);
    }
    r->too_large = len > a->cfg.max_body;
    return MHD_YES;
}

/* Appends a chunk of the body; past max_body the rest is read and dropped
 * (413 at the end), and a client that keeps sending is cut off. */
static enum MHD_Result s_body(api_t *a, api_req_t *r, const char *data, size_t n)
{
    if (r->responded)
        return MHD_YES;
    if (r->too_large || r->body_len + n > a->cfg.max_body) {
        r->too_large = 1;
        r->body_len += n;
        return r->body_len > s_drop_limit(a) ? MHD_NO : MHD_YES;
    }
    char *grown = realloc(r->body, r->body_len + n + 1);
    if (!grown)
        return MHD_NO;
    memcpy(grown + r->body_len, data, n);
    r->body = grown;
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return MHD_YES;
}

static enum MHD_Result s_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                const char *version, const char *upload_data, size_t *upload_data_size,
                                void **con_cls)
{
    (void)version;
    api_t *a = cls;
    api_req_t *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r || !(r->path = strdup(url))) {
            free(r);
            return MHD_NO;
        }
        r->api = a;
        r->conn = conn;
        snprintf(r->method, sizeof r->method, "%s", method);
        *con_cls = r;
        return s_first_call(a, r);
    }
    if (*upload_data_size) {
        enum MHD_Result ok = s_body(a, r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return ok;
    }
    if (r->responded)
        return MHD_YES;
    if (r->too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "request body over %zu bytes", a->cfg.max_body);
        return api_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", msg, NULL);
    }
    return s_route(r);
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    api_req_t *r = *con_cls;
    if (!r)
        return;
    api_sse_free(r);
    free(r->path);
    free(r->body);
    free(r);
    *con_cls = NULL;
}

static void s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[400], q[420];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    al_debug("api.mhd", "msg=%s", al_log_quote(q, sizeof q, msg));
}

/* ---- life cycle --------------------------------------------------------- */

static int s_listen_addr(const char *endpoint, struct sockaddr_storage *ss)
{
    char host[256];
    const char *colon = strrchr(endpoint, ':');
    if (!colon || colon == endpoint || (size_t)(colon - endpoint) >= sizeof host)
        return al_err_set(AL_ECONFIG, "api_endpoint '%s': expected HOST:PORT", endpoint);
    memcpy(host, endpoint, (size_t)(colon - endpoint));
    host[colon - endpoint] = '\0';
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    struct addrinfo hints = { .ai_flags = AI_NUMERICSERV | AI_PASSIVE, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int e = getaddrinfo(host, colon + 1, &hints, &res);
    if (e != 0)
        return al_err_set(AL_ECONFIG, "api_endpoint '%s': %s", endpoint, gai_strerror(e));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return AL_OK;
}

static int s_start_mhd(api_t *a)
{
    struct sockaddr_storage ss;
    int rc = s_listen_addr(a->cfg.endpoint, &ss);
    if (rc != AL_OK)
        return rc;
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    a->mhd = MHD_start_daemon(flags, 0, NULL, NULL, s_access, a,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                              MHD_OPTION_CONNECTION_LIMIT, a->cfg.max_connections,
                              MHD_OPTION_PER_IP_CONNECTION_LIMIT, a->cfg.max_connections,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(a->cfg.keepalive_s * 4 + 30),
                              MHD_OPTION_NOTIFY_COMPLETED, s_completed, a,
                              MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, a,
                              MHD_OPTION_END);
    if (!a->mhd)
        return al_err_set(AL_EIO, "api_endpoint %s: cannot listen (address in use or not local?)",
                          a->cfg.endpoint);
    return AL_OK;
}

static int s_load_github(api_t *a)
{
    if (!a->cfg.github_secret_file || !*a->cfg.github_secret_file)
        return AL_OK;
    FILE *f = fopen(a->cfg.github_secret_file, "re");
    if (!f)
        return al_err_set_errno(AL_ECONFIG, "github_webhook_secret %s", a->cfg.github_secret_file);
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    if (n == 0 || n >= sizeof buf || !(a->github_secret = malloc(n))) {
        OPENSSL_cleanse(buf, sizeof buf);
        return al_err_set(AL_ECONFIG, "github_webhook_secret %s: empty or over 1 KiB", a->cfg.github_secret_file);
    }
    memcpy(a->github_secret, buf, n);
    a->github_secret_len = n;
    OPENSSL_cleanse(buf, sizeof buf);
    if (!a->cfg.github_repos || !*a->cfg.github_repos)
        return al_err_set(AL_ECONFIG, "github_webhook_secret is set but github_repos is not");
    json_error_t e;
    a->github_repos = json_load_file(a->cfg.github_repos, JSON_REJECT_DUPLICATES, &e);
    if (!json_is_object(a->github_repos))
        return al_err_set(AL_ECONFIG, "github_repos %s: %s (line %d)", a->cfg.github_repos,
                          a->github_repos ? "not a JSON object" : e.text, e.line);
    int rc = gitops_remote_set_ca_file(a->cfg.git_ca_file);
    api_intake_config_t ic = { a->cfg.db, a->cfg.github_cache_dir, a->github_repos, a->cfg.remote,
                               a->cfg.max_attempts, a->cfg.tenant_repos };
    a->intake = rc == AL_OK ? zactor_new(api_intake_actor, &ic) : NULL;
    char *status = NULL, *why = NULL;
    if (rc == AL_OK && (!a->intake || zstr_recvx(a->intake, &status, &why, NULL) < 1 || strcmp(status, "OK") != 0))
        rc = al_err_set(AL_ECONFIG, "GitHub intake: %s", why && *why ? why : "could not start");
    zstr_free(&status);
    zstr_free(&why);
    return rc;
}

static int s_on_intake(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    char *cmd = zstr_recv(sock);
    if (cmd && strcmp(cmd, "DISPATCH") == 0)
        api_tell_dispatch(arg, "DISPATCH", NULL, NULL, NULL);
    zstr_free(&cmd);
    return 0;
}

static int s_init(api_t *a)
{
    int rc = store_db_connect(&a->db, a->cfg.db);
    if (rc == AL_OK)
        rc = api_auth_new(&a->auth, a->cfg.tokens_file, a->cfg.certs_dir);
    if (rc == AL_OK)
        rc = tenant_repos_new(&a->repos, a->cfg.tenant_repos);
    if (rc == AL_OK)
        rc = s_load_github(a);
    if (rc == AL_OK && !(a->streams = zlistx_new()))
        rc = al_err_set(AL_ENOMEM, "out of memory");
    if (rc == AL_OK)
        rc = s_start_mhd(a);
    return rc;
}

static void s_fini(api_t *a)
{
    if (a->mhd) {
        api_sse_close_all(a);   /* every suspended stream resumed and ended */
        MHD_run(a->mhd);
        MHD_stop_daemon(a->mhd);
    }
    zlistx_destroy(&a->streams);
    zactor_destroy(&a->intake);
    api_auth_destroy(&a->auth);
    tenant_repos_destroy(&a->repos);
    store_db_destroy(&a->db);
    if (a->github_secret)
        OPENSSL_cleanse(a->github_secret, a->github_secret_len);
    free(a->github_secret);
    json_decref(a->github_repos);
}

/* Runs MHD until it has nothing immediate left, then arms a timer for its
 * next timeout (connection timeouts) when that comes before the tick. */
static int s_on_timer(zloop_t *loop, int id, void *arg);

static void s_mhd_run(zloop_t *loop, api_t *a)
{
    MHD_UNSIGNED_LONG_LONG ms = 0;
    for (int i = 0; i < 16; i++) {
        MHD_run(a->mhd);
        if (MHD_get_timeout(a->mhd, &ms) != MHD_YES || ms > 0)
            break;
    }
    if (a->mhd_timer >= 0)
        zloop_timer_end(loop, a->mhd_timer);
    a->mhd_timer = -1;
    if (MHD_get_timeout(a->mhd, &ms) == MHD_YES && ms < 1000)
        a->mhd_timer = zloop_timer(loop, ms ? (size_t)ms : 1, 1, s_on_timer, a);
}

static int s_on_timer(zloop_t *loop, int id, void *arg)
{
    (void)id;
    api_t *a = arg;
    a->mhd_timer = -1;   /* one-shot: already gone */
    s_mhd_run(loop, a);
    return 0;
}

static int s_on_mhd(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)item;
    s_mhd_run(loop, arg);
    return 0;
}

static int s_on_tick(zloop_t *loop, int id, void *arg)
{
    (void)id;
    api_sse_tick(arg);
    s_mhd_run(loop, arg);
    return 0;
}

static int s_on_pipe(zloop_t *loop, zsock_t *pipe, void *arg)
{
    api_t *a = arg;
    char *cmd = NULL, *task = NULL;
    if (zstr_recvx(pipe, &cmd, &task, NULL) < 0)
        return -1;
    int stop = strcmp(cmd, "$TERM") == 0;
    if (!stop && strcmp(cmd, "EVENTS") == 0 && task) {
        api_sse_wake(a, task);
        s_mhd_run(loop, a);
    }
    zstr_free(&cmd);
    zstr_free(&task);
    return stop ? -1 : 0;
}

void api_actor(zsock_t *pipe, void *args)
{
    api_t a;
    memset(&a, 0, sizeof a);
    a.cfg = *(const api_config_t *)args;
    a.pipe = pipe;
    a.mhd_timer = -1;
    int rc = s_init(&a);
    zsock_signal(pipe, 0);
    zstr_sendx(pipe, rc == AL_OK ? "OK" : "ERROR", rc == AL_OK ? "" : al_err_msg(), NULL);
    zloop_t *loop = rc == AL_OK ? zloop_new() : NULL;
    if (loop) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(a.mhd, MHD_DAEMON_INFO_EPOLL_FD);
        zmq_pollitem_t item = { NULL, info ? info->epoll_fd : -1, ZMQ_POLLIN, 0 };
        zloop_reader(loop, pipe, s_on_pipe, &a);
        if (a.intake)
            zloop_reader(loop, zactor_sock(a.intake), s_on_intake, &a);
        zloop_poller(loop, &item, s_on_mhd, &a);
        zloop_timer(loop, 1000, 0, s_on_tick, &a);
        al_info("api.started", "endpoint=%s", a.cfg.endpoint);
        zloop_start(loop);
        zloop_destroy(&loop);
    }
    s_fini(&a);
}
