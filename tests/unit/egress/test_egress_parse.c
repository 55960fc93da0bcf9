/*
 * test_egress_parse.c: the pure parts of the egress proxy: task tokens, host
 * normalization and the allowlist, the TLS SNI parser (including every
 * truncation and seeded random mutations of a ClientHello), and the HTTP
 * request-head parser and rewrite.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "clienthello.h"
#include "common/error.h"
#include "worker/egress/chunked.h"
#include "worker/egress/egress.h"
#include "worker/egress/head.h"
#include "worker/egress/host.h"
#include "worker/egress/sni.h"

static const unsigned char KEY[32] = "0123456789abcdef0123456789abcdef";

/* ---- tokens ---- */

static void test_token_valid(void **state)
{
    char tok[EGRESS_TOKEN_MAX];
    assert_int_equal(egress_token_make_at(KEY, sizeof KEY, "task-1", 1000, 60, tok, sizeof tok), 0);
    assert_int_equal(egress_token_check(KEY, sizeof KEY, "task-1", tok, 1000), 0);
    assert_int_equal(egress_token_check(KEY, sizeof KEY, "task-1", tok, 1059), 0);
    assert_non_null(strstr(tok, "v1.1060."));
    for (const char *p = tok; *p; p++) /* fits in a proxy URL's userinfo */
        assert_non_null(strchr("v0123456789abcdef.", *p));
    assert_int_equal(egress_token_make(KEY, sizeof KEY, "task-1", 60, tok, sizeof tok), 0);
    assert_int_equal(egress_token_check(KEY, sizeof KEY, "task-1", tok, time(NULL)), 0);
}

static void test_token_expired(void **state)
{
    char tok[EGRESS_TOKEN_MAX];
    assert_int_equal(egress_token_make_at(KEY, sizeof KEY, "task-1", 1000, 60, tok, sizeof tok), 0);
    assert_int_equal(egress_token_check(KEY, sizeof KEY, "task-1", tok, 1060), AL_ETIMEOUT);
    assert_int_equal(egress_token_check(KEY, sizeof KEY, "task-1", tok, 999999), AL_ETIMEOUT);
}

static void test_token_wrong_task_or_key(void **state)
{
    char tok[EGRESS_TOKEN_MAX];
    unsigned char other[32];
    memcpy(other, KEY, sizeof other);
    other[31] ^= 1;
    assert_int_equal(egress_token_make_at(KEY, sizeof KEY, "task-1", 1000, 60, tok, sizeof tok), 0);
    assert_int_equal(egress_token_check(KEY, sizeof KEY, "task-2", tok, 1000), AL_EPOLICY);
    assert_int_equal(egress_token_check(KEY, sizeof KEY, "task-", tok, 1000), AL_EPOLICY);
    assert_int_equal(egress_token_check(other, sizeof other, "task-1", tok, 1000), AL_EPOLICY);
}

static void test_token_tampered(void **state)
{
    char tok[EGRESS_TOKEN_MAX], bad[EGRESS_TOKEN_MAX + 8];
    assert_int_equal(egress_token_make_at(KEY, sizeof KEY, "task-1", 1000, 60, tok, sizeof tok), 0);
    /* later expiry with the old mac */
    snprintf(bad, sizeof bad, "v1.9%s", tok + 3);
    assert_int_equal(egress_token_check(KEY, sizeof KEY, "task-1", bad, 1000), AL_EPOLICY);
    /* every mac character flipped in turn */
    size_t mac_at = strlen(tok) - 64;
    for (size_t i = mac_at; i < strlen(tok); i++) {
        memcpy(bad, tok, sizeof tok);
        bad[i] = bad[i] == '0' ? '1' : '0';
        assert_int_equal(egress_token_check(KEY, sizeof KEY, "task-1", bad, 1000), AL_EPOLICY);
    }
    const char *malformed[] = { "", "v1.", "v1..", "v2.1060.00", "v1.1060", "v1.10x0.ab",
                                "v1.-5.00", "v1.1060.zz" };
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++)
        assert_int_equal(egress_token_check(KEY, sizeof KEY, "task-1", malformed[i], 1000),
                         AL_EPROTO);
    memcpy(bad, tok, sizeof tok);
    for (char *p = bad + mac_at; *p; p++)
        if (*p >= 'a')
            *p = (char)(*p - 'a' + 'A'); /* uppercase hex is not the format */
    assert_int_not_equal(egress_token_check(KEY, sizeof KEY, "task-1", bad, 1000), 0);
    snprintf(bad, sizeof bad, "%s0", tok);
    assert_int_equal(egress_token_check(KEY, sizeof KEY, "task-1", bad, 1000), AL_EPROTO);
}

static void test_token_bad_args(void **state)
{
    char tok[EGRESS_TOKEN_MAX];
    assert_int_equal(egress_token_make(KEY, 8, "t", 60, tok, sizeof tok), AL_EINVAL);
    assert_int_equal(egress_token_make(KEY, sizeof KEY, "", 60, tok, sizeof tok), AL_EINVAL);
    assert_int_equal(egress_token_make(KEY, sizeof KEY, "t", 60, tok, 10), AL_EINVAL);
    assert_int_equal(egress_token_check(KEY, sizeof KEY, NULL, "v1.1.00", 0), AL_EINVAL);
    assert_int_equal(egress_token_check(KEY, sizeof KEY, "t", NULL, 0), AL_EPROTO);
}

/* ---- hosts and allowlist ---- */

static void test_host_normalize(void **state)
{
    char out[EGRESS_HOST_MAX];
    assert_int_equal(egress_host_normalize("Example.COM.", 12, out), EGRESS_HOST_NAME);
    assert_string_equal(out, "example.com");
    const char *ips[] = { "127.0.0.1", "127.1", "2130706433", "0x7f000001", "0x7f.0.0.1",
                          "[::1]", "::ffff:127.0.0.1", "10.0.0.1.", "foo.123" };
    for (size_t i = 0; i < sizeof ips / sizeof *ips; i++)
        assert_int_equal(egress_host_normalize(ips[i], strlen(ips[i]), out), EGRESS_HOST_IP);
    const char *bad[] = { "", "a..b", ".a", "a b", "a/b", "a@b", "[::1", "[nothost]",
                          "a\x01", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(egress_host_normalize(bad[i], strlen(bad[i]), out), EGRESS_HOST_INVALID);
    assert_int_equal(egress_host_normalize("a\0b", 3, out), EGRESS_HOST_INVALID);
    assert_true(egress_host_equal("Allowed.Test.", "allowed.test"));
    assert_false(egress_host_equal("allowed.test", "allowed.tes"));
}

static void test_allowlist(void **state)
{
    const char *pats[] = { "api.example.com", "*.pkg.example.org", "192.0.2.7", "[2001:db8::1]" };
    egress_allowlist_t *al = NULL;
    assert_int_equal(egress_allowlist_new(&al, pats, 4), 0);
    struct { const char *h; egress_host_kind_t k; bool ok; } cases[] = {
        { "api.example.com", EGRESS_HOST_NAME, true },
        { "example.com", EGRESS_HOST_NAME, false },
        { "x.api.example.com", EGRESS_HOST_NAME, false },
        { "a.pkg.example.org", EGRESS_HOST_NAME, true },
        { "a.b.pkg.example.org", EGRESS_HOST_NAME, true },
        { "pkg.example.org", EGRESS_HOST_NAME, false },
        { "evilpkg.example.org", EGRESS_HOST_NAME, false },
        { "192.0.2.7", EGRESS_HOST_IP, true },
        { "192.0.2.8", EGRESS_HOST_IP, false },
        { "[2001:db8::1]", EGRESS_HOST_IP, true },
        { "3221225991", EGRESS_HOST_IP, false }, /* 192.0.2.7 as one number: not verbatim */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(egress_allowlist_match(al, cases[i].h, cases[i].k), cases[i].ok);
    egress_allowlist_destroy(&al);
    assert_null(al);
    egress_allowlist_destroy(&al);
    const char *bad[] = { "*.10.0.0.1" };
    assert_int_equal(egress_allowlist_new(&al, bad, 1), AL_EINVAL);
    assert_null(al);
    const char *bad2[] = { "ok.com", "no spaces" };
    assert_int_equal(egress_allowlist_new(&al, bad2, 2), AL_EINVAL);
    assert_non_null(strstr(al_err_msg(), "allowlist[1]"));
    assert_int_equal(egress_allowlist_new(&al, NULL, 0), 0);
    assert_false(egress_allowlist_match(al, "api.example.com", EGRESS_HOST_NAME));
    egress_allowlist_destroy(&al);
}

/* ---- SNI ---- */

static void test_sni_found_and_absent(void **state)
{
    uint8_t rec[1024];
    char sni[256];
    size_t n = test_client_hello(rec, sizeof rec, "Allowed.Test");
    assert_true(n > 0);
    assert_int_equal(egress_sni_parse(rec, n, sni, sizeof sni), EGRESS_TLS_SNI);
    assert_string_equal(sni, "Allowed.Test");
    /* trailing bytes after the record (the client's next record) do not matter */
    assert_int_equal(egress_sni_parse(rec, sizeof rec, sni, sizeof sni), EGRESS_TLS_SNI);
    n = test_client_hello(rec, sizeof rec, NULL);
    assert_int_equal(egress_sni_parse(rec, n, sni, sizeof sni), EGRESS_TLS_NO_SNI);
    assert_int_equal(egress_sni_parse((const uint8_t *)"GET / HTTP/1.1\r\n", 16, sni, sizeof sni),
                     EGRESS_TLS_NOT_TLS);
    assert_int_equal(egress_sni_parse((const uint8_t *)"\x16\x01", 2, sni, sizeof sni),
                     EGRESS_TLS_NOT_TLS);
    assert_int_equal(egress_sni_parse(rec, 0, sni, sizeof sni), EGRESS_TLS_NEED_MORE);
}

static void test_sni_real_openssl_client(void **state)
{
    uint8_t rec[4096];
    char sni[256];
    size_t n = test_client_hello_openssl(rec, sizeof rec, "registry.npmjs.org");
    assert_true(n > 100);
    assert_int_equal(egress_sni_parse(rec, n, sni, sizeof sni), EGRESS_TLS_SNI);
    assert_string_equal(sni, "registry.npmjs.org");
    for (size_t len = 0; len < n; len++)
        assert_int_equal(egress_sni_parse(rec, len, sni, sizeof sni), EGRESS_TLS_NEED_MORE);
    n = test_client_hello_openssl(rec, sizeof rec, NULL);
    assert_true(n > 100);
    assert_int_equal(egress_sni_parse(rec, n, sni, sizeof sni), EGRESS_TLS_NO_SNI);
}

static void test_sni_truncations(void **state)
{
    uint8_t rec[1024];
    char sni[256];
    size_t n = test_client_hello(rec, sizeof rec, "allowed.test");
    for (size_t len = 0; len < n; len++)
        assert_int_equal(egress_sni_parse(rec, len, sni, sizeof sni), EGRESS_TLS_NEED_MORE);
    /* Shrinking the record length cuts the ClientHello: malformed, not a read past the end. */
    for (size_t cut = 1; cut < n - 5; cut++) {
        uint8_t copy[1024];
        memcpy(copy, rec, n);
        size_t rl = n - 5 - cut;
        copy[3] = (uint8_t)(rl >> 8);
        copy[4] = (uint8_t)rl;
        egress_tls_result_t r = egress_sni_parse(copy, 5 + rl, sni, sizeof sni);
        assert_true(r == EGRESS_TLS_MALFORMED);
    }
}

static void test_sni_hostile(void **state)
{
    uint8_t rec[1024];
    char sni[256];
    size_t n = test_client_hello(rec, sizeof rec, "allowed.test");
    /* record length over 2^14 */
    uint8_t big[8] = { 0x16, 0x03, 0x01, 0x40, 0x01, 1, 0, 0 };
    assert_int_equal(egress_sni_parse(big, sizeof big, sni, sizeof sni), EGRESS_TLS_MALFORMED);
    /* a server_name longer than its extension */
    uint8_t copy[1024];
    memcpy(copy, rec, n);
    uint8_t *name_len = memmem(copy, n, "allowed.test", 12) - 2;
    name_len[1] = 200;
    assert_int_equal(egress_sni_parse(copy, n, sni, sizeof sni), EGRESS_TLS_MALFORMED);
    /* a NUL inside the name */
    memcpy(copy, rec, n);
    ((uint8_t *)memmem(copy, n, "allowed.test", 12))[3] = 0;
    assert_int_equal(egress_sni_parse(copy, n, sni, sizeof sni), EGRESS_TLS_MALFORMED);
    /* handshake type is not ClientHello */
    memcpy(copy, rec, n);
    copy[5] = 2;
    assert_int_equal(egress_sni_parse(copy, n, sni, sizeof sni), EGRESS_TLS_MALFORMED);
    /* seeded random mutations: any answer, never a crash (ASan build checks reads) */
    uint32_t x = 2463534242u;
    for (int iter = 0; iter < 50000; iter++) {
        memcpy(copy, rec, n);
        for (int k = 0; k < 1 + iter % 4; k++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            copy[x % n] = (uint8_t)(x >> 8);
        }
        egress_tls_result_t r = egress_sni_parse(copy, n - (x >> 20) % 4, sni, sizeof sni);
        assert_true(r >= EGRESS_TLS_SNI && r <= EGRESS_TLS_MALFORMED);
        if (r == EGRESS_TLS_SNI)
            assert_true(strlen(sni) > 0 && strlen(sni) < 256);
    }
}

/* ---- HTTP head ---- */

static int s_parse(const char *text, egress_head_t *h)
{
    size_t len = 0;
    if (!egress_head_complete(text, strlen(text), &len))
        return 1;
    return egress_head_parse(text, len, h);
}

static void test_head_connect(void **state)
{
    egress_head_t h;
    /* base64("airlock:v1.5.ab") */
    assert_int_equal(s_parse("CONNECT Allowed.Test:443 HTTP/1.1\r\nHost: x\r\n"
                             "Proxy-Authorization: Basic YWlybG9jazp2MS41LmFi\r\n\r\n", &h), 0);
    assert_true(h.is_connect);
    assert_string_equal(h.host, "allowed.test");
    assert_int_equal(h.port, 443);
    assert_int_equal(h.kind, EGRESS_HOST_NAME);
    assert_true(h.has_auth);
    assert_string_equal(h.token, "v1.5.ab");
    assert_int_equal(s_parse("CONNECT [2001:db8::1]:8443 HTTP/1.1\r\n\r\n", &h), 0);
    assert_string_equal(h.host, "[2001:db8::1]");
    assert_int_equal(h.kind, EGRESS_HOST_IP);
    assert_int_equal(h.port, 8443);
    assert_false(h.has_auth);
    assert_int_equal(s_parse("CONNECT a.test:443 HTTP/1.1\r\n"
                             "Proxy-Authorization: Bearer abc\r\n\r\n", &h), 0);
    assert_true(h.has_auth);
    assert_string_equal(h.token, "");
}

static void test_head_plain_rewrite(void **state)
{
    egress_head_t h;
    const char *req = "POST http://Allowed.Test:8080/p/q?x=1 HTTP/1.1\r\nHost: evil.test\r\n"
                      "Proxy-Authorization: Basic YWlybG9jazp0\r\nConnection: keep-alive\r\n"
                      "Proxy-Connection: keep-alive\r\nContent-Length: 5\r\nX-A: b\r\nPROXY-Secret: s\r\n"
                      "\r\nhello";
    size_t len = 0;
    assert_true(egress_head_complete(req, strlen(req), &len));
    assert_int_equal(egress_head_parse(req, len, &h), 0);
    assert_false(h.is_connect);
    assert_string_equal(h.method, "POST");
    assert_int_equal(h.port, 8080);
    assert_int_equal(h.content_length, 5);
    char out[1024];
    size_t outlen = 0;
    assert_int_equal(egress_head_rewrite(req, &h, out, sizeof out, &outlen), 0);
    out[outlen] = '\0';
    assert_string_equal(out, "POST /p/q?x=1 HTTP/1.1\r\nContent-Length: 5\r\nX-A: b\r\n"
                             "Host: allowed.test:8080\r\nConnection: close\r\n\r\n");
    assert_int_equal(egress_head_rewrite(req, &h, out, 40, &outlen), AL_ELIMIT);
    assert_int_equal(s_parse("GET http://a.test HTTP/1.0\r\n\r\n", &h), 0);
    assert_int_equal(h.port, 80);
    assert_int_equal(egress_head_rewrite("GET http://a.test HTTP/1.0\r\n\r\n", &h, out, sizeof out,
                                         &outlen), 0);
    assert_memory_equal(out, "GET / HTTP/1.1\r\nHost: a.test\r\n", 30);
}

static void test_head_malformed(void **state)
{
    const char *bad[] = {
        "GET /relative HTTP/1.1\r\n\r\n",
        "GET https://a.test/ HTTP/1.1\r\n\r\n",
        "GET http://user@a.test/ HTTP/1.1\r\n\r\n",
        "get http://a.test/ HTTP/1.1\r\n\r\n",
        "GET http://a.test/ HTTP/2.0\r\n\r\n",
        "GET http://a.test/ HTTP/1.1 \r\n\r\n",
        "GET  http://a.test/ HTTP/1.1\r\n\r\n",
        "CONNECT a.test HTTP/1.1\r\n\r\n",
        "CONNECT a.test:0 HTTP/1.1\r\n\r\n",
        "CONNECT a.test:65536 HTTP/1.1\r\n\r\n",
        "CONNECT a.test:44x HTTP/1.1\r\n\r\n",
        "CONNECT [::1:443 HTTP/1.1\r\n\r\n",
        "CONNECT a..test:443 HTTP/1.1\r\n\r\n",
        "CONNECT :443 HTTP/1.1\r\n\r\n",
        "GET http://a.test/ HTTP/1.1\r\nX: a\nY: b\r\n\r\n",
        "GET http://a.test/ HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
        "GET http://a.test/ HTTP/1.1\r\nNo colon\r\n\r\n",
        "GET http://a.test/ HTTP/1.1\r\n: empty name\r\n\r\n",
        "GET http://a.test/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
        "GET http://a.test/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "GET http://a.test/ HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET http://a.test/ HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "GET http://a.test/ HTTP/1.1\r\nProxy-Authorization: a\r\nProxy-Authorization: b\r\n\r\n",
        "GET http://a.test/ HTTP/1.1\r\nX: a\x01\r\n\r\n",
        "\r\n\r\n",
        "GARBAGE\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        egress_head_t h;
        int rc = s_parse(bad[i], &h);
        if (rc != AL_EPROTO)
            fail_msg("case %zu accepted: %s", i, bad[i]);
    }
    egress_head_t h;
    const char nul[] = "GET http://a.test/ HTTP/1.1\r\nX: a\0b\r\n\r\n";
    assert_int_equal(egress_head_parse(nul, sizeof nul - 1, &h), AL_EPROTO);
    assert_int_equal(egress_head_parse("GET", 3, &h), AL_EPROTO);
}

/* ---- addresses a resolved name must not reach ---- */

static bool s_private(const char *text)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
    if (inet_pton(AF_INET, text, &sin.sin_addr) == 1)
        return egress_addr_private((const struct sockaddr *)&sin);
    if (inet_pton(AF_INET6, text, &sin6.sin6_addr) == 1)
        return egress_addr_private((const struct sockaddr *)&sin6);
    fail_msg("not an address: %s", text);
    return false;
}

static void test_addr_private(void **state)
{
    static const char *const blocked[] = {
        "0.0.0.0", "0.1.2.3", "10.1.2.3", "100.64.0.1", "100.127.255.254", "127.0.0.1",
        "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "192.0.0.1", "192.0.0.170",                       /* IETF protocol assignments, NAT64 discovery */
        "192.0.2.7", "198.51.100.1", "203.0.113.9",       /* documentation */
        "192.88.99.1",                                    /* 6to4 relay anycast */
        "198.18.0.1", "198.19.255.255",                   /* benchmarking */
        "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
        "::", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "::8.8.8.8",
        "64:ff9b::7f00:1", "64:ff9b::808:808",            /* NAT64: the host's NAT64 reaches anything */
        "64:ff9b:1::a00:1",                               /* local-use NAT64 */
        "2002:7f00:1::1", "2002:808:808::1",              /* 6to4 embeds any IPv4 */
        "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",/* Teredo */
        "2001:2::1", "2001:10::1", "2001:20::1",          /* benchmarking, ORCHID */
        "2001:db8::1", "3fff::1",                         /* documentation */
        "100::1",                                         /* discard */
        "5f00::1",                                        /* SRv6 SIDs */
        "fc00::1", "fd12:3456::1", "fe80::1", "fec0::1", "ff02::1",
    };
    static const char *const open_[] = {
        "1.1.1.1", "8.8.8.8", "93.184.216.34", "100.63.255.255", "100.128.0.1", "172.32.0.1",
        "192.0.1.1", "192.88.100.1", "198.17.255.255", "198.20.0.1", "223.255.255.255",
        "2606:4700:4700::1111", "2a00:1450:4001:81c::200e", "2001:4860:4860::8888",
    };
    for (size_t i = 0; i < sizeof blocked / sizeof *blocked; i++)
        if (!s_private(blocked[i]))
            fail_msg("%s must be refused", blocked[i]);
    for (size_t i = 0; i < sizeof open_ / sizeof *open_; i++)
        if (s_private(open_[i]))
            fail_msg("%s must be reachable", open_[i]);
    struct sockaddr other = { .sa_family = AF_UNIX };
    assert_true(egress_addr_private(&other));
}

/* ---- chunked request bodies ---- */

/* Feeds text in pieces of `step` bytes; returns the body length or -1. */
static long long s_chunked(const char *text, size_t step, bool *done)
{
    egress_chunked_t c;
    egress_chunked_init(&c);
    size_t len = strlen(text), off = 0;
    long long body = 0;
    while (off < len && !egress_chunked_done(&c)) {
        size_t n = len - off < step ? len - off : step;
        long long k = egress_chunked_feed(&c, text + off, n);
        if (k < 0)
            return -1;
        body += k;
        off += n;
    }
    *done = egress_chunked_done(&c);
    return body;
}

static void test_chunked_body(void **state)
{
    static const char *const good[] = {
        "0\r\n\r\n", "5\r\nhello\r\n0\r\n\r\n", "5;a=b;c\r\nhello\r\n00\r\n\r\n",
        "A\r\n0123456789\r\nf\r\n0123456789abcde\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\n",
        "5 ; ext\r\nhello\r\n0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        for (size_t step = 1; step <= 64; step *= 2) {
            bool done = false;
            long long n = s_chunked(good[i], step, &done);
            if (n != (long long)strlen(good[i]) || !done)
                fail_msg("good body %zu (step %zu): %lld of %zu, done=%d", i, step, n, strlen(good[i]), done);
        }
    }
    /* the body ends where the last chunk's empty line does: the rest is not body */
    const char *piped = "3\r\nabc\r\n0\r\n\r\nGET http://x/ HTTP/1.1\r\n\r\n";
    bool done = false;
    assert_int_equal(s_chunked(piped, 1000, &done), strlen("3\r\nabc\r\n0\r\n\r\n"));
    assert_true(done);
    static const char *const bad[] = {
        "\r\n", "g\r\n", "5\nhello\r\n0\r\n\r\n", "5\r\nhelloX\r\n", "5\r\nhello\n0\r\n\r\n",
        "0\r\n folded\r\n\r\n", "0\r\nX: \x01\r\n\r\n", "0\r\n\n", "5;\x7f\r\n",
        "11111111111111111\r\n", /* 17 digits */
        "-1\r\n", "0x5\r\n", "5\r\rhello",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        for (size_t step = 1; step <= 64; step *= 2)
            if (s_chunked(bad[i], step, &done) != -1)
                fail_msg("bad body %zu (step %zu) accepted", i, step);
    /* an incomplete body is neither done nor an error */
    assert_int_equal(s_chunked("5\r\nhel", 3, &done), 6);
    assert_false(done);
    /* a huge chunk size is data, not a buffer: 16 digits of f is accepted only below 2^62 */
    assert_int_equal(s_chunked("ffffffffffffffff\r\n", 4, &done), -1);
    assert_int_equal(s_chunked("3fffffffffffffff\r\nxy", 4, &done), 20);
    /* lines are bounded */
    char longext[EGRESS_CHUNK_LINE_MAX + 32];
    memset(longext, 'a', sizeof longext);
    memcpy(longext, "1;", 2);
    longext[sizeof longext - 1] = '\0';
    assert_int_equal(s_chunked(longext, 512, &done), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_valid),
        cmocka_unit_test(test_token_expired),
        cmocka_unit_test(test_token_wrong_task_or_key),
        cmocka_unit_test(test_token_tampered),
        cmocka_unit_test(test_token_bad_args),
        cmocka_unit_test(test_host_normalize),
        cmocka_unit_test(test_allowlist),
        cmocka_unit_test(test_sni_found_and_absent),
        cmocka_unit_test(test_sni_real_openssl_client),
        cmocka_unit_test(test_sni_truncations),
        cmocka_unit_test(test_sni_hostile),
        cmocka_unit_test(test_head_connect),
        cmocka_unit_test(test_head_plain_rewrite),
        cmocka_unit_test(test_head_malformed),
        cmocka_unit_test(test_addr_private),
        cmocka_unit_test(test_chunked_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
