/*
 * conn.c: one client connection of the egress proxy, from the request head
 * to the end of the relay: read the head (bounded size and time), parse it,
 * check token, allowlist, byte budget and rate, open the upstream, then either
 * tunnel (CONNECT) or forward one rewritten plain-HTTP request. Exactly one
 * event per connection. Owns c->cfd, c->ufd and c->buf until the thread ends;
 * the egress_conn_t itself belongs to the proxy's slot.
 */
#include "worker/egress/egress_priv.h"

#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "worker/egress/sni.h"

static const char *s_status_text(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    }
    return "Error";
}

/* Answers an error status whose body names the reason, and records it. */
static const char *s_refuse(egress_conn_t *c, int status, const char *reason)
{
    char resp[600], body[320];
    int bl = snprintf(body, sizeof body, "airlock egress: %s %s\n", reason, c->head.host);
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                     "Connection: close\r\n%s\r\n%s",
                     status, s_status_text(status), bl,
                     status == 407 ? "Proxy-Authenticate: Basic realm=\"airlock-egress\"\r\n" : "",
                     body);
    c->status = status;
    c->reason = reason;
    c->allowed = false;
    if (egress_io_write_all(c->px, c->cfd, resp, (size_t)n) < 0)
        c->status = 0;
    return reason;
}

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads until the blank line; the whole head must arrive within the idle
 * timeout (a slowloris client trickling bytes gets 408). */
static const char *s_head_read(egress_conn_t *c)
{
    egress_proxy_t *px = c->px;
    int64_t deadline = s_now_ms() + px->lim.idle_timeout_ms;
    while (!egress_head_complete(c->buf, c->len, &c->head.head_len)) {
        if (c->len >= px->lim.max_head_bytes)
            return s_refuse(c, 431, "bad_request");
        int64_t left = deadline - s_now_ms();
        int w = left > 0 ? egress_io_wait(px, c->cfd, POLLIN, (int)left) : 0;
        if (w == 0)
            return s_refuse(c, 408, "idle_timeout");
        if (w < 0)
            return c->reason = egress_stopping(px) ? "shutdown" : "bad_request";
        ssize_t n = recv(c->cfd, c->buf + c->len, px->lim.max_head_bytes - c->len, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            return c->reason = "bad_request"; /* closed or reset before a full head */
        if (n > 0)
            c->len += (size_t)n;
    }
    return NULL;
}

/* Token, rate, allowlist, byte budget, upstream: the checks in the order they apply. */
static const char *s_policy(egress_conn_t *c)
{
    egress_proxy_t *px = c->px;
    egress_head_t *h = &c->head;
    int rc = h->token[0] ? egress_token_check(px->key, px->keylen, px->task_id, h->token,
                                              time(NULL))
                         : AL_EPOLICY;
    if (rc < 0) {
        al_debug("egress.bad_token", "task=%s why=%s", px->task_id,
                 h->token[0] ? al_err_name(rc) : "absent");
        return s_refuse(c, 407, "bad_token");
    }
    /* Every authenticated attempt, allowed or not, spends a token: probing
     * many hosts is as rate-limited as connecting to one. */
    if (!egress_rate_take(px))
        return s_refuse(c, 429, "rate_limited");
    if (!egress_allowlist_match(px->allow, h->host, h->kind))
        return s_refuse(c, 403, h->kind == EGRESS_HOST_IP ? "ip_literal" : "host_not_allowed");
    if (egress_budget_exhausted(px))
        return s_refuse(c, 403, "byte_limit");
    const char *why = egress_upstream_open(c);
    if (why)
        return egress_stopping(px) ? (c->reason = "shutdown") : s_refuse(c, 502, why);
    return NULL;
}

/* How many of the bytes that came with the head are body: for a chunked
 * body they are scanned (c->chunked goes on in the relay); anything after a
 * complete body is a pipelined request. -1 when they must be refused. */
static long long s_body_prefix(egress_conn_t *c, uint64_t body)
{
    size_t extra = c->len - c->head.head_len;
    if (!c->head.chunked)
        return (long long)(body < extra ? body : extra);
    egress_chunked_init(&c->chunked);
    long long n = egress_chunked_feed(&c->chunked, c->buf + c->head.head_len, extra);
    return n < 0 || (size_t)n < extra ? -1 : n;
}

static const char *s_plain(egress_conn_t *c)
{
    egress_head_t *h = &c->head;
    uint64_t body = h->chunked ? UINT64_MAX : h->content_length > 0 ? (uint64_t)h->content_length : 0;
    long long first_body = s_body_prefix(c, body);
    if (first_body < 0) /* before anything went upstream */
        return s_refuse(c, 400, "bad_request");
    size_t cap = c->px->lim.max_head_bytes + 512, out_len = 0;
    char *out = malloc(cap);
    const char *why = NULL;
    if (!out)
        return "shutdown";
    if (egress_head_rewrite(c->buf, h, out, cap, &out_len) < 0)
        why = s_refuse(c, 431, "bad_request");
    else
        why = egress_conn_send_up(c, out, out_len);
    free(out);
    size_t first = (size_t)first_body;
    if (!why && first > 0)
        why = egress_conn_send_up(c, c->buf + h->head_len, first);
    if (h->chunked)   /* the relay scans the rest; nothing when it all came with the head */
        body = egress_chunked_done(&c->chunked) ? 0 : UINT64_MAX;
    else
        body -= first;
    if (why && c->status == 0 && c->bytes[EGRESS_UP] == 0) /* nothing sent yet: answer */
        return s_refuse(c, strcmp(why, "byte_limit") == 0 ? 403 : 502, why);
    return why ? why : egress_relay_run(c, body);
}

static const char *s_connect(egress_conn_t *c)
{
    static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    if (egress_io_write_all(c->px, c->cfd, ok, sizeof ok - 1) < 0)
        return "bad_request";
    c->status = 200;
    c->len -= c->head.head_len;
    memmove(c->buf, c->buf + c->head.head_len, c->len);
    const char *why = egress_tunnel_inspect(c);
    return why ? why : egress_relay_run(c, UINT64_MAX);
}

static const char *s_handle(egress_conn_t *c)
{
    const char *why = s_head_read(c);
    if (why)
        return why;
    if (egress_head_parse(c->buf, c->head.head_len, &c->head) < 0) {
        char q[200];
        al_debug("egress.bad_request", "task=%s why=%s", c->px->task_id,
                 al_log_quote(q, sizeof q, al_err_msg()));
        c->head.method[0] = c->head.host[0] = '\0';
        c->head.port = 0;
        return s_refuse(c, 400, "bad_request");
    }
    why = s_policy(c);
    if (why)
        return why;
    c->allowed = true;
    return c->head.is_connect ? s_connect(c) : s_plain(c);
}

/* Drains what the client already sent so close() does not reset the answer. */
static void s_drain(int fd)
{
    char sink[4096];
    for (int i = 0; i < 16 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++)
        ;
}

void *egress_conn_main(void *arg)
{
    egress_conn_t *c = arg;
    egress_proxy_t *px = c->px;
    size_t cap = px->lim.max_head_bytes > EGRESS_TLS_RECORD_MAX ? px->lim.max_head_bytes
                                                                 : EGRESS_TLS_RECORD_MAX;
    c->buf = malloc(cap);
    c->cap = cap;
    const char *why = c->buf ? s_handle(c) : "shutdown";
    /* Before the client can see the end on this path: a client that reconnects
     * at once finds the slot counted free. */
    egress_conn_done(px);
    c->reason = why;
    /* A tunnel the policy let through stays allowed when the task's end cuts it. */
    c->allowed = c->allowed && (strcmp(why, "allowed") == 0 || strcmp(why, "shutdown") == 0);
    if (c->ufd >= 0)
        close(c->ufd);
    /* Recorded before the sandbox sees the close: an observed end has its event. */
    egress_event_emit(px, c);
    shutdown(c->cfd, SHUT_WR);
    s_drain(c->cfd);
    close(c->cfd);
    c->cfd = c->ufd = -1;
    pthread_mutex_lock(&px->mu);
    px->slots[c->slot].state = SLOT_FINISHED;
    pthread_mutex_unlock(&px->mu);
    return NULL;
}
