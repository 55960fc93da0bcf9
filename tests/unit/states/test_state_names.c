/*
 * test_state_names.c: the name accessors tools/stategen.py generates into
 * common/states.{c,h} (the enums are what the C code passes around; the names
 * are what goes on the wire and into SQL): every value's name finds the value
 * again, out-of-range values have no name, unknown names are -1; and every
 * verdict has a GitHub check-run conclusion (report_conclusion), so a verdict
 * added to schemas/states.json cannot reach a pull request without one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/states.h"
#include "orchestrator/api/report.h"

#include <string.h>

static void test_names_round_trip(void **state)
{
    (void)state;
    for (int v = 0; v < AL_VERDICT_COUNT; v++) {
        assert_string_equal(al_verdict_name((al_verdict_t)v), al_verdicts[v].name);
        assert_int_equal(al_verdict_find(al_verdict_name((al_verdict_t)v)), v);
    }
    for (int v = 0; v < AL_JOB_STATE_COUNT; v++)
        assert_int_equal(al_job_state_find(al_job_state_name((al_job_state_t)v)), v);
    for (int v = 0; v < AL_TASK_STATE_COUNT; v++)
        assert_int_equal(al_task_state_find(al_task_state_name((al_task_state_t)v)), v);
    for (int v = 0; v < AL_WORKER_STATE_COUNT; v++)
        assert_int_equal(al_worker_state_find(al_worker_state_name((al_worker_state_t)v)), v);
    for (int v = 0; v < AL_EVENT_KIND_COUNT; v++)
        assert_int_equal(al_event_kind_find(al_event_kind_name((al_event_kind_id_t)v)), v);
    /* the strings on the wire and in SQL */
    assert_string_equal(al_verdict_name(AL_VERDICT_SANDBOX_ERROR), "sandbox_error");
    assert_string_equal(al_verdict_name(AL_VERDICT_CANCELLED), "cancelled");
    assert_string_equal(al_job_state_name(AL_JOB_FINISHED), "finished");
    assert_string_equal(al_worker_state_name(AL_WORKER_GONE), "gone");
    assert_string_equal(al_event_kind_name(AL_EVENT_STAGE_START), "stage.start");
}

static void test_out_of_range_and_unknown(void **state)
{
    (void)state;
    assert_null(al_verdict_name(AL_VERDICT_COUNT));
    assert_null(al_verdict_name((al_verdict_t)-1));
    assert_null(al_job_state_name(AL_JOB_STATE_COUNT));
    assert_null(al_task_state_name(AL_TASK_STATE_COUNT));
    assert_null(al_worker_state_name(AL_WORKER_STATE_COUNT));
    assert_null(al_event_kind_name(AL_EVENT_KIND_COUNT));
    assert_int_equal(al_verdict_find("Accepted"), -1);
    assert_int_equal(al_verdict_find(""), -1);
    assert_int_equal(al_verdict_find(NULL), -1);
    assert_int_equal(al_job_state_find("done"), -1);      /* a task state, not a job state */
    assert_int_equal(al_worker_state_find("lost"), -1);
}

static void test_every_verdict_has_a_conclusion(void **state)
{
    (void)state;
    static const char *const github[] = { "success", "failure", "timed_out", "cancelled", "action_required" };
    for (int v = 0; v < AL_VERDICT_COUNT; v++) {
        const char *c = report_conclusion(al_verdicts[v].name);
        if (!c)
            fail_msg("verdict %s has no check-run conclusion", al_verdicts[v].name);
        int known = 0;
        for (size_t i = 0; i < sizeof github / sizeof github[0]; i++)
            known |= strcmp(c, github[i]) == 0;
        assert_true(known);
    }
    assert_string_equal(report_conclusion("accepted"), "success");
    assert_string_equal(report_conclusion("timeout"), "timed_out");
    assert_string_equal(report_conclusion("sandbox_error"), "action_required");
    assert_null(report_conclusion(""));
    assert_null(report_conclusion("finished"));
    assert_null(report_conclusion(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_out_of_range_and_unknown),
        cmocka_unit_test(test_every_verdict_has_a_conclusion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
