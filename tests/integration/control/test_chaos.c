/*
 * test_chaos.c: the short chaos run of issue 15 (chaos.h): 100 jobs of a
 * short real command on the ns driver while workers are SIGKILLed every few
 * seconds and started again, the active airlockd is SIGKILLed once and
 * PostgreSQL is restarted once. Every job must finish with exactly one
 * authoritative result, every done attempt's events be stored once, and the
 * audit chain verify. The full run is bench/chaos (1,000 jobs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "chaos.h"
#include "common/error.h"

static int s_skip;

static void exactly_once_under_faults(void **state)
{
    (void)state;
    chaos_opts_t o = { .jobs = 100, .workers = 3, .slots = 2, .kill_every_ms = 5000,
                       .restart_after_ms = 500, .heartbeat_ms = 500, .test_cmd = "echo chaos && test -f calc.py",
                       .deadline_s = 600 };
    chaos_report_t r;
    int rc = chaos_run(&o, &r);
    if (rc == 77) {
        s_skip = 1;
        skip();
    }
    if (rc != AL_OK)
        fail_msg("chaos run: %s", al_err_msg());
    chaos_report_print(&r);
    fflush(stdout);
    if (r.lost || r.duplicated || r.cancelled || r.submit_failed || r.events_duplicated || r.attempts_without_events || r.audit_verify_exit)
        fprintf(stderr, "logs kept in %s\n", r.dir);
    assert_int_equal(r.submit_failed, 0);
    assert_int_equal(r.finished, o.jobs);
    assert_int_equal(r.cancelled, 0);   /* nobody asked: a cancelled job is a wrong verdict */
    assert_int_equal(r.lost, 0);
    assert_int_equal(r.duplicated, 0);
    assert_int_equal(r.events_duplicated, 0);
    assert_int_equal(r.attempts_without_events, 0);
    assert_int_equal(r.audit_verify_exit, 0);
    assert_true(r.worker_kills >= 1);
    assert_int_equal(r.airlockd_kills, 1);
    assert_int_equal(r.pg_restarts, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exactly_once_under_faults),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    return s_skip ? 77 : rc;
}
