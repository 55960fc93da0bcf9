/* test_log.c: key=value log lines, levels, quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"

static char *capture(al_log_level_t min, void (*fn)(void))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    al_log_init("testprog", min, mem);
    fn();
    fclose(mem);
    al_log_init("testprog", AL_LOG_INFO, NULL);
    return buf;
}

static void emit_info_and_debug(void)
{
    al_info("job.accepted", "job=%s worker=%s", "j1", "w1");
    al_debug("noise", "x=1");
}

static void line_has_fields_and_level_filter_works(void **state)
{
    (void)state;
    char *out = capture(AL_LOG_INFO, emit_info_and_debug);
    assert_non_null(strstr(out, " level=info prog=testprog event=job.accepted job=j1 worker=w1\n"));
    assert_true(strncmp(out, "ts=", 3) == 0);
    assert_null(strstr(out, "noise"));
    free(out);
    out = capture(AL_LOG_DEBUG, emit_info_and_debug);
    assert_non_null(strstr(out, "event=noise x=1"));
    free(out);
}

static void quote_escapes_when_needed(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(al_log_quote(buf, sizeof buf, "plain-token"), "plain-token");
    assert_string_equal(al_log_quote(buf, sizeof buf, "two words"), "\"two words\"");
    assert_string_equal(al_log_quote(buf, sizeof buf, "a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    assert_string_equal(al_log_quote(buf, sizeof buf, "k=v"), "\"k=v\"");
    assert_string_equal(al_log_quote(buf, sizeof buf, ""), "\"\"");
    assert_string_equal(al_log_quote(buf, sizeof buf, "\x01"), "\"\\x01\"");
    char small[6];
    al_log_quote(small, sizeof small, "a b c d e f");
    assert_int_equal(small[0], '"');
    assert_int_equal(small[strlen(small) - 1], '"');
}

static void parse_levels(void **state)
{
    (void)state;
    al_log_level_t lvl;
    assert_int_equal(al_log_level_parse("warn", &lvl), AL_OK);
    assert_int_equal(lvl, AL_LOG_WARN);
    assert_int_equal(al_log_level_parse("loud", &lvl), AL_EINVAL);
    assert_non_null(strstr(al_err_msg(), "loud"));
}

static void emit_long(void)
{
    char big[10000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    al_warn("big", "v=%s", big);
}

static void long_lines_are_bounded_and_terminated(void **state)
{
    (void)state;
    char *out = capture(AL_LOG_INFO, emit_long);
    size_t n = strlen(out);
    assert_true(n <= 4096);
    assert_int_equal(out[n - 1], '\n');
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(line_has_fields_and_level_filter_works),
        cmocka_unit_test(quote_escapes_when_needed),
        cmocka_unit_test(parse_levels),
        cmocka_unit_test(long_lines_are_bounded_and_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
