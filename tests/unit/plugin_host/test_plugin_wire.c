/*
 * test_plugin_wire.c: the strict decoder of the plugin result stream
 * (worker/plugin_host/wire.c): round trip of every message, and every
 * truncation, byte corruption and hostile length claim is rejected without a
 * crash or an allocation larger than the input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/error.h"
#include "worker/plugin_host/plugin_host_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Encodes a few messages through a pipe, returns the bytes. */
static size_t encode(char *buf, size_t cap)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    airlock_finding_t f = { sizeof f, "r.x", AIRLOCK_SEV_MEDIUM, "a/b.c", 42, "msg", "EVIDENCE" };
    assert_int_equal(wire_send_finding(p[1], &f), 0);
    f.file = NULL;
    f.evidence = NULL;
    assert_int_equal(wire_send_finding(p[1], &f), 0);
    assert_int_equal(wire_send_log(p[1], AIRLOCK_LOG_WARN, "hello"), 0);
    assert_int_equal(wire_send_done(p[1], 0, -3, 7), 0);
    close(p[1]);
    ssize_t n = read(p[0], buf, cap);
    close(p[0]);
    assert_true(n > 0);
    return (size_t)n;
}

static void test_roundtrip(void **state)
{
    char buf[1024];
    size_t len = encode(buf, sizeof buf), off = 0;
    wire_msg_t m;
    assert_int_equal(wire_next(buf, len, &off, &m), 1);
    assert_int_equal(m.type, WIRE_FINDING);
    assert_string_equal(m.s1, "r.x");
    assert_int_equal(m.i1, AIRLOCK_SEV_MEDIUM);
    assert_string_equal(m.s2, "a/b.c");
    assert_int_equal(m.i2, 42);
    assert_string_equal(m.s3, "msg");
    assert_string_equal(m.s4, "EVIDENCE");
    wire_msg_clear(&m);
    assert_int_equal(wire_next(buf, len, &off, &m), 1);
    assert_null(m.s2);
    assert_null(m.s4);
    wire_msg_clear(&m);
    assert_int_equal(wire_next(buf, len, &off, &m), 1);
    assert_int_equal(m.type, WIRE_LOG);
    assert_string_equal(m.s1, "hello");
    wire_msg_clear(&m);
    assert_int_equal(wire_next(buf, len, &off, &m), 1);
    assert_int_equal(m.type, WIRE_DONE);
    assert_int_equal(m.i2, -3);
    assert_int_equal(m.i3, 7);
    wire_msg_clear(&m);
    assert_int_equal(wire_next(buf, len, &off, &m), 0);
}

static int decode_all(const char *buf, size_t len)
{
    size_t off = 0;
    wire_msg_t m;
    int rc;
    while ((rc = wire_next(buf, len, &off, &m)) == 1)
        wire_msg_clear(&m);
    return rc;
}

static void test_hostile(void **state)
{
    char buf[1024], mut[1024];
    size_t len = encode(buf, sizeof buf);
    for (size_t cut = 1; cut < len; cut++) {
        int rc = decode_all(buf, cut);
        assert_true(rc == 0 || rc == AL_EPROTO);
    }
    static const unsigned char subst[] = { 0x00, 0x7f, 0x90, 0x97, 0xc0, 0xcf, 0xd3, 0xdb, 0xdc, 0xff };
    for (size_t i = 0; i < len; i++)
        for (size_t k = 0; k < sizeof subst; k++) {
            memcpy(mut, buf, len);
            mut[i] = (char)subst[k];
            int rc = decode_all(mut, len);
            assert_true(rc == 0 || rc == AL_EPROTO);
        }
    /* a string claiming 4 GiB, an array claiming 65535 entries, NUL in a string */
    static const unsigned char big[] = { 0x97, 0x00, 0xdb, 0xff, 0xff, 0xff, 0xff, 'a' };
    static const unsigned char arr[] = { 0xdc, 0xff, 0xff, 0x00 };
    static const unsigned char nul[] = { 0x93, 0x01, 0x01, 0xa2, 'a', 0x00 };
    static const unsigned char unk[] = { 0x92, 0x09, 0x01 };
    assert_int_equal(decode_all((const char *)big, sizeof big), AL_EPROTO);
    assert_int_equal(decode_all((const char *)arr, sizeof arr), AL_EPROTO);
    assert_int_equal(decode_all((const char *)nul, sizeof nul), AL_EPROTO);
    assert_int_equal(decode_all((const char *)unk, sizeof unk), AL_EPROTO);
    assert_non_null(strstr(al_err_msg(), "malformed message at byte 0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
