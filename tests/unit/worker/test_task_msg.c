/*
 * test_task_msg.c: the one RESULT builder (worker/task_msg.c) that task.c
 * (a runner's final result) and link.c (an attempt that could not start)
 * both use. Each RESULT is encoded and decoded by the real protocol codec,
 * as airlockd would read it: task, attempt, verdict name, reason, exit code
 * (absent when not meaningful) and summary in order; a long reason and a
 * long summary value are cut, not refused; a verdict that is not one is
 * refused with no message built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/task_msg.h"
#include "common/error.h"

#include <stdlib.h>
#include <string.h>

/* r built, encoded and decoded as a worker RESULT. */
static proto_msg_t *s_roundtrip(const task_msg_result_t *r)
{
    proto_msg_t *m = NULL, *back = NULL;
    char *buf = NULL;
    size_t len = 0;
    if (task_msg_result_new(&m, r) != AL_OK)
        fail_msg("build: %s", al_err_msg());
    if (proto_encode(m, &buf, &len) != AL_OK)
        fail_msg("encode: %s", al_err_msg());
    if (proto_decode(PROTO_CH_WORKER, buf, len, &back) != AL_OK)
        fail_msg("decode: %s", al_err_msg());
    free(buf);
    proto_msg_destroy(&m);
    assert_int_equal(back->type, PROTO_W_RESULT);
    return back;
}

static void test_runner_result(void **state)
{
    (void)state;
    const char *keys[] = { "driver", "stage_ms", "findings" };
    const char *values[] = { "ns", "workspace=12,run=30", NULL };
    task_msg_result_t r = { .task_id = "t-1", .attempt = 3, .verdict = AL_VERDICT_TESTS_FAILED,
                            .reason = "test[0] `make check` exited with 2", .has_exit = 1, .exit_code = 2,
                            .keys = keys, .values = values, .n = 3 };
    proto_msg_t *m = s_roundtrip(&r);
    const proto_w_result_t *w = &m->body.w_result;
    assert_string_equal(w->task_id, "t-1");
    assert_int_equal(w->attempt, 3);
    assert_int_equal(w->seq, 0);   /* numbered by the sender */
    assert_string_equal(w->verdict, "tests_failed");
    assert_string_equal(w->reason, "test[0] `make check` exited with 2");
    assert_true(w->has_exit_code);
    assert_int_equal(w->exit_code, 2);
    assert_int_equal(w->summary.count, 3);
    assert_string_equal(w->summary.keys[0], "driver");
    assert_string_equal(w->summary.values[1], "workspace=12,run=30");
    assert_string_equal(proto_strmap_get(&w->summary, "findings"), "");
    proto_msg_destroy(&m);
}

/* What link.c sends for an attempt it cannot start: no exit code, no summary. */
static void test_refusal(void **state)
{
    (void)state;
    task_msg_result_t r = { .task_id = "t-2", .attempt = 1, .verdict = AL_VERDICT_SANDBOX_ERROR,
                            .reason = "worker is draining" };
    proto_msg_t *m = s_roundtrip(&r);
    const proto_w_result_t *w = &m->body.w_result;
    assert_string_equal(w->verdict, "sandbox_error");
    assert_string_equal(w->reason, "worker is draining");
    assert_false(w->has_exit_code);
    assert_int_equal(w->summary.count, 0);
    proto_msg_destroy(&m);
}

static void test_long_values_are_cut(void **state)
{
    (void)state;
    size_t big = TASK_MSG_VALUE_MAX + 100;
    char *reason = malloc(8000), *value = malloc(big + 1);
    assert_non_null(reason);
    assert_non_null(value);
    memset(reason, 'r', 7999);
    reason[7999] = '\0';
    memset(value, 'v', big);
    value[big] = '\0';
    const char *keys[] = { "output" };
    const char *values[] = { value };
    task_msg_result_t r = { .task_id = "t-3", .attempt = 1, .verdict = AL_VERDICT_ACCEPTED, .reason = reason,
                            .keys = keys, .values = values, .n = 1 };
    proto_msg_t *m = s_roundtrip(&r);
    const proto_w_result_t *w = &m->body.w_result;
    assert_int_equal(strlen(w->reason), TASK_MSG_REASON_MAX - 1);
    assert_true(strlen(w->summary.values[0]) < TASK_MSG_VALUE_MAX);
    assert_non_null(strstr(w->summary.values[0], "...[truncated "));
    proto_msg_destroy(&m);
    free(reason);
    free(value);
}

/* File names and command lines are bytes; the protocol's strings are UTF-8.
 * A reason or value that is not (a name with byte 0xff, a command cut inside
 * a sequence) still makes a sendable RESULT: U+FFFD for each stray byte, and
 * a file name's exact bytes as <key>_raw_b64. Before, the encoder refused the
 * message: an event was lost (a stage.end whose output held a Latin-1 byte,
 * a file_change of such a name), a RESULT never sent. */
static void test_bytes_that_are_not_utf8(void **state)
{
    (void)state;
    char reason[TASK_MSG_REASON_MAX + 8];
    memset(reason, 'r', sizeof reason);
    memcpy(reason + TASK_MSG_REASON_MAX - 3, "\xc3\xa9\xc3\xa9", 4);   /* the cut falls inside the 2nd */
    reason[sizeof reason - 1] = '\0';
    const char *keys[] = { "path", "command", "output" };
    const char *values[] = { "bad\xffname.txt", "touch caf\xc3\xa9", "J\xfcrgen" };
    task_msg_result_t r = { .task_id = "t-4", .attempt = 1, .verdict = AL_VERDICT_REJECTED, .reason = reason,
                            .keys = keys, .values = values, .n = 3 };
    proto_msg_t *m = s_roundtrip(&r);
    const proto_w_result_t *w = &m->body.w_result;
    assert_true(strlen(w->reason) < TASK_MSG_REASON_MAX);
    assert_int_equal(w->summary.count, 4);
    assert_string_equal(w->summary.keys[0], "path");
    assert_string_equal(w->summary.values[0], "bad\xef\xbf\xbdname.txt");
    assert_string_equal(w->summary.keys[1], "path_raw_b64");
    assert_string_equal(w->summary.values[1], "YmFk/25hbWUudHh0");
    assert_string_equal(w->summary.keys[2], "command");   /* valid: as it is, no raw copy */
    assert_string_equal(w->summary.values[2], "touch caf\xc3\xa9");
    assert_string_equal(w->summary.keys[3], "output");   /* not a file name: the text only */
    assert_string_equal(w->summary.values[3], "J\xef\xbf\xbdrgen");
    proto_msg_destroy(&m);
    strcpy(reason, "blocking: x in k\xff.py");
    r.reason = reason;
    r.n = 0;
    m = s_roundtrip(&r);
    assert_string_equal(m->body.w_result.reason, "blocking: x in k\xef\xbf\xbd.py");
    proto_msg_destroy(&m);
}

static void test_bad_verdict_refused(void **state)
{
    (void)state;
    proto_msg_t *m = (proto_msg_t *)&m;   /* anything but NULL */
    task_msg_result_t r = { .task_id = "t-4", .attempt = 1, .verdict = AL_VERDICT_COUNT };
    assert_int_equal(task_msg_result_new(&m, &r), AL_EINVAL);
    assert_null(m);
    assert_non_null(strstr(al_err_msg(), "not one"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runner_result),
        cmocka_unit_test(test_refusal),
        cmocka_unit_test(test_long_values_are_cut),
        cmocka_unit_test(test_bytes_that_are_not_utf8),
        cmocka_unit_test(test_bad_verdict_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
