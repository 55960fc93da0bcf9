/* test_endpoints.c: comma-separated airlockd endpoint lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/endpoints.h"
#include "common/error.h"

static void counts_entries_and_skips_blanks(void **state)
{
    (void)state;
    assert_int_equal(al_endpoints_count(NULL), 0);
    assert_int_equal(al_endpoints_count(" , ,"), 0);
    assert_int_equal(al_endpoints_count("tcp://a:1"), 1);
    assert_int_equal(al_endpoints_count(" tcp://a:1 ,, tcp://b:2 ,"), 2);
}

static void picks_round_robin(void **state)
{
    (void)state;
    char out[32];
    const char *list = " tcp://a:1 ,, tcp://b:2 ,";
    assert_int_equal(al_endpoints_pick(list, 0, out, sizeof out), AL_OK);
    assert_string_equal(out, "tcp://a:1");
    assert_int_equal(al_endpoints_pick(list, 1, out, sizeof out), AL_OK);
    assert_string_equal(out, "tcp://b:2");
    assert_int_equal(al_endpoints_pick(list, 2, out, sizeof out), AL_OK);
    assert_string_equal(out, "tcp://a:1");
}

static void refuses_empty_and_too_long(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(al_endpoints_pick(",", 0, out, sizeof out), AL_EINVAL);
    assert_int_equal(al_endpoints_pick("tcp://long-name:1", 0, out, sizeof out), AL_ELIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_entries_and_skips_blanks),
        cmocka_unit_test(picks_round_robin),
        cmocka_unit_test(refuses_empty_and_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
