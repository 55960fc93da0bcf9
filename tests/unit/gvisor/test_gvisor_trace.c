/*
 * test_gvisor_trace.c: the decoder of gVisor's trace sink (gvisor_trace.c) on
 * messages encoded here as runsc 0.0~20221219 sends them (wire version 1:
 * handshake, then an 8-byte header and a protobuf point), and on broken ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/sandbox/gvisor.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t b[8192];
    size_t n;
} buf_t;

static void s_varint(buf_t *o, uint64_t v)
{
    do {
        o->b[o->n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
}

static void s_key(buf_t *o, unsigned num, unsigned wt) { s_varint(o, (uint64_t)num << 3 | wt); }
static void s_uint(buf_t *o, unsigned num, uint64_t v) { s_key(o, num, 0), s_varint(o, v); }

static void s_bytes(buf_t *o, unsigned num, const void *p, size_t len)
{
    s_key(o, num, 2);
    s_varint(o, len);
    memcpy(o->b + o->n, p, len);
    o->n += len;
}

static void s_str(buf_t *o, unsigned num, const char *s) { s_bytes(o, num, s, strlen(s)); }

/* ContextData: time, thread group id, credentials (real uid). */
static void s_context(buf_t *o, int64_t time_ns, int tgid, unsigned uid)
{
    buf_t cred = { .n = 0 }, ctx = { .n = 0 };
    s_uint(&cred, 1, uid);
    s_uint(&cred, 2, uid);
    s_uint(&ctx, 1, (uint64_t)time_ns);
    s_uint(&ctx, 4, (uint64_t)tgid);
    s_bytes(&ctx, 7, cred.b, cred.n);
    s_str(&ctx, 6, "c1");
    s_bytes(o, 1, ctx.b, ctx.n);
}

static void s_header(buf_t *o, unsigned type, uint32_t dropped)
{
    uint8_t h[8] = { 8, 0, (uint8_t)type, (uint8_t)(type >> 8), (uint8_t)dropped, (uint8_t)(dropped >> 8),
                     (uint8_t)(dropped >> 16), (uint8_t)(dropped >> 24) };
    memcpy(o->b, h, 8);
    o->n = 8;
}

typedef struct {
    int n;
    int pid[8], ppid[8], uid[8];
    uint64_t ts[8];
    char path[8][4200], argv[8][1100];
} seen_t;

static void s_on_exec(void *ctx, const sandbox_exec_event_t *ev)
{
    seen_t *s = ctx;
    if (s->n >= 8)
        return;
    s->pid[s->n] = ev->pid;
    s->ppid[s->n] = ev->ppid;
    s->uid[s->n] = ev->uid;
    s->ts[s->n] = ev->ts_us;
    snprintf(s->path[s->n], sizeof s->path[0], "%s", ev->path);
    snprintf(s->argv[s->n], sizeof s->argv[0], "%s", ev->argv);
    s->n++;
}

static int s_feed(gv_trace_t *t, const buf_t *m, seen_t *seen)
{
    uint8_t reply[16];
    size_t rlen = 0;
    return gv_trace_feed(t, m->b, m->n, s_on_exec, seen, reply, &rlen);
}

static gv_trace_t *s_handshaken(void)
{
    gv_trace_t *t = gv_trace_new();
    assert_non_null(t);
    const uint8_t hs[] = { 0x08, 0x01 };
    uint8_t reply[16];
    size_t rlen = 0;
    assert_int_equal(gv_trace_feed(t, hs, sizeof hs, NULL, NULL, reply, &rlen), 1);
    assert_int_equal(rlen, 2);
    assert_int_equal(reply[0], 0x08);
    assert_int_equal(reply[1], 0x01);
    return t;
}

static void test_handshake(void **state)
{
    (void)state;
    gv_trace_t *t = s_handshaken();
    gv_trace_destroy(&t);
    assert_null(t);
    /* a newer Sentry is fine (it must speak our version); version 0 or garbage is not */
    t = gv_trace_new();
    const uint8_t v2[] = { 0x08, 0x02 }, v0[] = { 0x08, 0x00 }, bad[] = { 0x08 };
    uint8_t reply[16];
    size_t rlen;
    assert_int_equal(gv_trace_feed(t, v2, sizeof v2, NULL, NULL, reply, &rlen), 1);
    gv_trace_destroy(&t);
    t = gv_trace_new();
    assert_int_equal(gv_trace_feed(t, v0, sizeof v0, NULL, NULL, reply, &rlen), AL_EPROTO);
    assert_int_equal(gv_trace_feed(t, bad, sizeof bad, NULL, NULL, reply, &rlen), AL_EPROTO);
    gv_trace_destroy(&t);
}

/* clone (init 1 -> 2), exec in 2: pid 2, ppid 1, path, argv joined, uid, time;
 * the env field is never reported. */
static void test_clone_then_exec(void **state)
{
    (void)state;
    gv_trace_t *t = s_handshaken();
    seen_t seen = { .n = 0 };
    buf_t m;
    s_header(&m, 2, 0);
    s_context(&m, 1000, 1, 0);
    s_uint(&m, 3, 2);
    s_uint(&m, 4, 2);
    assert_int_equal(s_feed(t, &m, &seen), 0);
    s_header(&m, 3, 0);
    s_context(&m, 1700000000123456789LL, 2, 1000);
    s_str(&m, 2, "/usr/bin/python3.11");
    s_str(&m, 3, "python3");
    s_str(&m, 3, "-c");
    s_str(&m, 3, "print(1)\n");
    s_str(&m, 4, "http_proxy=http://airlock:SECRET@127.0.0.1:3128");
    s_uint(&m, 5, 0100755);
    assert_int_equal(s_feed(t, &m, &seen), 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.pid[0], 2);
    assert_int_equal(seen.ppid[0], 1);
    assert_int_equal(seen.uid[0], 1000);
    assert_int_equal(seen.ts[0], 1700000000123456ULL);
    assert_string_equal(seen.path[0], "/usr/bin/python3.11");
    assert_string_equal(seen.argv[0], "python3 -c print(1)?");
    assert_null(strstr(seen.argv[0], "SECRET"));
    /* a thread (created tgid == parent's) does not change the parent of 2 */
    s_header(&m, 2, 0);
    s_context(&m, 1000, 2, 1000);
    s_uint(&m, 4, 2);
    assert_int_equal(s_feed(t, &m, &seen), 0);
    s_header(&m, 3, 0);
    s_context(&m, 2000, 2, 1000);
    s_str(&m, 2, "/bin/x");
    assert_int_equal(s_feed(t, &m, &seen), 0);
    assert_int_equal(seen.ppid[1], 1);
    /* an exec of an unknown process: ppid 0 */
    s_header(&m, 3, 7);
    s_context(&m, 2000, 99, 1000);
    s_str(&m, 2, "/bin/y");
    assert_int_equal(s_feed(t, &m, &seen), 0);
    assert_int_equal(seen.ppid[2], 0);
    assert_int_equal(gv_trace_dropped(t), 7);
    gv_trace_destroy(&t);
}

/* Unknown message types and fields are skipped; strings are bounded. */
static void test_bounds_and_unknown(void **state)
{
    (void)state;
    gv_trace_t *t = s_handshaken();
    seen_t seen = { .n = 0 };
    buf_t m;
    s_header(&m, 77, 0);
    s_str(&m, 1, "whatever");
    assert_int_equal(s_feed(t, &m, &seen), 0);
    assert_int_equal(seen.n, 0);
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    s_header(&m, 3, 0);
    s_context(&m, 1, 3, 1000);
    s_key(&m, 99, 1);   /* an unknown fixed64 */
    memset(m.b + m.n, 0, 8);
    m.n += 8;
    s_key(&m, 98, 5);   /* an unknown fixed32 */
    memset(m.b + m.n, 0, 4);
    m.n += 4;
    s_str(&m, 2, big);
    for (int i = 0; i < 300; i++)
        s_str(&m, 3, "argument");
    assert_int_equal(s_feed(t, &m, &seen), 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(strlen(seen.path[0]), 4096);
    assert_int_equal(strlen(seen.argv[0]), 1024);
    gv_trace_destroy(&t);
}

static void test_malformed(void **state)
{
    (void)state;
    gv_trace_t *t = s_handshaken();
    seen_t seen = { .n = 0 };
    buf_t m;
    /* shorter than a header */
    m.n = 5;
    memset(m.b, 0, 5);
    assert_int_equal(s_feed(t, &m, &seen), AL_EPROTO);
    /* header size beyond the message, or below 8 */
    s_header(&m, 3, 0);
    m.b[0] = 200;
    assert_int_equal(s_feed(t, &m, &seen), AL_EPROTO);
    m.b[0] = 4;
    assert_int_equal(s_feed(t, &m, &seen), AL_EPROTO);
    /* a length beyond the message */
    s_header(&m, 3, 0);
    s_key(&m, 2, 2);
    s_varint(&m, 1000);
    assert_int_equal(s_feed(t, &m, &seen), AL_EPROTO);
    /* a group (wire type 3) */
    s_header(&m, 3, 0);
    s_key(&m, 2, 3);
    assert_int_equal(s_feed(t, &m, &seen), AL_EPROTO);
    /* an eleven-byte varint */
    s_header(&m, 3, 0);
    s_key(&m, 5, 0);
    for (int i = 0; i < 10; i++)
        m.b[m.n++] = 0xff;
    m.b[m.n++] = 0x01;
    assert_int_equal(s_feed(t, &m, &seen), AL_EPROTO);
    /* field number 0 */
    s_header(&m, 3, 0);
    m.b[m.n++] = 0x00;
    assert_int_equal(s_feed(t, &m, &seen), AL_EPROTO);
    /* malformed nested context */
    s_header(&m, 2, 0);
    s_bytes(&m, 1, "\x0a\x05", 2);
    assert_int_equal(s_feed(t, &m, &seen), AL_EPROTO);
    assert_int_equal(seen.n, 0);
    gv_trace_destroy(&t);
}

/* What runsc 0.0~20221219 really sent for `sh -c 'ls / >/dev/null; /bin/true a b; (sleep 0 &)'`
 * running as uid 1000 (tests/corpus/gvisor_trace, length-prefixed messages). */
static void test_real_capture(void **state)
{
    (void)state;
    FILE *f = fopen(AIRLOCK_SOURCE_DIR "/tests/corpus/gvisor_trace/runsc-20221219-sh.bin", "rb");
    assert_non_null(f);
    static uint8_t data[65536];
    size_t size = fread(data, 1, sizeof data, f);
    fclose(f);
    gv_trace_t *t = gv_trace_new();
    seen_t seen = { .n = 0 };
    int replies = 0;
    for (size_t off = 0; off + 2 <= size;) {
        size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8;
        assert_true(off + 2 + len <= size);
        uint8_t reply[16];
        size_t rlen = 0;
        int rc = gv_trace_feed(t, data + off + 2, len, s_on_exec, &seen, reply, &rlen);
        assert_true(rc == 0 || rc == 1);
        replies += rc;
        off += 2 + len;
    }
    assert_int_equal(replies, 1);
    assert_true(seen.n >= 2);
    assert_string_equal(seen.path[0], "/usr/bin/ls");
    assert_string_equal(seen.argv[0], "ls /");
    assert_int_equal(seen.ppid[0], 1);
    assert_int_equal(seen.uid[0], 1000);
    assert_true(seen.ts[0] > 1600000000000000ULL);
    assert_string_equal(seen.path[1], "/usr/bin/true");
    assert_string_equal(seen.argv[1], "/bin/true a b");
    assert_int_equal(seen.ppid[1], 1);
    gv_trace_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake),
        cmocka_unit_test(test_clone_then_exec),
        cmocka_unit_test(test_bounds_and_unknown),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_real_capture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
