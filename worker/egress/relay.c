/*
 * relay.c: moving bytes for the egress proxy.
 *
 * egress_tunnel_inspect() holds back the first client bytes of a CONNECT
 * tunnel until it knows whether they are a TLS ClientHello and, if so, whether
 * its SNI is the CONNECT host. egress_relay_run() then moves bytes both ways
 * with splice(2) through one pipe per direction (no copy into user space),
 * with poll(2) on both sockets and the proxy's stop fd. Each direction keeps
 * its own state so half-closed sockets work: an EOF from one side becomes
 * shutdown(SHUT_WR) on the other once the pipe is drained. Every byte read is
 * first reserved from the task's byte budget. Owns the two pipes it creates.
 */
#include "worker/egress/egress_priv.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "worker/egress/sni.h"

#define PIPE_BYTES (256 * 1024)

enum { FILL_OK = 0, FILL_ERR = -1, FILL_LIMIT = -2, FILL_BAD = -3 };
#define CHUNKED_PEEK 16384

typedef struct {
    int src, dst;
    int pipe[2];
    size_t inpipe;     /* bytes read from src, not yet written to dst */
    size_t chunk;
    bool eof;          /* nothing more will be read from src */
    bool real_eof;     /* ... because src said so (then dst gets SHUT_WR) */
    bool shut;
    egress_dir_t d;
    uint64_t limit;    /* bytes src may still send; UINT64_MAX for no bound */
    egress_chunked_t *chunked; /* up direction of a chunked request body, else NULL */
} dir_t;

const char *egress_conn_send_up(egress_conn_t *c, const char *buf, size_t len)
{
    if (len == 0)
        return NULL;
    size_t got = egress_budget_reserve(c->px, EGRESS_UP, len);
    if (got < len)
        return "byte_limit"; /* the rest of the budget stays spent: the task hit its limit */
    if (egress_io_write_all(c->px, c->ufd, buf, len) < 0) {
        egress_budget_refund(c->px, EGRESS_UP, len);
        return egress_stopping(c->px) ? "shutdown" : "connect_failed";
    }
    c->bytes[EGRESS_UP] += len;
    return NULL;
}

/* Reads more of the client's first bytes. NULL with *server_first set when
 * the upstream spoke first (or the client closed at once), else a reason. */
static const char *s_first_more(egress_conn_t *c, bool watch_up, bool *server_first)
{
    egress_proxy_t *px = c->px;
    struct pollfd pfd[3] = { { .fd = c->cfd, .events = POLLIN },
                             { .fd = px->stopfd, .events = POLLIN },
                             { .fd = watch_up ? c->ufd : -1, .events = POLLIN } };
    int n = poll(pfd, 3, (int)px->lim.idle_timeout_ms);
    if (n < 0 && errno != EINTR)
        return "shutdown";
    if (n == 0)
        return "idle_timeout";
    if (pfd[1].revents)
        return "shutdown";
    if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        *server_first = pfd[2].revents != 0;
        return NULL;
    }
    ssize_t r = recv(c->cfd, c->buf + c->len, EGRESS_TLS_RECORD_MAX - c->len, 0);
    if (r == 0 && c->len == 0) {
        *server_first = true; /* client closed at once: nothing to inspect */
        return NULL;
    }
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
        return "bad_tls";
    if (r > 0)
        c->len += (size_t)r;
    return NULL;
}

/* Applies the decisions of docs/EGRESS.md to one parse result. */
static const char *s_first_judge(egress_conn_t *c, egress_tls_result_t r, const char *sni)
{
    const egress_head_t *h = &c->head;
    switch (r) {
    case EGRESS_TLS_SNI:
        if (egress_host_equal(sni, h->host))
            return NULL;
        char q[300];
        al_warn("egress.sni_mismatch", "task=%s host=%s sni=%s", c->px->task_id, h->host,
                al_log_quote(q, sizeof q, sni));
        return "sni_mismatch";
    case EGRESS_TLS_NO_SNI:
        return h->kind == EGRESS_HOST_NAME ? "sni_missing" : NULL;
    case EGRESS_TLS_NOT_TLS:
        return h->port == 443 ? "not_tls" : NULL;
    case EGRESS_TLS_MALFORMED:
    case EGRESS_TLS_NEED_MORE:
        break;
    }
    return "bad_tls";
}

const char *egress_tunnel_inspect(egress_conn_t *c)
{
    char sni[256];
    bool server_first = false;
    egress_tls_result_t r;
    while ((r = egress_sni_parse((const uint8_t *)c->buf, c->len, sni, sizeof sni)) ==
           EGRESS_TLS_NEED_MORE) {
        /* Server-first protocols (port != 443) go unchecked once upstream talks. */
        const char *why = s_first_more(c, c->len == 0 && c->head.port != 443, &server_first);
        if (why)
            return why;
        if (server_first)
            return NULL;
    }
    const char *why = s_first_judge(c, r, sni);
    if (why)
        return why;
    why = egress_conn_send_up(c, c->buf, c->len);
    c->len = 0;
    return why;
}

static int s_dir_init(dir_t *x, int src, int dst, egress_dir_t d, uint64_t limit)
{
    *x = (dir_t){ .src = src, .dst = dst, .pipe = { -1, -1 }, .d = d, .limit = limit };
    if (pipe2(x->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    fcntl(x->pipe[1], F_SETPIPE_SZ, PIPE_BYTES);
    int sz = fcntl(x->pipe[1], F_GETPIPE_SZ);
    x->chunk = sz > 0 ? (size_t)sz : 65536;
    x->eof = limit == 0;
    return 0;
}

static void s_dir_fini(dir_t *x)
{
    for (int i = 0; i < 2; i++)
        if (x->pipe[i] >= 0)
            close(x->pipe[i]);
}

/* For a relayed plain request, the status line of the origin's answer, read
 * (peeked) before its first byte is spliced; records it in c->status. */
static void s_status_peek(egress_conn_t *c, const dir_t *x)
{
    char b[12];
    if (x->d != EGRESS_DOWN || c->head.is_connect || c->status || c->bytes[EGRESS_DOWN] ||
        x->inpipe || recv(x->src, b, sizeof b, MSG_PEEK | MSG_DONTWAIT) != (ssize_t)sizeof b)
        return;
    if (memcmp(b, "HTTP/1.", 7) != 0 || b[8] != ' ')
        return;
    int st = 0;
    for (int i = 9; i < 12; i++) {
        if (b[i] < '0' || b[i] > '9')
            return;
        st = st * 10 + (b[i] - '0');
    }
    c->status = st;
}

/* Up direction of a chunked body: the bytes are peeked and scanned first,
 * only those of the body are spliced; a malformed body or bytes after its
 * end (a pipelined request) are FILL_BAD. */
static int s_chunked_fill(egress_conn_t *c, dir_t *x)
{
    char peek[CHUNKED_PEEK];
    ssize_t p = recv(x->src, peek, sizeof peek, MSG_PEEK | MSG_DONTWAIT);
    if (p == 0)
        x->eof = x->real_eof = true;
    if (p <= 0)
        return p == 0 || errno == EAGAIN || errno == EINTR ? FILL_OK : FILL_ERR;
    egress_chunked_t probe = *x->chunked;
    long long body = egress_chunked_feed(&probe, peek, (size_t)p);
    if (body < 0 || (egress_chunked_done(&probe) && body < p))
        return FILL_BAD;
    size_t got = egress_budget_reserve(c->px, x->d, (size_t)body);
    if (got == 0)
        return FILL_LIMIT;
    ssize_t n = splice(x->src, NULL, x->pipe[1], NULL, got, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    egress_budget_refund(c->px, x->d, n > 0 ? got - (size_t)n : got);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? FILL_OK : FILL_ERR;
    x->inpipe += (size_t)n;
    egress_chunked_feed(x->chunked, peek, (size_t)n); /* the same bytes, now consumed */
    x->eof = egress_chunked_done(x->chunked);
    return FILL_OK;
}

static int s_dir_fill(egress_conn_t *c, dir_t *x)
{
    if (x->chunked)
        return s_chunked_fill(c, x);
    s_status_peek(c, x);
    size_t want = x->limit < x->chunk ? (size_t)x->limit : x->chunk;
    if (want == 0) {
        x->eof = true;
        return FILL_OK;
    }
    size_t got = egress_budget_reserve(c->px, x->d, want);
    if (got == 0) {
        char b;
        ssize_t p = recv(x->src, &b, 1, MSG_PEEK | MSG_DONTWAIT);
        if (p == 0)
            x->eof = x->real_eof = true;
        return p > 0 ? FILL_LIMIT : FILL_OK;
    }
    ssize_t n = splice(x->src, NULL, x->pipe[1], NULL, got, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    egress_budget_refund(c->px, x->d, n > 0 ? got - (size_t)n : got);
    if (n > 0) {
        x->inpipe += (size_t)n;
        if (x->limit != UINT64_MAX)
            x->limit -= (uint64_t)n;
    } else if (n == 0) {
        x->eof = x->real_eof = true;
    } else if (errno != EAGAIN && errno != EINTR) {
        return FILL_ERR;
    }
    return FILL_OK;
}

static int s_dir_flush(egress_conn_t *c, dir_t *x)
{
    if (x->inpipe > 0) {
        ssize_t m = splice(x->pipe[0], NULL, x->dst, NULL, x->inpipe,
                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (m < 0 && errno != EAGAIN && errno != EINTR)
            return FILL_ERR;
        if (m > 0) {
            x->inpipe -= (size_t)m;
            c->bytes[x->d] += (uint64_t)m;
        }
    }
    if (x->real_eof && x->inpipe == 0 && !x->shut) {
        shutdown(x->dst, SHUT_WR);
        x->shut = true;
    }
    return FILL_OK;
}

static short s_events(const dir_t *reader, const dir_t *writer)
{
    return (short)((!reader->eof && reader->inpipe == 0 ? POLLIN : 0) |
                   (writer->inpipe > 0 ? POLLOUT : 0));
}

/* One poll round. NULL to go on, else the final reason. */
static const char *s_relay_step(egress_conn_t *c, dir_t *up, dir_t *down)
{
    egress_proxy_t *px = c->px;
    short ce = s_events(up, down), ue = s_events(down, up);
    struct pollfd pfd[3] = { { .fd = px->stopfd, .events = POLLIN },
                             { .fd = ce ? c->cfd : -1, .events = ce },
                             { .fd = ue ? c->ufd : -1, .events = ue } };
    int n = poll(pfd, 3, (int)px->lim.idle_timeout_ms);
    if (n < 0)
        return errno == EINTR ? NULL : "allowed";
    if (n == 0)
        return "allowed"; /* idle: the connection simply ends */
    if (pfd[0].revents)
        return "shutdown";
    dir_t *dirs[2] = { up, down };
    short rev[2] = { pfd[1].revents, pfd[2].revents }; /* src of up is cfd, of down ufd */
    for (int i = 0; i < 2; i++) {
        dir_t *x = dirs[i];
        int rc = FILL_OK;
        if (!x->eof && x->inpipe == 0 && (rev[i] & (POLLIN | POLLHUP | POLLERR)))
            rc = s_dir_fill(c, x);
        if (rc == FILL_LIMIT)
            return "byte_limit";
        if (rc == FILL_BAD)
            return "bad_request";
        if (rc == FILL_OK)
            rc = s_dir_flush(c, x);
        if (rc != FILL_OK)
            return "allowed"; /* a peer reset or vanished: the stream is over */
    }
    return NULL;
}

const char *egress_relay_run(egress_conn_t *c, uint64_t up_limit)
{
    dir_t up, down;
    const char *why = NULL;
    int a = s_dir_init(&up, c->cfd, c->ufd, EGRESS_UP, up_limit);
    int b = s_dir_init(&down, c->ufd, c->cfd, EGRESS_DOWN, UINT64_MAX);
    if (c->head.chunked && !c->head.is_connect && up_limit != 0)
        up.chunked = &c->chunked;
    if (a < 0 || b < 0) {
        al_log_errno(AL_LOG_ERROR, "egress.pipe_failed", "task=%s", c->px->task_id);
        why = "shutdown";
    }
    while (!why) {
        if (up.eof && down.eof && up.inpipe == 0 && down.inpipe == 0)
            why = "allowed";
        else
            why = s_relay_step(c, &up, &down);
    }
    s_dir_fini(&up);
    s_dir_fini(&down);
    return why;
}
