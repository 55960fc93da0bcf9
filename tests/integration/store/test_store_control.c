/*
 * test_store_control.c: the control plane's SQL functions (sql/0010, 0011,
 * 0072 and later) against a real private PostgreSQL, step by step, as
 * airlockd calls them: a worker's RESULT for an attempt it does not hold is
 * refused and the holder's stays authoritative; CANCEL of a job without a
 * live attempt ends it; an exec loop of 100,000 processes stores at most the
 * event cap, with one summary event and one audit row for the rest (0075);
 * the set-based batch functions (0081) give the per-element answers, rows and
 * audit rows: repeated idempotency keys, the general path of RESULT x n for
 * duplicates and refusals, the isolation rule at claim;
 * a retry after a lost attempt goes to another free worker (0085).
 */
#include "store_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A job submitted by `client` and claimed by worker w1; its task id into task. */
static void s_job_on_w1(store_db_t *db, char task[64])
{
    store_test_ok(db, "SELECT airlock_worker_seen('w1', 'w1', 2, '{host}', 'none', '{}', 'x'),"
                      "       airlock_worker_seen('w2', 'w2', 2, '{host}', 'none', '{}', 'x')");
    store_test_ok(db, "SELECT airlock_submit(NULL, '{\"test\": \"true\"}', '{}', 3, 'client')");
    char *t = store_test_scalar(db, "SELECT task_id FROM jobs");
    assert_non_null(t);
    snprintf(task, 64, "%s", t);
    free(t);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM airlock_claim('w1', '{host}', '{}', 1, 60000)"), 1);
}

static void test_result_for_another_workers_attempt_refused(void **state)
{
    store_fixture_t *f = *state;
    store_db_t *db = store_test_db_fresh(f, "ctl_result");
    char task[64], sql[512];
    s_job_on_w1(db, task);
    /* w2 reports on w1's attempt: no row back, nothing stored, audited */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM airlock_store_result('%s', 1, 'rejected', 'forged', '{}', 'w2')",
             task);
    assert_int_equal(store_test_int(db, sql), 0);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM results"), 0);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM audit_log WHERE action = 'result.refused' "
                                        "AND actor = 'w2' AND detail->>'holder' = 'w1'"), 1);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM jobs WHERE state = 'running'"), 1);
    /* w2's events on it are refused too */
    snprintf(sql, sizeof sql, "SELECT airlock_store_event('%s', 1, 1, 'exec', 1, '{}', 'w2')::int", task);
    assert_int_equal(store_test_int(db, sql), 0);
    /* the holder's RESULT decides */
    snprintf(sql, sizeof sql, "SELECT authoritative::int FROM airlock_store_result('%s', 1, 'accepted', 'ok', '{}', "
             "'w1')", task);
    assert_int_equal(store_test_int(db, sql), 1);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM jobs WHERE verdict = 'accepted' "
                                        "AND authoritative_attempt = 1"), 1);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM results WHERE authoritative AND worker_id = 'w1'"), 1);
    /* the batch path refuses the same way */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM airlock_store_result_batch(ARRAY['%s'], ARRAY[1], "
             "ARRAY['rejected'], ARRAY['again'], ARRAY['{}'::jsonb], ARRAY['w2'])", task);
    assert_int_equal(store_test_int(db, sql), 0);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM results"), 1);
    store_db_destroy(&db);
}

static long long s_count(store_db_t *db, const char *fmt, const char *arg)
{
    char sql[1024];
    snprintf(sql, sizeof sql, fmt, arg);
    return store_test_int(db, sql);
}

/* SUBMIT x n, CLAIM and RESULT x n as airlockd's busy turns call them. */
static void test_batches_same_answers(void **state)
{
    store_db_t *db = store_test_db_fresh(*state, "ctl_batches");
    store_test_ok(db, "SELECT airlock_worker_seen('w1', 'w1', 8, '{host}', 'none', '{}', 'x'),"
                      "       airlock_worker_seen('w2', 'w2', 8, '{host}', 'none', '{}', 'x')");
    /* a key repeated in the batch answers the first element's job; NULL keys never clash */
    store_test_ok(db, "CREATE TEMP TABLE s1 AS SELECT * FROM airlock_submit_batch(ARRAY['a', 'b', 'a', NULL], "
                  "ARRAY['{\"test\": \"1\"}', '{\"test\": \"2\"}', '{\"test\": \"3\"}', "
                  "'{\"test\": \"4\", \"driver\": \"microvm\"}']::jsonb[], ARRAY['{\"k\": 1}', NULL, '{}', '{}']::jsonb[], "
                  "3, ARRAY['c1', 'c1', 'c2', 'c3'], ARRAY['t1', NULL, 't2', 't3'])");
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM s1"), 4);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM s1 WHERE existing"), 1);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM s1 x JOIN s1 y ON x.ord = 1 AND y.ord = 3 "
                                        "AND x.job_id = y.job_id AND y.existing"), 1);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM airlock_submit_batch(ARRAY['b', 'c'], "
                                        "ARRAY['{}', '{}']::jsonb[], ARRAY['{}', '{}']::jsonb[], 3, "
                                        "ARRAY['c1', 'c1'], ARRAY['t1', 't1']) WHERE existing = (ord = 1)"), 2);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM jobs"), 4);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM tasks WHERE state = 'queued'"), 4);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM audit_log a JOIN jobs j ON j.id = a.job_id AND "
                                        "a.task_id = j.task_id WHERE a.action = 'job.submitted' AND "
                                        "a.detail->>'spec_sha256' = j.spec_sha256 AND a.labels = j.labels"), 4);
    /* the host worker never gets the microvm job; w1 takes two, w2 the last */
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM airlock_claim('w1', '{host}', '{}', 2, 60000)"), 2);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM airlock_claim('w2', '{host}', '{}', 8, 60000)"), 1);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM tasks t JOIN jobs j ON j.id = t.job_id "
                                        "WHERE t.state = 'queued' AND j.spec->>'driver' = 'microvm'"), 1);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM audit_log a JOIN tasks t ON t.id = a.task_id "
                                        "WHERE a.action = 'task.assigned' AND a.detail->>'worker' = t.worker_id"), 3);
    /* RESULT x n, every element its sender's: one batch, one link */
    store_test_ok(db, "CREATE TEMP TABLE w1t AS SELECT id FROM tasks WHERE worker_id = 'w1' ORDER BY id");
    const char *w1_batch = "SELECT count(*) FROM airlock_store_result_batch(ARRAY(SELECT id FROM w1t ORDER BY id), "
                           "ARRAY[1, 1], ARRAY['accepted', 'rejected'], ARRAY[NULL, 'r'], ARRAY['{}', '{}']::jsonb[], "
                           "ARRAY['w1', 'w1']) WHERE %s";
    assert_int_equal(s_count(db, w1_batch, "authoritative AND NOT duplicate"), 2);
    assert_int_equal(store_test_int(db, "SELECT n FROM audit_links ORDER BY last_id DESC LIMIT 1"), 2);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM jobs WHERE state = 'finished' AND "
                                        "authoritative_attempt = 1"), 2);
    /* the same again (resent): duplicates, nothing changes */
    assert_int_equal(s_count(db, w1_batch, "authoritative AND duplicate"), 2);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM results"), 2);
    /* mixed: w2's own attempt, w2 on w1's attempt (refused), an unknown one */
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM airlock_store_result_batch(ARRAY[(SELECT id FROM "
                                        "tasks WHERE worker_id = 'w2'), (SELECT min(id) FROM w1t), 'nope'], "
                                        "ARRAY[1, 1, 1], ARRAY['accepted', 'rejected', 'accepted'], "
                                        "ARRAY[NULL, NULL, NULL], ARRAY['{}', '{}', '{}']::jsonb[], "
                                        "ARRAY['w2', 'w2', 'w2']) WHERE authoritative AND NOT duplicate"), 1);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM results"), 3);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM audit_log WHERE action = 'result.refused'"), 1);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM audit_log WHERE action = 'result.stored'"), 3);
    assert_int_equal(store_test_int(db, "SELECT coalesce(audit_verify(), 0)"), 0);
    store_db_destroy(&db);
}

/* 0010 tested FOUND after a PERFORM: a job without a live attempt stayed
 * "running" with cancel_requested set, forever. */
static void test_cancel_without_live_attempt(void **state)
{
    store_fixture_t *f = *state;
    store_db_t *db = store_test_db_fresh(f, "ctl_cancel");
    char task[64], sql[512];
    s_job_on_w1(db, task);
    snprintf(sql, sizeof sql, "UPDATE tasks SET state = 'failed', finished_at = now() WHERE id = '%s'", task);
    store_test_ok(db, sql);
    char *state_after = store_test_scalar(db, "SELECT job_state FROM airlock_cancel((SELECT id FROM jobs), 'client')");
    assert_string_equal(state_after, "cancelled");
    free(state_after);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM jobs WHERE state = 'cancelled' AND verdict = "
                                        "'cancelled' AND reason = 'cancelled (no live attempt)'"), 1);
    store_db_destroy(&db);
}

/* An exec loop: 100,000 exec events of one attempt, as the worker sends them.
 * Before 0075 each was a task_events row, an exec_events row and an audit
 * row. */
static void test_exec_loop_stores_at_most_the_cap(void **state)
{
    store_fixture_t *f = *state;
    store_db_t *db = store_test_db_fresh(f, "ctl_caps");
    char task[64], sql[1024];
    s_job_on_w1(db, task);
    store_test_ok(db, "SELECT airlock_event_limits_set(1000, 1048576)");
    long audit_before = store_test_int(db, "SELECT count(*) FROM audit_log");
    snprintf(sql, sizeof sql, "SELECT airlock_store_event('%s', 1, 0, 'stage.start', 1, '{\"stage\": \"test\"}', 'w1')",
             task);
    store_test_ok(db, sql);
    long long stored = 0;
    for (int k = 0; k < 100; k++) {   /* as airlockd stores them: in batches, one transaction each */
        snprintf(sql, sizeof sql, "SELECT count(*) FILTER (WHERE airlock_store_event('%s', 1, g, 'exec', g, "
                 "jsonb_build_object('stage', 'test', 'pid', g, 'ppid', 1, 'uid', 0, 'path', '/bin/true', "
                 "'argv', 'true ' || g), 'w1')) FROM generate_series(%d, %d) g", task, k * 1000 + 1, k * 1000 + 1000);
        stored += store_test_int(db, sql);
    }
    assert_true(stored <= 1001);   /* the cap, and the summary event */
    assert_true(store_test_int(db, "SELECT count(*) FROM task_events") <= 1001);
    assert_true(store_test_int(db, "SELECT count(*) FROM exec_events") <= 1000);
    assert_true(store_test_int(db, "SELECT count(*) FROM audit_log") - audit_before <= 1001);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM task_events WHERE kind = 'events.capped' "
                                        "AND (data->>'max_events')::int = 1000"), 1);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM audit_log WHERE action = 'events.capped'"), 1);
    assert_int_equal(store_test_int(db, "SELECT events + dropped_events FROM task_event_counts"), 100001);
    /* a retransmission is not counted twice; the evidence still gets in */
    snprintf(sql, sizeof sql, "SELECT airlock_store_event('%s', 1, 5, 'exec', 5, '{}', 'w1')::int", task);
    assert_int_equal(store_test_int(db, sql), 0);
    snprintf(sql, sizeof sql, "SELECT airlock_store_event('%s', 1, 100001, 'stage.end', 1, "
             "'{\"stage\": \"test\", \"exit_status\": 0}', 'w1')::int", task);
    assert_int_equal(store_test_int(db, sql), 1);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM stage_runs WHERE stage = 'test'"), 1);
    assert_int_equal(store_test_int(db, "SELECT events + dropped_events FROM task_event_counts"), 100002);
    store_db_destroy(&db);
}

/* Issue 15: a worker that lost its attempt (died, came back) asked first and
 * got the retry, three times in a row, while another worker was free. */
static void test_retry_prefers_another_worker(void **state)
{
    store_fixture_t *f = *state;
    store_db_t *db = store_test_db_fresh(f, "ctl_retry");
    char task[64];
    s_job_on_w1(db, task);
    char *outcome = store_test_scalar(db, "SELECT string_agg(outcome, ',') FROM "
                                          "airlock_release_worker_tasks('w1', NULL, 'worker dead')");
    assert_string_equal(outcome, "requeued");
    free(outcome);
    /* w1 is back and asks first: w2 is free, so the retry waits for w2 */
    store_test_ok(db, "SELECT airlock_worker_seen('w1', 'w1', 2, '{host}', 'none', '{}', 'x')");
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM airlock_claim('w1', '{host}', '{}', 2, 60000)"), 0);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM tasks WHERE attempt = 2 AND state = 'queued'"), 1);
    assert_int_equal(store_test_int(db, "SELECT attempt FROM airlock_claim('w2', '{host}', '{}', 2, 60000)"), 2);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM audit_log WHERE action = 'task.assigned' "
                                        "AND detail->>'worker' = 'w1'"), 1);
    /* lost on w2 too: every worker ran it once, nobody else is free, so the
     * retry is not held back from the worker that asks */
    store_test_ok(db, "SELECT airlock_release_worker_tasks('w2', NULL, 'worker dead')");
    assert_int_equal(store_test_int(db, "SELECT attempt FROM airlock_claim('w1', '{host}', '{}', 2, 60000)"), 3);
    store_db_destroy(&db);
}

/* jobs.spec_sha256 holds 64 lower-case hex digits or nothing else (0073;
 * checked without a regex since 0110): the same values pass and fail. */
static void test_spec_hash_format_checked(void **state)
{
    store_fixture_t *f = *state;
    store_db_t *db = store_test_db_fresh(f, "ctl_spec_hash");
    static const char *const bad[] = {
        "repeat('A', 64)", "repeat('a', 63)", "repeat('a', 65)", "'g' || repeat('a', 63)",
        "' ' || repeat('a', 63)", "repeat('a', 63) || chr(10)", "''", "repeat('0', 62) || '-1'",
    };
    char task[64], sql[256], code[6];
    s_job_on_w1(db, task);
    store_test_ok(db, "UPDATE jobs SET spec_sha256 = '0123456789abcdef' || repeat('f', 48)");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(sql, sizeof sql, "UPDATE jobs SET spec_sha256 = %s", bad[i]);
        assert_int_not_equal(store_test_fails(db, sql, code), 0);
        assert_string_equal(code, "23514");   /* check_violation */
    }
    store_db_destroy(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_for_another_workers_attempt_refused),
        cmocka_unit_test(test_cancel_without_live_attempt),
        cmocka_unit_test(test_batches_same_answers),
        cmocka_unit_test(test_exec_loop_stores_at_most_the_cap),
        cmocka_unit_test(test_retry_prefers_another_worker),
        cmocka_unit_test(test_spec_hash_format_checked),
    };
    return cmocka_run_group_tests(tests, store_fixture_setup, store_fixture_teardown);
}
