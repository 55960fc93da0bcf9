/*
 * test_base64.c: common/base64.h: RFC 4648 vectors both ways, bytes that
 * are not text, and what the decoder refuses (unpadded, line breaks, other
 * alphabets, padding in the middle).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/error.h"

static void test_vectors(void **state)
{
    (void)state;
    static const char *const v[][2] = { { "", "" },           { "f", "Zg==" },         { "fo", "Zm8=" },
                                        { "foo", "Zm9v" },    { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
                                        { "foobar", "Zm9vYmFy" } };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char *e = al_b64_encode(v[i][0], strlen(v[i][0]));
        assert_string_equal(e, v[i][1]);
        free(e);
        unsigned char *d = NULL;
        size_t n = 99;
        assert_int_equal(al_b64_decode(v[i][1], &d, &n), AL_OK);
        assert_int_equal(n, strlen(v[i][0]));
        assert_memory_equal(d, v[i][0], n);
        assert_int_equal(d[n], 0);
        free(d);
    }
}

static void test_bytes(void **state)
{
    (void)state;
    static const unsigned char raw[] = { 0xff, 0x00, 0xfc, 0x80, 0x0a };
    char *e = al_b64_encode(raw, sizeof raw);
    assert_string_equal(e, "/wD8gAo=");
    unsigned char *d = NULL;
    size_t n = 0;
    assert_int_equal(al_b64_decode(e, &d, &n), AL_OK);
    assert_int_equal(n, sizeof raw);
    assert_memory_equal(d, raw, sizeof raw);
    free(d);
    free(e);
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = { "Zg", "Zm9vYg", "Zm9v\nYmFy", "Zm9v YmFy", "Zm9-YmFy", "Zm9_YmFy",
                                       "Zg=a", "Z===", "=Zm9", "Zg==Zg==" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned char *d = (unsigned char *)1;
        size_t n = 5;
        if (al_b64_decode(bad[i], &d, &n) != AL_EINVAL || d || n)
            fail_msg("'%s' was not refused", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
