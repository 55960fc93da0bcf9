/*
 * egress_fixture.c: loopback HTTP server, proxy set-up and client helpers for
 * the egress integration tests. The server owns its listening fd, its stop
 * pipe and every accepted fd (closed after the connection thread is joined).
 */
#include "egress_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"

const unsigned char FX_KEY[32] = "fixture-key-0123456789abcdefghij";

typedef struct {
    fx_server_t *s;
    int fd;
} srv_conn_t;

static void s_send_str(int fd, const char *s)
{
    send(fd, s, strlen(s), MSG_NOSIGNAL);
}

static void s_serve_tls_echo(fx_server_t *s, int fd, char *buf, size_t len)
{
    pthread_mutex_lock(&s->mu);
    s->tls_records++;
    pthread_mutex_unlock(&s->mu);
    ssize_t n = (ssize_t)len;
    do {
        if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) < 0)
            return;
    } while ((n = recv(fd, buf, 65536, 0)) > 0);
}

static void s_serve_big(int fd, unsigned long n)
{
    char head[128], chunk[65536];
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %lu\r\nConnection: close\r\n\r\n",
             n);
    s_send_str(fd, head);
    memset(chunk, 'x', sizeof chunk);
    while (n > 0) {
        size_t k = n < sizeof chunk ? n : sizeof chunk;
        ssize_t w = send(fd, chunk, k, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        n -= (unsigned long)w;
    }
}

static void s_serve_echo(int fd, char *buf, size_t len, size_t head_len)
{
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    size_t want = cl ? strtoul(cl + 17, NULL, 10) : 0;
    while (len - head_len < want && len < 65536) {
        ssize_t n = recv(fd, buf + len, 65536 - len, 0);
        if (n <= 0)
            return;
        len += (size_t)n;
    }
    char head[128];
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
             want);
    s_send_str(fd, head);
    send(fd, buf + head_len, want, MSG_NOSIGNAL);
}

/* Everything after the head until EOF or an empty line (the end of the
 * chunked bodies the tests send). */
static void s_serve_sink(fx_server_t *s, int fd, char *buf, size_t len, size_t head_len)
{
    size_t body = len - head_len;
    memmove(buf, buf + head_len, body);
    for (;;) {
        buf[body] = '\0';
        if (body >= 4 && memcmp(buf + body - 4, "\r\n\r\n", 4) == 0)
            break;
        ssize_t n = body < 65536 ? recv(fd, buf + body, 65536 - body, 0) : 0;
        if (n <= 0)
            break;
        body += (size_t)n;
    }
    pthread_mutex_lock(&s->mu);
    s->last_body_len = body < sizeof s->last_body ? body : sizeof s->last_body - 1;
    memcpy(s->last_body, buf, s->last_body_len);
    s->last_body[s->last_body_len] = '\0';
    s->sinks++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    s_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nsunk");
}

static void *s_serve(void *arg)
{
    srv_conn_t *c = arg;
    fx_server_t *s = c->s;
    int fd = c->fd;
    free(c);
    char *buf = calloc(1, 65537);
    size_t len = 0;
    char *end = NULL;
    if (s->banner) {
        static const char hi[] = "220 airlock-test\r\n";
        send(fd, hi, sizeof hi - 1, MSG_NOSIGNAL);
        ssize_t n;
        while ((n = recv(fd, buf, 65536, 0)) > 0 && send(fd, buf, (size_t)n, MSG_NOSIGNAL) == n)
            ;
        goto done;
    }
    while (!end && len < 65536) {
        ssize_t n = recv(fd, buf + len, 65536 - len, 0);
        if (n <= 0)
            goto done;
        len += (size_t)n;
        buf[len] = '\0';
        if ((unsigned char)buf[0] == 0x16) {
            s_serve_tls_echo(s, fd, buf, len);
            goto done;
        }
        end = strstr(buf, "\r\n\r\n");
    }
    if (!end)
        goto done;
    size_t head_len = (size_t)(end - buf) + 4;
    char method[16] = "", path[256] = "";
    sscanf(buf, "%15s %255s", method, path);
    pthread_mutex_lock(&s->mu);
    snprintf(s->last_head, sizeof s->last_head, "%.*s", (int)head_len, buf);
    s->requests++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (strcmp(path, "/hello") == 0)
        s_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    else if (strncmp(path, "/big/", 5) == 0)
        s_serve_big(fd, strtoul(path + 5, NULL, 10));
    else if (strcmp(path, "/echo") == 0)
        s_serve_echo(fd, buf, len, head_len);
    else if (strcmp(path, "/sink") == 0)
        s_serve_sink(s, fd, buf, len, head_len);
    else if (strcmp(path, "/hold") == 0)
        while (recv(fd, buf, 65536, 0) > 0)
            ;
    else
        s_send_str(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
done:
    shutdown(fd, SHUT_WR);
    free(buf);
    return NULL;
}

static void *s_accept_loop(void *arg)
{
    fx_server_t *s = arg;
    for (;;) {
        struct pollfd pfd[2] = { { .fd = s->lfd, .events = POLLIN },
                                 { .fd = s->stop_pipe[0], .events = POLLIN } };
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents)
            break;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        srv_conn_t *c = malloc(sizeof *c);
        c->s = s;
        c->fd = fd;
        pthread_mutex_lock(&s->mu);
        int i = s->nconns < FX_MAX_CONNS ? s->nconns++ : -1;
        if (i >= 0) {
            s->conn_fd[i] = fd;
            pthread_create(&s->conn_tid[i], NULL, s_serve, c);
        }
        pthread_mutex_unlock(&s->mu);
        if (i < 0) {
            close(fd);
            free(c);
        }
    }
    return NULL;
}

int fx_server_start(fx_server_t *s, bool banner)
{
    memset(s, 0, sizeof *s);
    s->banner = banner;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(s->lfd, 128) < 0 || getsockname(s->lfd, (struct sockaddr *)&sa, &sl) < 0 ||
        pipe(s->stop_pipe) < 0)
        return -1;
    s->port = ntohs(sa.sin_port);
    return pthread_create(&s->tid, NULL, s_accept_loop, s) == 0 ? 0 : -1;
}

void fx_server_stop(fx_server_t *s)
{
    if (write(s->stop_pipe[1], "x", 1) != 1)
        fail_msg("server stop pipe");
    pthread_join(s->tid, NULL);
    for (int i = 0; i < s->nconns; i++)
        shutdown(s->conn_fd[i], SHUT_RDWR);
    for (int i = 0; i < s->nconns; i++) {
        pthread_join(s->conn_tid[i], NULL);
        close(s->conn_fd[i]);
    }
    close(s->lfd);
    close(s->stop_pipe[0]);
    close(s->stop_pipe[1]);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
}

static int s_server_wait(fx_server_t *s, const int *counter, int n)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 60;
    pthread_mutex_lock(&s->mu);
    while (*counter < n && pthread_cond_timedwait(&s->cv, &s->mu, &dl) == 0)
        ;
    int got = *counter;
    pthread_mutex_unlock(&s->mu);
    return got;
}

int fx_server_wait_requests(fx_server_t *s, int n) { return s_server_wait(s, &s->requests, n); }
int fx_server_wait_sinks(fx_server_t *s, int n) { return s_server_wait(s, &s->sinks, n); }

static void s_on_event(void *ctx, const egress_event_t *ev)
{
    fx_t *f = ctx;
    pthread_mutex_lock(&f->mu);
    if (f->nev < FX_MAX_EVENTS) {
        fx_event_t *e = &f->ev[f->nev++];
        snprintf(e->method, sizeof e->method, "%s", ev->method);
        snprintf(e->host, sizeof e->host, "%s", ev->host);
        snprintf(e->reason, sizeof e->reason, "%s", ev->reason);
        e->port = ev->port;
        e->allowed = ev->allowed;
        e->status = ev->status;
        e->up = ev->bytes_up;
        e->down = ev->bytes_down;
        assert_string_equal(ev->task_id, FX_TASK);
        assert_true(ev->ts_ms > 0);
    }
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

void fx_auth_header(const char *token, char *out, size_t cap)
{
    char plain[160];
    unsigned char b64[256];
    int n = snprintf(plain, sizeof plain, "airlock:%s", token);
    EVP_EncodeBlock(b64, (const unsigned char *)plain, n);
    snprintf(out, cap, "Proxy-Authorization: Basic %s\r\n", b64);
}

static uint16_t s_dead_port(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd); /* nothing listens there now */
    return ntohs(sa.sin_port);
}

fx_t *fx_alloc(void)
{
    fx_t *f = calloc(1, sizeof *f);
    if (!f)
        fail_msg("fixture allocation");
    return f;
}

void fx_start(fx_t *f, const egress_limits_t *lim)
{
    static const char *const allow[] = { "allowed.test", "*.wild.test", "dead.test",
                                         "banner.test", "localhost", "127.0.0.1" };
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    assert_int_equal(fx_server_start(&f->srv, false), 0);
    assert_int_equal(fx_server_start(&f->banner_srv, true), 0);
    snprintf(f->dir, sizeof f->dir, "/tmp/airlock-egress-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/egress.sock", f->dir);
    egress_resolve_t res[] = { { "allowed.test", "127.0.0.1", f->srv.port },
                               { "x.wild.test", "127.0.0.1", f->srv.port },
                               { "dead.test", "127.0.0.1", s_dead_port() },
                               { "banner.test", "127.0.0.1", f->banner_srv.port } };
    egress_config_t cfg = EGRESS_CONFIG_INIT;
    cfg.task_id = FX_TASK;
    cfg.allowlist = allow;
    cfg.allowlist_len = sizeof allow / sizeof *allow;
    cfg.token_key = FX_KEY;
    cfg.token_key_len = sizeof FX_KEY;
    cfg.socket_path = f->path;
    if (lim)
        cfg.limits = *lim;
    cfg.resolve = res;
    cfg.resolve_len = sizeof res / sizeof *res;
    cfg.on_event = s_on_event;
    cfg.event_ctx = f;
    int rc = egress_proxy_new(&f->px, &cfg);
    if (rc != 0)
        fail_msg("egress_proxy_new: %s", al_err_msg());
    char token[EGRESS_TOKEN_MAX];
    assert_int_equal(egress_token_make(FX_KEY, sizeof FX_KEY, FX_TASK, 600, token, sizeof token), 0);
    fx_auth_header(token, f->auth, sizeof f->auth);
}

void fx_stop(fx_t *f)
{
    egress_proxy_destroy(&f->px);
    assert_null(f->px);
    assert_int_equal(access(f->path, F_OK), -1); /* socket removed */
    rmdir(f->dir);
    fx_server_stop(&f->srv);
    fx_server_stop(&f->banner_srv);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

int fx_connect(const fx_t *f)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct timeval tv = { .tv_sec = 60 };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", f->path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

void fx_send(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return; /* the proxy may legitimately close early */
        p += n;
        len -= (size_t)n;
    }
}

size_t fx_read_all(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    for (;;) {
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            fail_msg("read timed out after 60 s");
        if (n <= 0 || (len += (size_t)n) == cap - 1)
            break;
    }
    buf[len] = '\0';
    return len;
}

int fx_read_head(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    while (len < cap - 1 && !strstr(buf, "\r\n\r\n")) {
        ssize_t n = recv(fd, buf + len, 1, 0); /* byte by byte: leave tunnel data unread */
        if (n <= 0)
            break;
        buf[++len] = '\0';
    }
    int status = 0;
    sscanf(buf, "HTTP/1.1 %d", &status);
    return status;
}

size_t fx_request(const fx_t *f, const char *req, char *resp, size_t cap)
{
    int fd = fx_connect(f);
    assert_true(fd >= 0);
    fx_send(fd, req, strlen(req));
    size_t n = fx_read_all(fd, resp, cap);
    close(fd);
    return n;
}

int fx_wait_events(fx_t *f, int n)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 60;
    pthread_mutex_lock(&f->mu);
    while (f->nev < n && pthread_cond_timedwait(&f->cv, &f->mu, &dl) == 0)
        ;
    int got = f->nev;
    pthread_mutex_unlock(&f->mu);
    return got;
}

int fx_count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}
