/*
 * test_store_views.c: the dashboard views over real rows: a job retried once
 * (findings, file changes and egress counted for the authoritative attempt
 * only), a running job, a queued job, three workers with different loads.
 * Views are read as the application role.
 */
#include "store_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SEED[] =
    "INSERT INTO workers (id, name, slots, drivers, accel) VALUES "
    " ('wkey1', 'w1', 4, '{microvm,ns}', 'kvm'), ('wkey2', 'w2', 2, '{ns}', 'ns'),"
    " ('wkey3', 'w3', 1, '{ns}', 'ns');"
    "INSERT INTO jobs (id, spec, state, verdict, labels, task_id, attempt, authoritative_attempt,"
    "                  created_at, started_at, finished_at) VALUES"
    " ('jA', '{}', 'finished', 'accepted', '{\"repo\": \"r1\", \"pr\": \"12\"}', 'tA', 2, 2,"
    "  now() - interval '10 min', now() - interval '9 min', now() - interval '5 min'),"
    " ('jD', '{}', 'finished', 'tests_failed', '{}', 'tD', 1, 1,"
    "  now() - interval '3 hours', now() - interval '3 hours', now() - interval '2 hours'),"
    " ('jE', '{}', 'finished', 'accepted', '{}', 'tE', 1, 1,"
    "  now() - interval '12 min', now() - interval '11 min', now() - interval '10 min');"
    "INSERT INTO jobs (id, spec, state, task_id, started_at) VALUES ('jB', '{}', 'running', 'tB', now());"
    "INSERT INTO jobs (id, spec, task_id) VALUES ('jC', '{}', 'tC');"
    "INSERT INTO tasks (id, attempt, job_id, state, worker_id, lease_expires_at, finished_at) VALUES"
    " ('tA', 1, 'jA', 'expired', 'wkey1', now() - interval '8 min', now() - interval '8 min'),"
    " ('tA', 2, 'jA', 'done', 'wkey2', now() - interval '6 min', now() - interval '5 min'),"
    " ('tB', 1, 'jB', 'running', 'wkey1', now() + interval '1 min', NULL),"
    " ('tC', 1, 'jC', 'queued', NULL, NULL, NULL),"
    " ('tD', 1, 'jD', 'done', 'wkey1', now() - interval '2 hours', now() - interval '2 hours'),"
    " ('tE', 1, 'jE', 'done', 'wkey1', now() - interval '10 min', now() - interval '10 min');"
    "INSERT INTO results (job_id, task_id, attempt, verdict, authoritative, worker_id) VALUES"
    " ('jA', 'tA', 1, 'sandbox_error', false, 'wkey1'),"
    " ('jA', 'tA', 2, 'accepted', true, 'wkey2');"
    "INSERT INTO findings (task_id, attempt, analyzer, rule_id, severity, file, line, message,"
    "                      blocking) VALUES"
    " ('tA', 1, 'secrets', 'secrets.aws_key', 'high', 'a.py', 3, 'AWS key', true),"
    " ('tA', 2, 'secrets', 'secrets.aws_key', 'high', 'a.py', 3, 'AWS key', true),"
    " ('tA', 2, 'secrets', 'secrets.aws_key', 'high', 'b.py', 9, 'AWS key', false),"
    " ('tA', 2, 'shell', 'shell.curl_pipe', 'medium', 'x.sh', 1, 'curl | sh', false),"
    " ('tB', 1, 'shell', 'shell.curl_pipe', 'medium', 'y.sh', 2, 'curl | sh', false);"
    "INSERT INTO file_changes (task_id, attempt, path, status, new_mode, new_size, violation) VALUES"
    " ('tA', 1, 'old.txt', 'added', 33188, 1, NULL),"
    " ('tA', 2, 'src/a.py', 'modified', 33188, 10, NULL),"
    " ('tA', 2, '.github/workflows/ci.yml', 'modified', 33188, 20, 'protected path');"
    "INSERT INTO egress_events (task_id, attempt, stage, host, port, method, allowed, reason) VALUES"
    " ('tA', 1, 'run', 'evil.example', 443, 'CONNECT', false, 'not in allowlist'),"
    " ('tA', 2, 'run', 'pypi.org', 443, 'CONNECT', true, NULL),"
    " ('tA', 2, 'run', 'evil.example', 443, 'CONNECT', false, 'not in allowlist'),"
    " ('tA', 2, 'test', '10.0.0.1', 80, 'GET', false, 'ip literal');";

static int s_views_setup(void **state)
{
    if (store_fixture_setup(state) != 0)
        return -1;
    store_fixture_t *f = *state;
    if (store_db_run_script(f->db, SEED) != 0 || store_db_run(f->db, "SET ROLE airlock_app") != 0) {
        print_error("seed: %s\n", al_err_msg());
        return -1;
    }
    return 0;
}

static void test_job_summary(void **state)
{
    store_fixture_t *f = *state;
    PGresult *res = NULL;
    int rc = store_db_exec(f->db, &res,
        "SELECT job_id, state, coalesce(verdict, '-'), attempts, reported_attempt, findings,"
        " blocking_findings, changed_files, policy_violations, blocked_egress,"
        " round(queue_seconds)::int, coalesce(round(run_seconds)::int, -1),"
        " coalesce(labels->>'repo', '-')"
        " FROM v_job_summary WHERE job_id IN ('jA', 'jB', 'jC') ORDER BY job_id", 0, NULL);
    if (rc != 0)
        fail_msg("%s", al_err_msg());
    assert_int_equal(PQntuples(res), 3);
    const char *want[3][13] = {
        {"jA", "finished", "accepted", "2", "2", "3", "1", "2", "1", "2", "60", "240", "r1"},
        {"jB", "running", "-", "1", "1", "1", "0", "0", "0", "0", "0", "-1", "-"},
        {"jC", "queued", "-", "1", "1", "0", "0", "0", "0", "0", "-1", "-1", "-"},   /* -1: NULL */
    };
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 13; c++) {
            const char *got = PQgetisnull(res, r, c) ? "-1" : PQgetvalue(res, r, c);
            if (strcmp(got, want[r][c]) != 0)
                fail_msg("v_job_summary row %s column %s: got %s, want %s", want[r][0],
                         PQfname(res, c), got, want[r][c]);
        }
    PQclear(res);
}

static void test_findings_by_rule(void **state)
{
    store_fixture_t *f = *state;
    char *got = store_test_scalar(f->db,
        "SELECT string_agg(format('%s/%s/%s:%s,%s,%s', analyzer, rule_id, severity, findings,"
        " blocking, jobs), ' ' ORDER BY rule_id) FROM v_findings_by_rule");
    assert_string_equal(got, "secrets/secrets.aws_key/high:3,2,1 shell/shell.curl_pipe/medium:2,0,2");
    free(got);
}

static void test_worker_load(void **state)
{
    store_fixture_t *f = *state;
    char *got = store_test_scalar(f->db,
        "SELECT string_agg(format('%s:%s,%s,%s,%s,%s', name, slots, running, free_slots,"
        " done_last_hour, failed_last_hour), ' ' ORDER BY name) FROM v_worker_load");
    assert_string_equal(got, "w1:4,1,3,1,1 w2:2,0,2,1,0 w3:1,0,1,0,0");
    free(got);
}

static void test_egress_blocked(void **state)
{
    store_fixture_t *f = *state;
    char *got = store_test_scalar(f->db,
        "SELECT string_agg(format('%s/%s/%s:%s:%s', job_id, attempt, host, port, labels->>'pr'),"
        " ' ' ORDER BY attempt, host) FROM v_egress_blocked");
    assert_string_equal(got, "jA/1/evil.example:443:12 jA/2/10.0.0.1:80:12 jA/2/evil.example:443:12");
    free(got);
}

/* v_queue_depth (0095, the autoscaler's query): tC waits, tB runs; done and
 * expired attempts are not work. A cancel request takes a queued job out of
 * the count; a reader (the autoscaler's role) may read the view. */
static void test_queue_depth(void **state)
{
    store_fixture_t *f = *state;
    char *got = store_test_scalar(f->db, "SELECT format('%s,%s,%s', queued, running, desired_slots) FROM v_queue_depth");
    assert_string_equal(got, "1,1,2");
    free(got);
    assert_true(store_test_int(f->db, "SELECT oldest_queued_s FROM v_queue_depth") >= 0);
    store_test_ok(f->db, "RESET ROLE; SET ROLE airlock_reader");
    assert_int_equal(store_test_int(f->db, "SELECT desired_slots FROM v_queue_depth"), 2);
    store_test_ok(f->db, "RESET ROLE; UPDATE jobs SET cancel_requested = true WHERE id = 'jC'");
    got = store_test_scalar(f->db, "SELECT format('%s,%s,%s,%s', queued, running, desired_slots, oldest_queued_s)"
                            " FROM v_queue_depth");
    assert_string_equal(got, "0,1,1,0");
    free(got);
    store_test_ok(f->db, "UPDATE jobs SET cancel_requested = false WHERE id = 'jC'; SET ROLE airlock_app");
}

/* Constraints keep the dashboards honest: a second authoritative result, a
 * second live attempt, a bad enum are refused. */
static void test_constraints(void **state)
{
    store_fixture_t *f = *state;
    char st[6];
    store_test_fails(f->db, "UPDATE results SET authoritative = true WHERE attempt = 1", st);
    assert_string_equal(st, "23505");
    store_test_fails(f->db, "INSERT INTO tasks (id, attempt, job_id) VALUES ('tC', 2, 'jC')", st);
    assert_string_equal(st, "23505");
    store_test_fails(f->db, "INSERT INTO findings (task_id, attempt, analyzer, rule_id, severity,"
                     " message) VALUES ('tA', 2, 'a', 'r', 'catastrophic', 'm')", st);
    assert_string_equal(st, "23514");
    store_test_fails(f->db, "INSERT INTO task_events (task_id, attempt, seq, kind) "
                     "VALUES ('tZ', 1, 1, 'x')", st);
    assert_string_equal(st, "23503");
    store_test_ok(f->db, "INSERT INTO task_events (task_id, attempt, seq, kind) VALUES "
                  "('tB', 1, 1, 'stage.start') ON CONFLICT (task_id, attempt, seq) DO NOTHING;"
                  "INSERT INTO task_events (task_id, attempt, seq, kind) VALUES "
                  "('tB', 1, 1, 'stage.start') ON CONFLICT (task_id, attempt, seq) DO NOTHING");
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM task_events WHERE task_id = 'tB'"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_job_summary),
        cmocka_unit_test(test_findings_by_rule),
        cmocka_unit_test(test_worker_load),
        cmocka_unit_test(test_egress_blocked),
        cmocka_unit_test(test_constraints),
        cmocka_unit_test(test_queue_depth),
    };
    return cmocka_run_group_tests(tests, s_views_setup, store_fixture_teardown);
}
