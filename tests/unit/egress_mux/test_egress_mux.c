/*
 * test_egress_mux.c: the egress multiplexer's two ends over a socketpair.
 * Guest end listens on 127.0.0.1:<ephemeral>, host end dials a unix echo
 * server; clients are plain TCP sockets. Checks data integrity beyond the
 * flow-control window, half-close, the per-VM connection cap, and that a
 * stream breaking the rules ends the host end.
 */
#include "worker/guest/egress_mux.h"
#include "common/error.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct {
    int chan[2];                /* [0] guest, [1] host */
    int ls;                     /* guest listening socket */
    uint16_t port;
    char path[108];             /* echo server socket */
    int echo_ls, echo_stop[2];
    pthread_t echo_th, g_th, h_th;
    int stop[2];                /* stops both ends */
    emux_t *g, *h;
    int g_rc, h_rc;
} fx_t;

/* Echo server: one poll loop, echoes every byte, closes after EOF. */
static void *s_echo(void *arg)
{
    fx_t *f = arg;
    int fds[256];
    int n = 0;
    for (;;) {
        struct pollfd p[258];
        p[0] = (struct pollfd){ f->echo_ls, POLLIN, 0 };
        p[1] = (struct pollfd){ f->echo_stop[0], POLLIN, 0 };
        for (int i = 0; i < n; i++)
            p[2 + i] = (struct pollfd){ fds[i], POLLIN, 0 };
        if (poll(p, (nfds_t)(2 + n), -1) < 0)
            continue;
        if (p[1].revents)
            break;
        if ((p[0].revents & POLLIN) && n < 256) {
            int c = accept(f->echo_ls, NULL, NULL);
            if (c >= 0)
                fds[n++] = c;
        }
        for (int i = n - 1; i >= 0; i--) {
            if (!p[2 + i].revents)
                continue;
            char buf[8192];
            ssize_t r = read(fds[i], buf, sizeof buf);
            if (r <= 0) {
                close(fds[i]);
                fds[i] = fds[--n];
                continue;
            }
            for (ssize_t off = 0; off < r;) {
                ssize_t w = write(fds[i], buf + off, (size_t)(r - off));
                if (w <= 0)
                    break;
                off += w;
            }
        }
    }
    for (int i = 0; i < n; i++)
        close(fds[i]);
    return NULL;
}

static int s_dial(void *ctx)
{
    fx_t *f = ctx;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", f->path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void *s_guest(void *arg)
{
    fx_t *f = arg;
    f->g_rc = emux_run(f->g, f->stop[0]);
    return NULL;
}

static void *s_host(void *arg)
{
    fx_t *f = arg;
    f->h_rc = emux_run(f->h, f->stop[0]);
    return NULL;
}

static void s_start(fx_t *f, unsigned host_max)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->chan), 0);
    assert_int_equal(pipe(f->stop), 0);
    assert_int_equal(pipe(f->echo_stop), 0);
    f->ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(f->ls, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(f->ls, 128), 0);
    assert_int_equal(getsockname(f->ls, (struct sockaddr *)&sa, &sl), 0);
    f->port = ntohs(sa.sin_port);
    snprintf(f->path, sizeof f->path, "/tmp/airlock-emux-%d.sock", (int)getpid());
    unlink(f->path);
    struct sockaddr_un su = { .sun_family = AF_UNIX };
    snprintf(su.sun_path, sizeof su.sun_path, "%s", f->path);
    f->echo_ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_int_equal(bind(f->echo_ls, (struct sockaddr *)&su, sizeof su), 0);
    assert_int_equal(listen(f->echo_ls, 64), 0);
    emux_config_t gc = { .role = EMUX_GUEST, .chan = f->chan[0], .listen_fd = f->ls };
    emux_config_t hc = { .role = EMUX_HOST, .chan = f->chan[1], .listen_fd = -1, .dial = s_dial, .dial_ctx = f,
                         .max_conns = host_max };
    assert_non_null(f->g = emux_new(&gc));
    assert_non_null(f->h = emux_new(&hc));
    assert_int_equal(pthread_create(&f->echo_th, NULL, s_echo, f), 0);
    assert_int_equal(pthread_create(&f->g_th, NULL, s_guest, f), 0);
    assert_int_equal(pthread_create(&f->h_th, NULL, s_host, f), 0);
}

static void s_stop(fx_t *f)
{
    assert_int_equal(write(f->stop[1], "x", 1), 1);
    assert_int_equal(write(f->echo_stop[1], "x", 1), 1);
    pthread_join(f->g_th, NULL);
    pthread_join(f->h_th, NULL);
    pthread_join(f->echo_th, NULL);
    emux_destroy(&f->g);
    emux_destroy(&f->h);
    int fds[] = { f->chan[0], f->chan[1], f->ls, f->echo_ls, f->stop[0], f->stop[1], f->echo_stop[0], f->echo_stop[1] };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        close(fds[i]);
    unlink(f->path);
}

static int s_client(const fx_t *f)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(f->port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Sends len pattern bytes (then SHUT_WR) while reading the echo back to EOF. */
static size_t s_roundtrip(int fd, size_t len, unsigned seed)
{
    size_t sent = 0, got = 0;
    int bad = 0;
    while (1) {
        struct pollfd p = { fd, (short)(POLLIN | (sent < len ? POLLOUT : 0)), 0 };
        assert_true(poll(&p, 1, 60000) > 0);
        if ((p.revents & POLLOUT) && sent < len) {
            unsigned char buf[7000];
            size_t n = len - sent < sizeof buf ? len - sent : sizeof buf;
            for (size_t i = 0; i < n; i++)
                buf[i] = (unsigned char)((sent + i) * 31u + seed);
            ssize_t w = write(fd, buf, n);
            assert_true(w > 0);
            sent += (size_t)w;
            if (sent == len)
                shutdown(fd, SHUT_WR);
        }
        if (p.revents & (POLLIN | POLLHUP)) {
            unsigned char buf[9000];
            ssize_t r = read(fd, buf, sizeof buf);
            if (r <= 0)
                break;
            for (ssize_t i = 0; i < r; i++)
                bad |= buf[i] != (unsigned char)((got + (size_t)i) * 31u + seed);
            got += (size_t)r;
        }
    }
    assert_false(bad);
    return got;
}

/* 8 connections at once, each 1 MB (beyond the 256 KiB window) echoed intact,
 * ended by a half-close from the client. */
static void test_streams_roundtrip(void **state)
{
    (void)state;
    fx_t f;
    s_start(&f, 0);
    int fds[8];
    for (int i = 0; i < 8; i++)
        fds[i] = s_client(&f);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(s_roundtrip(fds[i], 1000000, (unsigned)i), 1000000);
        close(fds[i]);
    }
    s_stop(&f);
    emux_stats_t st;
    assert_int_equal(f.g_rc, 0);
    assert_int_equal(f.h_rc, 0);
    (void)st;
}

/* The host end takes at most max_conns: the next OPEN is answered with CLOSE
 * (the client sees its connection end), and a freed slot serves again. */
static void test_host_cap(void **state)
{
    (void)state;
    fx_t f;
    s_start(&f, 3);
    int fds[3];
    for (int i = 0; i < 3; i++) {   /* live: one echoed byte each */
        fds[i] = s_client(&f);
        assert_int_equal(write(fds[i], "a", 1), 1);
        char c;
        assert_int_equal(read(fds[i], &c, 1), 1);
    }
    int extra = s_client(&f);
    char c;
    assert_int_equal(write(extra, "b", 1), 1);
    ssize_t r = read(extra, &c, 1);
    assert_true(r <= 0);   /* refused: EOF (or reset) */
    close(extra);
    close(fds[0]);
    int again = -1;
    for (int tries = 0; tries < 2000 && again < 0; tries++) {   /* the slot frees when both ends saw the close */
        int fd = s_client(&f);
        if (write(fd, "c", 1) == 1 && read(fd, &c, 1) == 1)
            again = fd;
        else
            close(fd);
    }
    assert_true(again >= 0);
    close(again);
    for (int i = 1; i < 3; i++)
        close(fds[i]);
    s_stop(&f);
    assert_int_equal(f.h_rc, 0);
}

static void s_hdr(uint8_t *b, uint8_t type, uint8_t flags, uint16_t len, uint32_t conn)
{
    b[0] = type, b[1] = flags, b[2] = (uint8_t)(len >> 8), b[3] = (uint8_t)len;
    b[4] = (uint8_t)(conn >> 24), b[5] = (uint8_t)(conn >> 16), b[6] = (uint8_t)(conn >> 8), b[7] = (uint8_t)conn;
}

static int s_dial_pair(void *ctx)
{
    int *peer = ctx, sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    if (*peer >= 0)
        close(*peer);
    *peer = sv[1];
    return sv[0];
}

/* Each rule break ends the host end with AL_EPROTO; frames for unknown
 * connections are dropped. */
static void test_hostile_frames(void **state)
{
    (void)state;
    int peer = -1;
    emux_config_t hc = { .role = EMUX_HOST, .listen_fd = -1, .dial = s_dial_pair, .dial_ctx = &peer };
    emux_config_t gc = { .role = EMUX_GUEST, .listen_fd = 0 };
    uint8_t b[EMUX_HDR + EMUX_DATA_MAX + 8];
    struct { uint8_t type, flags; uint16_t len; uint32_t conn; int host, ok; } cases[] = {
        { 9, 0, 0, 1, 1, 0 },               /* unknown type */
        { EMUX_OPEN, 1, 0, 1, 1, 0 },       /* flags */
        { EMUX_OPEN, 0, 0, 0, 1, 0 },       /* conn 0 */
        { EMUX_OPEN, 0, 4, 1, 1, 0 },       /* OPEN with a payload */
        { EMUX_DATA, 0, 0, 1, 1, 0 },       /* empty DATA */
        { EMUX_DATA, 0, EMUX_DATA_MAX + 1, 1, 1, 0 },
        { EMUX_ACK, 0, 2, 1, 1, 0 },
        { EMUX_OPEN, 0, 0, 7, 0, 0 },       /* OPEN sent to the guest */
        { EMUX_DATA, 0, 5, 99, 1, 1 },      /* unknown connection: dropped */
        { EMUX_CLOSE, 0, 0, 99, 1, 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        emux_t *m = emux_new(cases[i].host ? &hc : &gc);
        assert_non_null(m);
        memset(b, 'x', sizeof b);
        s_hdr(b, cases[i].type, cases[i].flags, cases[i].len, cases[i].conn);
        size_t len = EMUX_HDR + (cases[i].len <= EMUX_DATA_MAX ? cases[i].len : 0);
        int rc = emux_input(m, b, len);
        print_message("case %zu: rc %d\n", i, rc);
        if (cases[i].ok)
            assert_int_equal(rc, (int)len);
        else
            assert_int_equal(rc, AL_EPROTO);
        emux_destroy(&m);
    }
    /* A live connection: duplicate OPEN, DATA beyond the window, ACK beyond it, DATA after EOF. */
    for (int k = 0; k < 4; k++) {
        emux_t *m = emux_new(&hc);
        s_hdr(b, EMUX_OPEN, 0, 0, 5);
        assert_int_equal(emux_input(m, b, EMUX_HDR), EMUX_HDR);
        int rc = 0;
        if (k == 0) {
            rc = emux_input(m, b, EMUX_HDR);
        } else if (k == 1) {
            for (unsigned sent = 0; rc >= 0 && sent <= EMUX_WINDOW; sent += EMUX_DATA_MAX) {
                s_hdr(b, EMUX_DATA, 0, EMUX_DATA_MAX, 5);
                rc = emux_input(m, b, EMUX_HDR + EMUX_DATA_MAX);
            }
        } else if (k == 2) {
            s_hdr(b, EMUX_ACK, 0, 4, 5);
            b[8] = 0, b[9] = 0, b[10] = 0, b[11] = 1;   /* nothing was sent: no credit to return */
            rc = emux_input(m, b, EMUX_HDR + 4);
        } else {
            s_hdr(b, EMUX_EOF, 0, 0, 5);
            assert_int_equal(emux_input(m, b, EMUX_HDR), EMUX_HDR);
            s_hdr(b, EMUX_DATA, 0, 1, 5);
            rc = emux_input(m, b, EMUX_HDR + 1);
        }
        assert_int_equal(rc, AL_EPROTO);
        emux_destroy(&m);
    }
    if (peer >= 0)
        close(peer);
}

/* Through the real loop: garbage on the stream ends the host end. */
static void test_run_ends_on_garbage(void **state)
{
    (void)state;
    int sv[2], stop[2], peer = -1;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(pipe(stop), 0);
    emux_config_t hc = { .role = EMUX_HOST, .chan = sv[1], .listen_fd = -1, .dial = s_dial_pair, .dial_ctx = &peer };
    emux_t *m = emux_new(&hc);
    assert_int_equal(write(sv[0], "GET / HTTP/1.1\r\n", 16), 16);
    assert_int_equal(emux_run(m, stop[0]), AL_EPROTO);
    emux_destroy(&m);
    close(sv[0]), close(sv[1]), close(stop[0]), close(stop[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_streams_roundtrip),
        cmocka_unit_test(test_host_cap),
        cmocka_unit_test(test_hostile_frames),
        cmocka_unit_test(test_run_ends_on_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
