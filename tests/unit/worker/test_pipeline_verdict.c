/*
 * test_pipeline_verdict.c: the one mapping of a stage's outcome
 * (stage_exec.h) to the attempt's verdict (pipeline_verdict.c), checked
 * against the verdict names of schemas/states.json: a failed command is
 * tests_failed with its exit code, a timeout is timeout, memory is
 * resource_exceeded, a sandbox failure is sandbox_error, a cancelled stage
 * stays cancelled, a stage that succeeded decides nothing; the first
 * decisive stage wins; at the end a cancelled task is cancelled unless it
 * was accepted, and no verdict at all is sandbox_error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/pipeline_verdict.h"
#include "common/error.h"

#include <stdio.h>
#include <string.h>

static stage_outcome_t s_outcome(stage_status_t st, size_t idx, const char *command)
{
    stage_outcome_t o;
    memset(&o, 0, sizeof o);
    o.status = st;
    o.idx = idx;
    snprintf(o.command, sizeof o.command, "%s", command);
    return o;
}

/* An outcome whose reason is its error text (a sandbox error, a workspace
 * over its limits): the verdict and that text, whatever the command. */
static void s_assert_error_reason(stage_status_t st, const char *error, al_verdict_t want)
{
    pipeline_verdict_t v = { 0 };
    stage_outcome_t o = s_outcome(st, 0, "sh -c 'truncate -s 4G big'");
    snprintf(o.error, sizeof o.error, "%s", error);
    pipeline_verdict_stage(&v, "run", &o);
    assert_int_equal(v.verdict, want);
    assert_string_equal(v.reason, error);
}

/* Each status, by the name of the verdict it must give (schemas/states.json). */
static void test_table(void **state)
{
    (void)state;
    static const struct {
        stage_status_t st;
        const char *verdict;
    } want[] = {
        { STAGE_FAILED, "tests_failed" },  { STAGE_TIMEOUT, "timeout" },
        { STAGE_RESOURCE, "resource_exceeded" }, { STAGE_CANCELLED, "cancelled" },
        { STAGE_ERROR, "sandbox_error" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        al_verdict_t v = AL_VERDICT_COUNT;
        if (pipeline_verdict_of_stage(want[i].st, &v) != AL_OK)
            fail_msg("stage status %s has no verdict", stage_status_name(want[i].st));
        if (strcmp(al_verdict_name(v), want[i].verdict) != 0)
            fail_msg("stage status %s gives %s, want %s", stage_status_name(want[i].st), al_verdict_name(v),
                     want[i].verdict);
    }
    al_verdict_t v = AL_VERDICT_COUNT;
    assert_int_equal(pipeline_verdict_of_stage(STAGE_OK, &v), AL_ENOTFOUND);
    assert_int_equal(v, AL_VERDICT_COUNT);
    assert_int_equal(pipeline_verdict_of_stage(STAGE_STATUS_COUNT, &v), AL_ENOTFOUND);
    /* every status but OK decides: a status added without a row fails here */
    for (int st = STAGE_OK + 1; st < STAGE_STATUS_COUNT; st++)
        assert_int_equal(pipeline_verdict_of_stage((stage_status_t)st, &v), AL_OK);
}

static void test_failed_command(void **state)
{
    (void)state;
    pipeline_verdict_t v = { 0 };
    stage_outcome_t o = s_outcome(STAGE_FAILED, 1, "make check");
    o.exited = 1;
    o.exit_code = 3;
    pipeline_verdict_stage(&v, "run", &o);
    assert_true(v.decided);
    assert_int_equal(v.verdict, AL_VERDICT_TESTS_FAILED);
    assert_string_equal(v.reason, "run[1] `make check` exited with 3");
    assert_true(v.has_exit);
    assert_int_equal(v.exit_code, 3);

    pipeline_verdict_t k = { 0 };
    o = s_outcome(STAGE_FAILED, 0, "./t.sh");
    o.signal = 9;
    pipeline_verdict_stage(&k, "test", &o);
    assert_int_equal(k.verdict, AL_VERDICT_TESTS_FAILED);
    assert_string_equal(k.reason, "test[0] `./t.sh` was killed by signal 9");
    assert_int_equal(k.exit_code, -9);
}

/* A test tool missing from the job's environment (pytest, cc) is still a
 * failed command, but the reason says what the shell's 127 and 126 mean:
 * "exited with 127" alone reads as "the patch broke the tests". */
static void test_command_not_found_said(void **state)
{
    (void)state;
    pipeline_verdict_t v = { 0 };
    stage_outcome_t o = s_outcome(STAGE_FAILED, 0, "pytest -q");
    o.exited = 1;
    o.exit_code = 127;
    pipeline_verdict_stage(&v, "test", &o);
    assert_int_equal(v.verdict, AL_VERDICT_TESTS_FAILED);
    assert_string_equal(v.reason, "test[0] `pytest -q` exited with 127 (the shell's code for a command not found: "
                                  "is it in the job's environment?)");
    pipeline_verdict_t x = { 0 };
    o = s_outcome(STAGE_FAILED, 1, "./run-tests");
    o.exited = 1;
    o.exit_code = 126;
    pipeline_verdict_stage(&x, "test", &o);
    assert_string_equal(x.reason, "test[1] `./run-tests` exited with 126 (the shell's code for a command found but "
                                  "not executable)");
}

static void test_limits_and_errors(void **state)
{
    (void)state;
    pipeline_verdict_t v = { 0 };
    stage_outcome_t o = s_outcome(STAGE_TIMEOUT, 0, "sleep 600");
    o.limit = 60;
    pipeline_verdict_stage(&v, "test", &o);
    assert_int_equal(v.verdict, AL_VERDICT_TIMEOUT);
    assert_string_equal(v.reason, "test[0] `sleep 600` ran past 60 s");
    assert_false(v.has_exit);

    pipeline_verdict_t m = { 0 };
    o = s_outcome(STAGE_RESOURCE, 2, "python3 big.py");
    o.limit = 128;
    pipeline_verdict_stage(&m, "run", &o);
    assert_int_equal(m.verdict, AL_VERDICT_RESOURCE_EXCEEDED);
    assert_string_equal(m.reason, "run[2] `python3 big.py` exceeded 128 MiB of memory");

    /* a workspace left over the export limits: the writer's reason, not memory */
    s_assert_error_reason(STAGE_RESOURCE, "run: reading the workspace back: tree sink: more than 67108864 bytes",
                          AL_VERDICT_RESOURCE_EXCEEDED);
    s_assert_error_reason(STAGE_ERROR, "run: sandbox (ns): clone failed", AL_VERDICT_SANDBOX_ERROR);
}

static void test_cancelled_stays_cancelled(void **state)
{
    (void)state;
    pipeline_verdict_t v = { 0 };
    stage_outcome_t o = s_outcome(STAGE_CANCELLED, 0, "make");
    o.ran = 1;
    pipeline_verdict_stage(&v, "run", &o);
    assert_int_equal(v.verdict, AL_VERDICT_CANCELLED);
    assert_string_equal(v.reason, "run[0] `make` cancelled while it ran");
    /* a later sandbox error (its clean-up) does not turn it into another verdict */
    stage_outcome_t e = s_outcome(STAGE_ERROR, 0, "");
    snprintf(e.error, sizeof e.error, "run: removing the sandbox's .git: busy");
    pipeline_verdict_stage(&v, "run", &e);
    assert_int_equal(v.verdict, AL_VERDICT_CANCELLED);
    assert_int_equal(pipeline_verdict_final(&v, 1), AL_VERDICT_CANCELLED);

    pipeline_verdict_t b = { 0 };
    o = s_outcome(STAGE_CANCELLED, 3, "make");
    pipeline_verdict_stage(&b, "test", &o);
    assert_string_equal(b.reason, "test[3] `make` cancelled before it ran");
}

static void test_first_wins_and_ok_decides_nothing(void **state)
{
    (void)state;
    pipeline_verdict_t v = { 0 };
    stage_outcome_t o = s_outcome(STAGE_OK, 0, "make");
    o.exited = 1;
    pipeline_verdict_stage(&v, "run", &o);
    assert_false(v.decided);
    assert_false(v.has_exit);   /* only the test stage reports its exit code */
    pipeline_verdict_stage(&v, "test", &o);
    assert_false(v.decided);
    assert_true(v.has_exit);
    assert_int_equal(v.exit_code, 0);

    pipeline_verdict_set(&v, AL_VERDICT_REJECTED, "analyze: %u finding(s)", 2u);
    o = s_outcome(STAGE_TIMEOUT, 0, "sleep 9");
    pipeline_verdict_stage(&v, "test", &o);
    assert_int_equal(v.verdict, AL_VERDICT_REJECTED);
    assert_string_equal(v.reason, "analyze: 2 finding(s)");
}

static void test_final(void **state)
{
    (void)state;
    pipeline_verdict_t none = { 0 };
    assert_int_equal(pipeline_verdict_final(&none, 0), AL_VERDICT_SANDBOX_ERROR);
    assert_false(none.decided);
    pipeline_verdict_t cancelled = { 0 };
    assert_int_equal(pipeline_verdict_final(&cancelled, 1), AL_VERDICT_CANCELLED);

    pipeline_verdict_t failed = { 0 };
    pipeline_verdict_set(&failed, AL_VERDICT_TESTS_FAILED, "test[0] `false` exited with 1");
    assert_int_equal(pipeline_verdict_final(&failed, 0), AL_VERDICT_TESTS_FAILED);
    assert_int_equal(pipeline_verdict_final(&failed, 1), AL_VERDICT_CANCELLED);
    assert_int_equal(failed.verdict, AL_VERDICT_CANCELLED);

    pipeline_verdict_t accepted = { 0 };
    pipeline_verdict_set(&accepted, AL_VERDICT_ACCEPTED, "tests passed");
    assert_int_equal(pipeline_verdict_final(&accepted, 1), AL_VERDICT_ACCEPTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_failed_command),
        cmocka_unit_test(test_command_not_found_said),
        cmocka_unit_test(test_limits_and_errors),
        cmocka_unit_test(test_cancelled_stays_cancelled),
        cmocka_unit_test(test_first_wins_and_ok_decides_nothing),
        cmocka_unit_test(test_final),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
