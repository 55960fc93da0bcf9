/* test_error.c: per-thread error messages and code names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "common/error.h"

static void set_returns_code_and_keeps_message(void **state)
{
    (void)state;
    assert_int_equal(al_err_set(AL_EINVAL, "field %s: too long", "repo"), AL_EINVAL);
    assert_string_equal(al_err_msg(), "field repo: too long");
    assert_int_equal(al_err_code(), AL_EINVAL);
    al_err_clear();
    assert_string_equal(al_err_msg(), "");
    assert_int_equal(al_err_code(), AL_OK);
}

static void errno_variant_appends_strerror(void **state)
{
    (void)state;
    errno = ENOENT;
    al_err_set_errno(AL_EIO, "open %s", "/nope");
    assert_string_equal(al_err_msg(), "open /nope: No such file or directory");
    assert_int_equal(errno, ENOENT);
}

static void wrap_prefixes_context(void **state)
{
    (void)state;
    al_err_set(AL_EDB, "connection refused");
    assert_int_equal(al_err_wrap(AL_EDB, "store job %d", 7), AL_EDB);
    assert_string_equal(al_err_msg(), "store job 7: connection refused");
}

static void long_messages_are_truncated_not_overflowed(void **state)
{
    (void)state;
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    al_err_set(AL_EINVAL, "%s", big);
    assert_true(strlen(al_err_msg()) < 1024);
    al_err_wrap(AL_EINVAL, "%s", big);
    assert_true(strlen(al_err_msg()) < 1024);
}

static void names_cover_every_code(void **state)
{
    (void)state;
    assert_string_equal(al_err_name(AL_OK), "AL_OK");
    assert_string_equal(al_err_name(AL_EPROTO), "AL_EPROTO");
    assert_string_equal(al_err_name(AL_ESTATE), "AL_ESTATE");
    assert_string_equal(al_err_name(-999), "AL_E?");
    assert_string_equal(al_err_name(5), "AL_E?");
}

static void *other_thread(void *arg)
{
    (void)arg;
    al_err_set(AL_ETIMEOUT, "other thread");
    return NULL;
}

static void messages_are_per_thread(void **state)
{
    (void)state;
    al_err_set(AL_EINVAL, "main thread");
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
    pthread_join(t, NULL);
    assert_string_equal(al_err_msg(), "main thread");
    assert_int_equal(al_err_code(), AL_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_returns_code_and_keeps_message),
        cmocka_unit_test(errno_variant_appends_strerror),
        cmocka_unit_test(wrap_prefixes_context),
        cmocka_unit_test(long_messages_are_truncated_not_overflowed),
        cmocka_unit_test(names_cover_every_code),
        cmocka_unit_test(messages_are_per_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
