/*
 * test_log_json.c: log_format=json: every line is one valid JSON object with
 * ts, level, prog, event and the key=value fields as strings; quoted values
 * are unescaped; invalid UTF-8 becomes U+FFFD; stray tokens go to "msg"; a
 * line too long loses members, never its syntax. Parsed back with jansson.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* Logs one line through fn into a memory stream and parses it. */
static json_t *s_line(void (*fn)(void))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    al_log_init("t", AL_LOG_DEBUG, f);
    al_log_set_format(AL_LOG_JSON);
    fn();
    fclose(f);
    al_log_set_format(AL_LOG_TEXT);
    al_log_init("t", AL_LOG_INFO, NULL);
    assert_true(len > 2 && buf[len - 1] == '\n');
    assert_null(memchr(buf, '\n', len - 1));   /* one line */
    json_error_t e;
    json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
    if (!o)
        fail_msg("not JSON (%s): %s", e.text, buf);
    free(buf);
    return o;
}

static const char *s_get(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static void s_plain(void) { al_info("job.done", "job=j1 worker=w2 n=42"); }

static void test_fields(void **state)
{
    (void)state;
    json_t *o = s_line(s_plain);
    assert_string_equal(s_get(o, "level"), "info");
    assert_string_equal(s_get(o, "prog"), "t");
    assert_string_equal(s_get(o, "event"), "job.done");
    assert_string_equal(s_get(o, "job"), "j1");
    assert_string_equal(s_get(o, "n"), "42");
    assert_true(strlen(s_get(o, "ts")) == 24 && s_get(o, "ts")[23] == 'Z');
    json_decref(o);
}

static void s_quoted(void)
{
    char q[200];
    al_warn("x.y", "reason=%s tail", al_log_quote(q, sizeof q, "a \"b\"\\c\nd\te\x01"));
}

static void test_quoted_and_msg(void **state)
{
    (void)state;
    json_t *o = s_line(s_quoted);
    assert_string_equal(s_get(o, "reason"), "a \"b\"\\c\nd\te\x01");
    assert_string_equal(s_get(o, "msg"), "tail");
    assert_string_equal(s_get(o, "level"), "warn");
    json_decref(o);
}

static void s_utf8(void) { al_info("u", "ok=h\xc3\xa9llo bad=\xff\xfe end=\xe2\x82"); }

static void test_invalid_utf8(void **state)
{
    (void)state;
    json_t *o = s_line(s_utf8);
    assert_string_equal(s_get(o, "ok"), "h\xc3\xa9llo");
    assert_string_equal(s_get(o, "bad"), "\xef\xbf\xbd\xef\xbf\xbd");
    assert_string_equal(s_get(o, "end"), "\xef\xbf\xbd\xef\xbf\xbd");
    json_decref(o);
}

static void s_long(void)
{
    static char big[5000];
    memset(big, '\x01', sizeof big - 1);   /* each byte grows to \u0001: 6x */
    char q[5000];
    al_info("long", "a=1 b=%s c=3", al_log_quote(q, sizeof q, big));
}

static void test_long_line_stays_json(void **state)
{
    (void)state;
    json_t *o = s_line(s_long);
    assert_string_equal(s_get(o, "event"), "long");
    assert_string_equal(s_get(o, "a"), "1");
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_quoted_and_msg),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_long_line_stays_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
