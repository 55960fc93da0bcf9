/*
 * proxy.c: the egress proxy object: config copy, the unix listening socket,
 * the acceptor thread and connection slots (one thread each, conn.c). It
 * only calls down: the per-task limits are limits.c's, the attempt events
 * event.c's, the stop-aware waits io.c's.
 *
 * Owns: the listening fd and socket file, the stop eventfd, the acceptor
 * thread, every connection slot (thread + egress_conn_t), copies of the
 * config strings and key.
 */
#include "worker/egress/egress_priv.h"

#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int s_config_check(const egress_config_t *cfg)
{
    if (!cfg || cfg->version != EGRESS_CONFIG_VERSION)
        return al_err_set(AL_ECONFIG, "egress config version %d, expected %d",
                          cfg ? cfg->version : -1, EGRESS_CONFIG_VERSION);
    if (!cfg->task_id || !*cfg->task_id || strlen(cfg->task_id) > 256)
        return al_err_set(AL_ECONFIG, "field task_id must be 1..256 characters");
    if (!cfg->token_key || cfg->token_key_len < 16 || cfg->token_key_len > 1024)
        return al_err_set(AL_ECONFIG, "field token_key must hold 16..1024 bytes");
    if (!cfg->socket_path || !*cfg->socket_path ||
        strlen(cfg->socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return al_err_set(AL_ECONFIG, "field socket_path must be 1..107 characters");
    if (cfg->allowlist_len && !cfg->allowlist)
        return al_err_set(AL_ECONFIG, "field allowlist is NULL with allowlist_len %zu",
                          cfg->allowlist_len);
    if (cfg->resolve_len && !cfg->resolve)
        return al_err_set(AL_ECONFIG, "field resolve is NULL with resolve_len %zu",
                          cfg->resolve_len);
    if (cfg->limits.max_head_bytes && (cfg->limits.max_head_bytes < 256 ||
                                       cfg->limits.max_head_bytes > (1u << 20)))
        return al_err_set(AL_ECONFIG, "field limits.max_head_bytes must be 256..1 MiB");
    if (cfg->limits.max_conns > 4096)
        return al_err_set(AL_ECONFIG, "field limits.max_conns must be <= 4096");
    return AL_OK;
}

static int s_resolve_copy(egress_proxy_t *px, const egress_config_t *cfg)
{
    px->resolve = calloc(cfg->resolve_len ? cfg->resolve_len : 1, sizeof *px->resolve);
    if (!px->resolve)
        return al_err_set(AL_ENOMEM, "resolver overrides");
    for (size_t i = 0; i < cfg->resolve_len; i++) {
        const egress_resolve_t *r = &cfg->resolve[i];
        char norm[EGRESS_HOST_MAX];
        if (!r->host || !r->ip ||
            egress_host_normalize(r->host, strlen(r->host), norm) == EGRESS_HOST_INVALID)
            return al_err_set(AL_ECONFIG, "field resolve[%zu] needs a host and an ip", i);
        px->resolve[i].host = strdup(norm);
        px->resolve[i].ip = strdup(r->ip);
        px->resolve[i].port = r->port;
        px->resolve_len = i + 1;
        if (!px->resolve[i].host || !px->resolve[i].ip)
            return al_err_set(AL_ENOMEM, "resolver overrides");
    }
    return AL_OK;
}

static int s_config_copy(egress_proxy_t *px, const egress_config_t *cfg)
{
    px->task_id = strdup(cfg->task_id);
    px->path = strdup(cfg->socket_path);
    px->key = malloc(cfg->token_key_len);
    if (!px->task_id || !px->path || !px->key)
        return al_err_set(AL_ENOMEM, "egress config copy");
    memcpy(px->key, cfg->token_key, cfg->token_key_len);
    px->keylen = cfg->token_key_len;
    egress_limits_init(px, &cfg->limits);
    px->allow_private = cfg->allow_private;
    px->on_event = cfg->on_event;
    px->event_ctx = cfg->event_ctx;
    px->nslots = 2 * (size_t)px->lim.max_conns;
    px->slots = calloc(px->nslots, sizeof *px->slots);
    if (!px->slots)
        return al_err_set(AL_ENOMEM, "egress slots");
    int rc = egress_allowlist_new(&px->allow, cfg->allowlist, cfg->allowlist_len);
    return rc < 0 ? rc : s_resolve_copy(px, cfg);
}

static int s_listen(egress_proxy_t *px)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat st;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", px->path);
    if (lstat(px->path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return al_err_set(AL_EEXISTS, "egress socket path %s exists and is not a socket",
                              px->path);
        unlink(px->path);
    }
    px->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (px->lfd < 0)
        return al_err_set_errno(AL_EIO, "egress socket");
    if (bind(px->lfd, (struct sockaddr *)&sa, sizeof sa) < 0)
        return al_err_set_errno(AL_EIO, "egress bind %s", px->path);
    px->bound = true;
    if (chmod(px->path, 0600) < 0 || listen(px->lfd, 128) < 0)
        return al_err_set_errno(AL_EIO, "egress chmod/listen %s", px->path);
    return AL_OK;
}

/* Joins finished connection threads; returns a free slot index or -1. */
static long s_slot_reap(egress_proxy_t *px, bool all)
{
    long free_idx = -1;
    for (size_t i = 0; i < px->nslots; i++) {
        egress_slot_t *s = &px->slots[i];
        pthread_mutex_lock(&px->mu);
        egress_slot_state_t st = s->state;
        pthread_mutex_unlock(&px->mu);
        if (st == SLOT_FINISHED || (all && st == SLOT_RUNNING)) {
            pthread_join(s->tid, NULL);
            free(s->conn->buf);
            free(s->conn);
            s->conn = NULL;
            s->state = st = SLOT_FREE;
        }
        if (st == SLOT_FREE && free_idx < 0)
            free_idx = (long)i;
    }
    return free_idx;
}

/* Refuses a connection without a thread: no room ("conn_limit") or the
 * proxy is stopping ("shutdown"). Records the attempt, closes fd. */
static void s_refuse_now(egress_proxy_t *px, int fd, const char *reason)
{
    char resp[200];
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\nairlock egress: %s\n",
                     strlen(reason) + 17, reason);
    egress_conn_t c = { .px = px, .reason = reason, .status = 503, .ts_ms = s_wall_ms() };
    if (send(fd, resp, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        c.status = 0;
    egress_event_emit(px, &c);
    close(fd);
}

static void s_accept_one(egress_proxy_t *px)
{
    int fd = accept4(px->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
            al_log_errno(AL_LOG_WARN, "egress.accept_failed", "task=%s", px->task_id);
        return;
    }
    long idx = s_slot_reap(px, false);
    bool room = idx >= 0 && egress_conn_admit(px);
    egress_conn_t *c = room ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        if (room)
            egress_conn_done(px);
        s_refuse_now(px, fd, "conn_limit");
        return;
    }
    *c = (egress_conn_t){ .px = px, .slot = (size_t)idx, .cfd = fd, .ufd = -1, .ts_ms = s_wall_ms() };
    egress_slot_t *s = &px->slots[idx];
    s->conn = c;
    s->state = SLOT_RUNNING;
    if (pthread_create(&s->tid, NULL, egress_conn_main, c) != 0) {
        s->state = SLOT_FREE;
        s->conn = NULL;
        free(c);
        egress_conn_done(px);
        s_refuse_now(px, fd, "conn_limit");
    }
}

static void *s_acceptor_main(void *arg)
{
    egress_proxy_t *px = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by connection threads */
    for (;;) {
        struct pollfd pfd[2] = { { .fd = px->lfd, .events = POLLIN },
                                 { .fd = px->stopfd, .events = POLLIN } };
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents)
            break;
        if (pfd[0].revents & POLLIN)
            s_accept_one(px);
    }
    /* Connections still in the backlog are attempts too: answer and record them. */
    int fd;
    while ((fd = accept4(px->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0)
        s_refuse_now(px, fd, "shutdown");
    return NULL;
}

int egress_proxy_new(egress_proxy_t **out, const egress_config_t *cfg)
{
    int rc = s_config_check(cfg);
    egress_proxy_t *px = NULL;
    *out = NULL;
    if (rc < 0)
        return rc;
    px = calloc(1, sizeof *px);
    if (!px)
        return al_err_set(AL_ENOMEM, "egress proxy");
    px->lfd = px->stopfd = -1;
    pthread_mutex_init(&px->mu, NULL);
    pthread_mutex_init(&px->ev_mu, NULL);
    rc = s_config_copy(px, cfg);
    if (rc == AL_OK)
        rc = s_listen(px);
    if (rc == AL_OK && (px->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
        rc = al_err_set_errno(AL_EIO, "egress eventfd");
    if (rc == AL_OK) {
        int e = pthread_create(&px->acceptor, NULL, s_acceptor_main, px);
        if (e != 0)
            rc = al_err_set(AL_EIO, "egress acceptor thread: %s", strerror(e));
        px->acceptor_started = e == 0;
    }
    if (rc < 0) {
        egress_proxy_destroy(&px);
        return rc;
    }
    al_info("egress.listen", "task=%s socket=%s allow=%zu", px->task_id, px->path,
            cfg->allowlist_len);
    *out = px;
    return AL_OK;
}

void egress_proxy_destroy(egress_proxy_t **p)
{
    if (!p || !*p)
        return;
    egress_proxy_t *px = *p;
    if (px->stopfd >= 0 && eventfd_write(px->stopfd, 1) < 0)
        al_log_errno(AL_LOG_ERROR, "egress.stop_failed", "task=%s", px->task_id);
    if (px->acceptor_started)
        pthread_join(px->acceptor, NULL);
    if (px->slots)
        s_slot_reap(px, true);
    if (px->lfd >= 0)
        close(px->lfd);
    if (px->bound)
        unlink(px->path);
    if (px->stopfd >= 0)
        close(px->stopfd);
    for (size_t i = 0; i < px->resolve_len; i++) {
        free((char *)px->resolve[i].host);
        free((char *)px->resolve[i].ip);
    }
    free(px->resolve);
    egress_allowlist_destroy(&px->allow);
    if (px->key)
        OPENSSL_cleanse(px->key, px->keylen);
    free(px->key);
    free(px->slots);
    free(px->path);
    free(px->task_id);
    pthread_mutex_destroy(&px->mu);
    pthread_mutex_destroy(&px->ev_mu);
    free(px);
    *p = NULL;
}

const char *egress_proxy_socket_path(const egress_proxy_t *p)
{
    return p ? p->path : NULL;
}
