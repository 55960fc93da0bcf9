/*
 * test_qmp_reply.c: QMP lines read as JSON, and the restore's reading of run
 * states. The lines are what qemu-system-x86_64 7.2 (Debian 12) wrote for
 * `-M microvm -incoming defer -qmp stdio`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/sandbox/microvm_qmp_reply.h"
#include "common/error.h"

#include <stdio.h>
#include <string.h>

static int parse(const char *line, microvm_qmp_reply_t *r)
{
    return microvm_qmp_reply_parse(line, strlen(line), r);
}

/* The hang of issue 13: a clone still loading its state answers query-status
 * with the key "running" (false). Matching the substring "running" took it
 * for loaded; read as JSON it is "inmigrate": wait. */
static void test_inmigrate_is_not_running(void **state)
{
    (void)state;
    const char *line = "{\"return\": {\"status\": \"inmigrate\", \"singlestep\": false, \"running\": false}}";
    microvm_qmp_reply_t r;
    assert_int_equal(parse(line, &r), 0);
    assert_int_equal(r.kind, MICROVM_QMP_RETURN);
    assert_string_equal(r.status, "inmigrate");
    assert_int_equal(microvm_restore_step(r.status), MICROVM_RESTORE_WAIT);
}

static void test_run_states(void **state)
{
    (void)state;
    assert_int_equal(microvm_restore_step("prelaunch"), MICROVM_RESTORE_WAIT);
    assert_int_equal(microvm_restore_step("paused"), MICROVM_RESTORE_CONT);
    assert_int_equal(microvm_restore_step("postmigrate"), MICROVM_RESTORE_CONT);
    assert_int_equal(microvm_restore_step("running"), MICROVM_RESTORE_DONE);
    assert_int_equal(microvm_restore_step("shutdown"), MICROVM_RESTORE_FAIL);
    assert_int_equal(microvm_restore_step("internal-error"), MICROVM_RESTORE_FAIL);
    assert_int_equal(microvm_restore_step("guest-panicked"), MICROVM_RESTORE_FAIL);
    assert_int_equal(microvm_restore_step(""), MICROVM_RESTORE_FAIL);
}

static void test_kinds(void **state)
{
    (void)state;
    microvm_qmp_reply_t r;
    assert_int_equal(parse("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
                           "\"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, \"capabilities\": [\"oob\"]}}", &r), 0);
    assert_int_equal(r.kind, MICROVM_QMP_GREETING);
    assert_int_equal(parse("{\"return\": {}}", &r), 0);
    assert_int_equal(r.kind, MICROVM_QMP_RETURN);
    assert_string_equal(r.status, "");
    assert_int_equal(parse("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nosuch has not "
                           "been found\"}}", &r), 0);
    assert_int_equal(r.kind, MICROVM_QMP_ERROR);
    assert_string_equal(r.detail, "The command nosuch has not been found");
    assert_int_equal(parse("{\"timestamp\": {\"seconds\": 1796532790, \"microseconds\": 311292}, \"event\": "
                           "\"SHUTDOWN\", \"data\": {\"guest\": false, \"reason\": \"host-qmp-quit\"}}", &r), 0);
    assert_int_equal(r.kind, MICROVM_QMP_EVENT);
    assert_string_equal(r.detail, "SHUTDOWN");
}

/* An event whose data holds a key "return" is still an event (substring
 * matching took it for the command's reply). */
static void test_event_with_return_in_data(void **state)
{
    (void)state;
    microvm_qmp_reply_t r;
    assert_int_equal(parse("{\"event\": \"X\", \"data\": {\"return\": 1, \"error\": 2}}", &r), 0);
    assert_int_equal(r.kind, MICROVM_QMP_EVENT);
}

static void test_not_qmp(void **state)
{
    (void)state;
    microvm_qmp_reply_t r;
    assert_int_equal(parse("", &r), AL_EPROTO);
    assert_int_equal(parse("[1]", &r), AL_EPROTO);
    assert_int_equal(parse("{}", &r), AL_EPROTO);
    assert_int_equal(parse("{\"return\": {}} trailing", &r), AL_EPROTO);
    assert_int_equal(parse("{\"return\": 1, \"return\": 2}", &r), AL_EPROTO);
    /* a status longer than the field is cut, never overrun */
    char big[200];
    snprintf(big, sizeof big, "{\"return\": {\"status\": \"%0100d\"}}", 0);
    assert_int_equal(parse(big, &r), 0);
    assert_int_equal(strlen(r.status), sizeof r.status - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inmigrate_is_not_running),
        cmocka_unit_test(test_run_states),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_event_with_return_in_data),
        cmocka_unit_test(test_not_qmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
