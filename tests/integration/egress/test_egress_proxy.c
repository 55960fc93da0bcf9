/*
 * test_egress_proxy.c: the egress proxy against a real HTTP server on the
 * host's loopback, reached through the proxy's unix socket (the test plays the
 * sandbox). Every refusal is checked twice: the status the sandbox sees and
 * the event the proxy records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clienthello.h"
#include "common/error.h"
#include "egress_fixture.h"

static char s_resp[1 << 21];

/* Waits for event number n (1-based) and checks it. */
static const fx_event_t *s_event(fx_t *f, int n, const char *reason, bool allowed, int status)
{
    assert_true(fx_wait_events(f, n) >= n);
    const fx_event_t *e = &f->ev[n - 1];
    if (strcmp(e->reason, reason) != 0 || e->allowed != allowed || e->status != status)
        fail_msg("event %d: reason=%s allowed=%d status=%d, expected %s %d %d", n, e->reason,
                 e->allowed, e->status, reason, allowed, status);
    return e;
}

static void s_get(fx_t *f, const char *url, const char *extra)
{
    char req[1024];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: ignored\r\n%s%s\r\n", url, f->auth,
             extra ? extra : "");
    fx_request(f, req, s_resp, sizeof s_resp);
}

static int s_status(void)
{
    int st = 0;
    sscanf(s_resp, "HTTP/1.1 %d", &st);
    return st;
}

/* Opens a CONNECT tunnel; returns the fd with the 200 consumed, or -1 with the status in *st. */
static int s_tunnel(fx_t *f, const char *authority, int *st)
{
    char req[512], head[2048];
    int fd = fx_connect(f);
    assert_true(fd >= 0);
    snprintf(req, sizeof req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", authority, authority,
             f->auth);
    fx_send(fd, req, strlen(req));
    *st = fx_read_head(fd, head, sizeof head);
    if (*st == 200)
        return fd;
    close(fd);
    return -1;
}

static void test_get_allowed(void **state)
{
    fx_t *f = fx_alloc();
    fx_start(f, NULL);
    s_get(f, "http://Allowed.Test/hello", "Proxy-Connection: keep-alive\r\n");
    assert_int_equal(s_status(), 200);
    assert_non_null(strstr(s_resp, "\r\n\r\nhello"));
    const char *head = f->srv.last_head;
    assert_memory_equal(head, "GET /hello HTTP/1.1\r\n", 21);
    assert_null(strcasestr(head, "Proxy-"));
    assert_non_null(strstr(head, "Host: allowed.test\r\n"));
    assert_null(strstr(head, "Host: ignored"));
    assert_non_null(strstr(head, "Connection: close\r\n"));
    const fx_event_t *e = s_event(f, 1, "allowed", true, 200);
    assert_string_equal(e->method, "GET");
    assert_string_equal(e->host, "allowed.test");
    assert_int_equal(e->port, 80);
    assert_true(e->up > 0 && e->down > strlen("hello"));
    /* wildcard entry, and a listed IP literal */
    s_get(f, "http://x.wild.test/hello", NULL);
    assert_int_equal(s_status(), 200);
    s_event(f, 2, "allowed", true, 200);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hello", f->srv.port);
    s_get(f, url, NULL);
    assert_int_equal(s_status(), 200);
    s_event(f, 3, "allowed", true, 200);
    s_get(f, "http://allowed.test/missing", NULL); /* the origin's own status is recorded */
    assert_int_equal(s_status(), 404);
    s_event(f, 4, "allowed", true, 404);
    fx_stop(f);
}

static void test_post_body(void **state)
{
    fx_t *f = fx_alloc();
    fx_start(f, NULL);
    char req[1024];
    snprintf(req, sizeof req, "POST http://allowed.test/echo HTTP/1.1\r\n%sContent-Length: 11\r\n"
             "\r\nhello world", f->auth);
    fx_request(f, req, s_resp, sizeof s_resp);
    assert_int_equal(s_status(), 200);
    assert_non_null(strstr(s_resp, "\r\n\r\nhello world"));
    s_event(f, 1, "allowed", true, 200);
    fx_stop(f);
}

/* One request, then the client's write side closed; the whole answer. */
static void s_request_half_close(fx_t *f, const char *req)
{
    int fd = fx_connect(f);
    assert_true(fd >= 0);
    fx_send(fd, req, strlen(req));
    shutdown(fd, SHUT_WR);
    fx_read_all(fd, s_resp, sizeof s_resp);
    close(fd);
}

/* A chunked body is forwarded up to its last chunk and no further: a second
 * request pipelined behind it (which would reach the origin without the
 * Host rewrite and the policy) is refused, and the origin never sees it. */
static void test_chunked_pipelining_refused(void **state)
{
    fx_t *f = fx_alloc();
    fx_start(f, NULL);
    char req[1024];
    const char *body = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
    snprintf(req, sizeof req, "POST http://allowed.test/sink HTTP/1.1\r\n%sTransfer-Encoding: chunked\r\n"
             "\r\n%s", f->auth, body);
    fx_request(f, req, s_resp, sizeof s_resp);
    assert_int_equal(s_status(), 200);
    assert_string_equal(f->srv.last_body, body);
    s_event(f, 1, "allowed", true, 200);
    /* the same body with a request behind it, in one piece with the head:
     * refused before anything goes upstream */
    snprintf(req, sizeof req, "POST http://allowed.test/sink HTTP/1.1\r\n%sTransfer-Encoding: chunked\r\n"
             "\r\n%sGET http://other.test/admin HTTP/1.1\r\nHost: other.test\r\n\r\n", f->auth, body);
    s_request_half_close(f, req);
    assert_int_equal(s_status(), 400);
    s_event(f, 2, "bad_request", false, 400);
    /* ... and after the head reached the origin: the relay cuts the stream at
     * the end of the body, the origin never sees the second request */
    snprintf(req, sizeof req, "POST http://allowed.test/sink HTTP/1.1\r\n%sTransfer-Encoding: chunked\r\n"
             "\r\n", f->auth);
    int fd = fx_connect(f);
    assert_true(fd >= 0);
    fx_send(fd, req, strlen(req));
    assert_int_equal(fx_server_wait_requests(&f->srv, 2), 2);
    snprintf(req, sizeof req, "%sGET http://other.test/admin HTTP/1.1\r\nHost: other.test\r\n\r\n", body);
    fx_send(fd, req, strlen(req));
    shutdown(fd, SHUT_WR);
    fx_read_all(fd, s_resp, sizeof s_resp);
    close(fd);
    s_event(f, 3, "bad_request", false, 0);
    assert_int_equal(fx_server_wait_sinks(&f->srv, 2), 2);
    pthread_mutex_lock(&f->srv.mu);
    assert_null(strstr(f->srv.last_body, "GET"));
    assert_null(strstr(f->srv.last_body, "other.test"));
    pthread_mutex_unlock(&f->srv.mu);
    /* malformed chunked bodies (bare LF, bad size, obs-fold trailer) never reach the origin */
    const char *bad[] = { "5\nhello\r\n0\r\n\r\n", "zz\r\n", "0\r\n folded\r\n\r\n" };
    for (int i = 0; i < 3; i++) {
        snprintf(req, sizeof req, "POST http://allowed.test/sink HTTP/1.1\r\n%sTransfer-Encoding: chunked\r\n"
                 "\r\n%s", f->auth, bad[i]);
        s_request_half_close(f, req);
        assert_int_equal(s_status(), 400);
        s_event(f, 4 + i, "bad_request", false, 400);
    }
    pthread_mutex_lock(&f->srv.mu);
    assert_int_equal(f->srv.requests, 2);
    pthread_mutex_unlock(&f->srv.mu);
    fx_stop(f);
}

static void test_connect_allowed_plain_and_half_close(void **state)
{
    fx_t *f = fx_alloc();
    fx_start(f, NULL);
    int st = 0;
    int fd = s_tunnel(f, "allowed.test:8080", &st);
    assert_int_equal(st, 200);
    const char get[] = "GET /hello HTTP/1.1\r\nHost: allowed.test\r\n\r\n";
    fx_send(fd, get, sizeof get - 1);
    shutdown(fd, SHUT_WR); /* half-close: the answer must still come back */
    fx_read_all(fd, s_resp, sizeof s_resp);
    close(fd);
    assert_non_null(strstr(s_resp, "\r\n\r\nhello"));
    const fx_event_t *e = s_event(f, 1, "allowed", true, 200);
    assert_string_equal(e->method, "CONNECT");
    assert_int_equal(e->port, 8080);
    assert_int_equal(e->up, sizeof get - 1);
    fx_stop(f);
}

/* Sends `data` as the first bytes of a tunnel to allowed.test:443, then
 * half-closes; returns how many bytes came back (the server echoes TLS). */
static size_t s_tunnel_first(fx_t *f, const void *data, size_t n)
{
    int st = 0;
    int fd = s_tunnel(f, "allowed.test:443", &st);
    assert_int_equal(st, 200);
    fx_send(fd, data, n);
    shutdown(fd, SHUT_WR);
    size_t got = fx_read_all(fd, s_resp, sizeof s_resp);
    close(fd);
    return got;
}

static void test_connect_server_first(void **state)
{
    fx_t *f = fx_alloc();
    fx_start(f, NULL);
    int st = 0;
    char buf[64];
    /* the upstream talks first: the proxy must relay without client bytes */
    int fd = s_tunnel(f, "banner.test:25", &st);
    assert_int_equal(st, 200);
    size_t got = 0;
    while (got < 18) {
        ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_memory_equal(buf, "220 airlock-test\r\n", 18);
    fx_send(fd, "QUIT\r\n", 6);
    shutdown(fd, SHUT_WR);
    assert_int_equal(fx_read_all(fd, s_resp, sizeof s_resp), 6);
    assert_string_equal(s_resp, "QUIT\r\n");
    close(fd);
    const fx_event_t *e = s_event(f, 1, "allowed", true, 200);
    assert_int_equal(e->up, 6);
    assert_int_equal(e->down, 24);
    /* on 443 the proxy waits for the client's ClientHello whatever the server says */
    fd = s_tunnel(f, "banner.test:443", &st);
    fx_send(fd, "QUIT\r\n", 6);
    assert_int_equal(fx_read_all(fd, s_resp, sizeof s_resp), 0);
    close(fd);
    s_event(f, 2, "not_tls", false, 200);
    fx_stop(f);
}

static void test_connect_tls_sni(void **state)
{
    fx_t *f = fx_alloc();
    fx_start(f, NULL);
    static uint8_t hello[4096];
    /* matching SNI (case-insensitive): forwarded, the server echoes it */
    size_t n = test_client_hello(hello, sizeof hello, "ALLOWED.test");
    assert_int_equal(s_tunnel_first(f, hello, n), n);
    assert_memory_equal(s_resp, hello, n);
    s_event(f, 1, "allowed", true, 200);
    /* mismatch: closed, nothing reaches the server */
    n = test_client_hello(hello, sizeof hello, "evil.test");
    assert_int_equal(s_tunnel_first(f, hello, n), 0);
    const fx_event_t *e = s_event(f, 2, "sni_mismatch", false, 200);
    assert_int_equal(e->up, 0);
    /* no SNI to a host name: refused */
    n = test_client_hello(hello, sizeof hello, NULL);
    assert_int_equal(s_tunnel_first(f, hello, n), 0);
    s_event(f, 3, "sni_missing", false, 200);
    /* not TLS on 443: refused */
    assert_int_equal(s_tunnel_first(f, "GET /hello HTTP/1.1\r\n\r\n", 23), 0);
    s_event(f, 4, "not_tls", false, 200);
    /* a real OpenSSL client's first flight: matching passes, mismatching is cut */
    n = test_client_hello_openssl(hello, sizeof hello, "allowed.test");
    assert_true(n > 0);
    assert_int_equal(s_tunnel_first(f, hello, n), n);
    s_event(f, 5, "allowed", true, 200);
    n = test_client_hello_openssl(hello, sizeof hello, "evil.test");
    assert_int_equal(s_tunnel_first(f, hello, n), 0);
    s_event(f, 6, "sni_mismatch", false, 200);
    pthread_mutex_lock(&f->srv.mu);
    assert_int_equal(f->srv.tls_records, 2);
    assert_int_equal(f->srv.requests, 0);
    pthread_mutex_unlock(&f->srv.mu);
    fx_stop(f);
}

static void test_refusals(void **state)
{
    fx_t *f = fx_alloc();
    fx_start(f, NULL);
    int st = 0, n = 0;
    s_get(f, "http://evil.test/hello", NULL);
    assert_int_equal(s_status(), 403);
    assert_non_null(strstr(s_resp, "host_not_allowed evil.test"));
    s_event(f, ++n, "host_not_allowed", false, 403);
    assert_int_equal(s_tunnel(f, "allowed.test.evil.test:443", &st), -1);
    assert_int_equal(st, 403);
    s_event(f, ++n, "host_not_allowed", false, 403);
    assert_int_equal(s_tunnel(f, "wild.test:443", &st), -1); /* *.x never matches x */
    s_event(f, ++n, "host_not_allowed", false, 403);
    const char *literals[] = { "127.0.0.3:80", "2130706433:80", "[::1]:80", "0x7f.1:80" };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(s_tunnel(f, literals[i], &st), -1);
        assert_int_equal(st, 403);
        s_event(f, ++n, "ip_literal", false, 403);
    }
    s_get(f, "http://2130706433/hello", NULL);
    assert_int_equal(s_status(), 403);
    assert_non_null(strstr(s_resp, "ip_literal"));
    s_event(f, ++n, "ip_literal", false, 403);
    /* allowed name that resolves into loopback without an override */
    s_get(f, "http://localhost/hello", NULL);
    assert_int_equal(s_status(), 502);
    s_event(f, ++n, "private_address", false, 502);
    s_get(f, "http://dead.test/hello", NULL);
    assert_int_equal(s_status(), 502);
    s_event(f, ++n, "connect_failed", false, 502);
    pthread_mutex_lock(&f->srv.mu);
    assert_int_equal(f->srv.requests, 0);
    pthread_mutex_unlock(&f->srv.mu);
    fx_stop(f);
}

static void test_bad_tokens(void **state)
{
    fx_t *f = fx_alloc();
    fx_start(f, NULL);
    char tok[EGRESS_TOKEN_MAX], hdr[256], req[512];
    unsigned char other_key[32] = { 1 };
    const char *cases[4];
    char bufs[4][256];
    assert_int_equal(egress_token_make_at(FX_KEY, sizeof FX_KEY, FX_TASK, time(NULL) - 100, 10,
                                          tok, sizeof tok), 0);
    fx_auth_header(tok, bufs[0], sizeof bufs[0]); /* expired */
    assert_int_equal(egress_token_make(FX_KEY, sizeof FX_KEY, "task-other", 600, tok, sizeof tok), 0);
    fx_auth_header(tok, bufs[1], sizeof bufs[1]); /* other task */
    assert_int_equal(egress_token_make(other_key, sizeof other_key, FX_TASK, 600, tok, sizeof tok), 0);
    fx_auth_header(tok, bufs[2], sizeof bufs[2]); /* other key */
    snprintf(bufs[3], sizeof bufs[3], "Proxy-Authorization: Basic !!!!\r\n");
    for (int i = 0; i < 4; i++)
        cases[i] = bufs[i];
    for (int i = 0; i < 5; i++) {
        snprintf(hdr, sizeof hdr, "%s", i < 4 ? cases[i] : ""); /* 4: no header at all */
        snprintf(req, sizeof req, "GET http://allowed.test/hello HTTP/1.1\r\n%s\r\n", hdr);
        fx_request(f, req, s_resp, sizeof s_resp);
        assert_int_equal(s_status(), 407);
        assert_non_null(strstr(s_resp, "\r\nProxy-Authenticate: Basic realm="));
        s_event(f, i + 1, "bad_token", false, 407);
    }
    pthread_mutex_lock(&f->srv.mu);
    assert_int_equal(f->srv.requests, 0);
    pthread_mutex_unlock(&f->srv.mu);
    fx_stop(f);
}

static void test_rate_limit(void **state)
{
    fx_t *f = fx_alloc();
    /* burst of 2, then one token per 1000 s: the third attempt is refused */
    egress_limits_t lim = { .conn_rate_per_s = 0.001, .conn_burst = 2 };
    fx_start(f, &lim);
    s_get(f, "http://allowed.test/hello", NULL);
    assert_int_equal(s_status(), 200);
    s_event(f, 1, "allowed", true, 200);
    s_get(f, "http://evil.test/hello", NULL); /* a refused attempt spends a token too */
    assert_int_equal(s_status(), 403);
    s_event(f, 2, "host_not_allowed", false, 403);
    s_get(f, "http://allowed.test/hello", NULL);
    assert_int_equal(s_status(), 429);
    assert_non_null(strstr(s_resp, "rate_limited"));
    s_event(f, 3, "rate_limited", false, 429);
    int st = 0;
    assert_int_equal(s_tunnel(f, "allowed.test:443", &st), -1);
    assert_int_equal(st, 429);
    s_event(f, 4, "rate_limited", false, 429);
    fx_stop(f);
}

typedef struct {
    fx_t *f;
    int ok;
} par_t;

static void *s_par_client(void *arg)
{
    par_t *p = arg;
    char req[512], *resp = malloc(4096);
    snprintf(req, sizeof req, "GET http://allowed.test/hello HTTP/1.1\r\n%s\r\n", p->f->auth);
    for (int i = 0; i < 25; i++) {
        fx_request(p->f, req, resp, 4096);
        p->ok += strstr(resp, "\r\n\r\nhello") != NULL;
    }
    free(resp);
    return NULL;
}

static void test_parallel_clients(void **state)
{
    fx_t *f = fx_alloc();
    /* Room for every connection at once: a finished connection's thread may
     * still count as active when its client starts the next one (under load
     * the connection limit, tested on its own, would refuse it). */
    egress_limits_t lim = { .conn_rate_per_s = 1e6, .conn_burst = 1000, .max_conns = 256 };
    fx_start(f, &lim);
    pthread_t t[8];
    par_t p[8];
    for (int i = 0; i < 8; i++) {
        p[i] = (par_t){ f, 0 };
        pthread_create(&t[i], NULL, s_par_client, &p[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(p[i].ok, 25);
    }
    assert_int_equal(fx_wait_events(f, 200), 200);
    for (int i = 0; i < 200; i++)
        assert_string_equal(f->ev[i].reason, "allowed");
    fx_stop(f);
}

static void test_byte_limit(void **state)
{
    fx_t *f = fx_alloc();
    egress_limits_t lim = { .max_bytes_down = 100000 };
    fx_start(f, &lim);
    s_get(f, "http://allowed.test/big/1000000", NULL);
    size_t got = strlen(s_resp);
    assert_int_equal(s_status(), 200);
    assert_true(got <= 100000);
    const fx_event_t *e = s_event(f, 1, "byte_limit", false, 200);
    assert_true(e->down <= 100000);
    /* the task's budget is spent: the next attempt is refused up front */
    s_get(f, "http://allowed.test/hello", NULL);
    assert_int_equal(s_status(), 403);
    s_event(f, 2, "byte_limit", false, 403);
    fx_stop(f);
}

static void test_byte_limit_up(void **state)
{
    fx_t *f = fx_alloc();
    egress_limits_t lim = { .max_bytes_up = 300 };
    fx_start(f, &lim);
    /* the head fits, the body does not: cut after the head, nothing answered */
    static char req[8192];
    int n = snprintf(req, sizeof req, "POST http://allowed.test/echo HTTP/1.1\r\n%s"
                     "Content-Length: 4000\r\n\r\n", f->auth);
    memset(req + n, 'b', 4000);
    req[n + 4000] = '\0';
    fx_request(f, req, s_resp, sizeof s_resp);
    const fx_event_t *e = s_event(f, 1, "byte_limit", false, 0);
    assert_true(e->up <= 300);
    assert_null(strstr(s_resp, "bbbb")); /* the origin never echoed the body */
    /* budget spent: refused up front with an answer */
    s_get(f, "http://allowed.test/hello", NULL);
    assert_int_equal(s_status(), 403);
    assert_non_null(strstr(s_resp, "byte_limit"));
    s_event(f, 2, "byte_limit", false, 403);
    fx_stop(f);
}

static void test_malformed_and_oversize(void **state)
{
    fx_t *f = fx_alloc();
    fx_start(f, NULL);
    fx_request(f, "GET /relative HTTP/1.1\r\n\r\n", s_resp, sizeof s_resp);
    assert_int_equal(s_status(), 400);
    s_event(f, 1, "bad_request", false, 400);
    fx_request(f, "\x16\x03\x01garbage\r\n\r\n", s_resp, sizeof s_resp);
    assert_int_equal(s_status(), 400);
    s_event(f, 2, "bad_request", false, 400);
    char *big = malloc(20000);
    memset(big, 'a', 20000);
    memcpy(big, "GET http://allowed.test/ HTTP/1.1\r\nX: ", 38);
    big[19999] = '\0';
    fx_request(f, big, s_resp, sizeof s_resp);
    free(big);
    assert_int_equal(s_status(), 431);
    s_event(f, 3, "bad_request", false, 431);
    fx_stop(f);
}

static void test_slowloris(void **state)
{
    fx_t *f = fx_alloc();
    egress_limits_t lim = { .idle_timeout_ms = 300 };
    fx_start(f, &lim);
    int fd = fx_connect(f);
    fx_send(fd, "GET http://allowed.test/hello HTTP/1.1\r\n", 40); /* and never the rest */
    fx_read_all(fd, s_resp, sizeof s_resp);
    close(fd);
    assert_int_equal(s_status(), 408);
    s_event(f, 1, "idle_timeout", false, 408);
    fx_stop(f);
}

static void test_conn_limit(void **state)
{
    fx_t *f = fx_alloc();
    egress_limits_t lim = { .max_conns = 2 };
    fx_start(f, &lim);
    int st = 0;
    int a = s_tunnel(f, "allowed.test:8080", &st);
    int b = s_tunnel(f, "allowed.test:8080", &st);
    assert_true(a >= 0 && b >= 0);
    fx_request(f, "GET http://allowed.test/hello HTTP/1.1\r\n\r\n", s_resp, sizeof s_resp);
    assert_int_equal(s_status(), 503);
    s_event(f, 1, "conn_limit", false, 503);
    close(a);
    close(b);
    assert_int_equal(fx_wait_events(f, 3), 3);
    fx_stop(f);
}

static void test_destroy_cuts_live_tunnels(void **state)
{
    fx_t *f = fx_alloc();
    fx_start(f, NULL);
    int st = 0;
    int fd = s_tunnel(f, "allowed.test:8080", &st);
    assert_int_equal(st, 200);
    const char hold[] = "GET /hold HTTP/1.1\r\n\r\n";
    fx_send(fd, hold, sizeof hold - 1);
    int idle = fx_connect(f); /* a second client that never speaks */
    egress_proxy_destroy(&f->px);
    assert_int_equal(fx_read_all(fd, s_resp, sizeof s_resp), 0);
    /* cut in its head read (nothing) or still in the backlog (a 503) */
    if (fx_read_all(idle, s_resp, sizeof s_resp) > 0)
        assert_memory_equal(s_resp, "HTTP/1.1 503", 12);
    close(fd);
    close(idle);
    assert_int_equal(fx_wait_events(f, 2), 2);
    assert_string_equal(f->ev[0].reason, "shutdown");
    assert_string_equal(f->ev[1].reason, "shutdown");
    for (int i = 0; i < 2; i++) /* the tunnel had been let through; the idle client never was */
        assert_int_equal(f->ev[i].allowed, strcmp(f->ev[i].method, "CONNECT") == 0);
    fx_stop(f);
}

static void test_corpus_and_fd_leaks(void **state)
{
    int fds_start = fx_count_fds();
    fx_t *f = fx_alloc();
    fx_start(f, NULL);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    DIR *d = opendir(AIRLOCK_SOURCE_DIR "/tests/corpus/egress");
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, AIRLOCK_SOURCE_DIR "/tests/corpus/egress/%s", e->d_name);
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        static char data[1 << 16];
        size_t n = fread(data, 1, sizeof data, fp);
        fclose(fp);
        int fd = fx_connect(f);
        fx_send(fd, data, n);
        shutdown(fd, SHUT_WR);
        fx_read_all(fd, s_resp, sizeof s_resp);
        close(fd);
        if (s_resp[0] && strncmp(s_resp, "HTTP/1.1 4", 10) != 0)
            fail_msg("corpus %s: answer %.40s", e->d_name, s_resp);
        files++;
    }
    closedir(d);
    assert_true(files >= 10);
    assert_int_equal(fx_wait_events(f, files), files);
    for (int i = 0; i < files; i++)
        assert_false(f->ev[i].allowed);
    s_get(f, "http://allowed.test/hello", NULL); /* still serving */
    assert_int_equal(s_status(), 200);
    fx_stop(f);
    assert_int_equal(fx_count_fds(), fds_start);
}

static void test_bad_config(void **state)
{
    egress_proxy_t *px = (egress_proxy_t *)1;
    egress_config_t cfg = EGRESS_CONFIG_INIT;
    char dir[] = "/tmp/airlock-egress-cfg-XXXXXX", path[96];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/not-a-socket", dir);
    FILE *fp = fopen(path, "w");
    fclose(fp);
    assert_int_equal(egress_proxy_new(&px, &cfg), AL_ECONFIG);
    assert_null(px);
    cfg.task_id = FX_TASK;
    cfg.token_key = FX_KEY;
    cfg.token_key_len = 8;
    cfg.socket_path = path;
    assert_int_equal(egress_proxy_new(&px, &cfg), AL_ECONFIG);
    assert_non_null(strstr(al_err_msg(), "token_key"));
    cfg.token_key_len = sizeof FX_KEY;
    assert_int_equal(egress_proxy_new(&px, &cfg), AL_EEXISTS);
    const char *bad_allow[] = { "ok.test", "bad host" };
    cfg.allowlist = bad_allow;
    cfg.allowlist_len = 2;
    snprintf(path, sizeof path, "%s/egress.sock", dir);
    assert_int_equal(egress_proxy_new(&px, &cfg), AL_EINVAL);
    assert_non_null(strstr(al_err_msg(), "allowlist[1]"));
    assert_int_equal(access(path, F_OK), -1);
    cfg.allowlist_len = 0; /* no allowlist: everything is refused */
    assert_int_equal(egress_proxy_new(&px, &cfg), 0);
    fx_t probe = { .px = px };
    char token[EGRESS_TOKEN_MAX], req[512];
    snprintf(probe.path, sizeof probe.path, "%s", path);
    assert_int_equal(egress_token_make(FX_KEY, sizeof FX_KEY, FX_TASK, 60, token, sizeof token), 0);
    fx_auth_header(token, probe.auth, sizeof probe.auth);
    snprintf(req, sizeof req, "CONNECT allowed.test:443 HTTP/1.1\r\n%s\r\n", probe.auth);
    fx_request(&probe, req, s_resp, sizeof s_resp);
    assert_int_equal(s_status(), 403);
    assert_non_null(strstr(s_resp, "host_not_allowed"));
    egress_proxy_destroy(&px);
    egress_proxy_destroy(&px);
    snprintf(path, sizeof path, "%s/not-a-socket", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_allowed),
        cmocka_unit_test(test_post_body),
        cmocka_unit_test(test_chunked_pipelining_refused),
        cmocka_unit_test(test_connect_allowed_plain_and_half_close),
        cmocka_unit_test(test_connect_server_first),
        cmocka_unit_test(test_connect_tls_sni),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_bad_tokens),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_parallel_clients),
        cmocka_unit_test(test_byte_limit),
        cmocka_unit_test(test_byte_limit_up),
        cmocka_unit_test(test_malformed_and_oversize),
        cmocka_unit_test(test_slowloris),
        cmocka_unit_test(test_conn_limit),
        cmocka_unit_test(test_destroy_cuts_live_tunnels),
        cmocka_unit_test(test_corpus_and_fd_leaks),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
