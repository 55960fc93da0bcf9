/*
 * test_failover.c: several airlockd on one database (issue 15), with real
 * processes: two airlockd on a private PostgreSQL, workers and the airlock
 * CLI configured with both endpoints.
 *
 * - The active airlockd is SIGKILLed while jobs run and a client waits: the
 *   standby takes over, workers and the waiting client move to it, every job
 *   ends with exactly one authoritative result, and the waiting client gets
 *   it. The times to resume are printed (measured, not asserted).
 * - `airlockd migrate` runs while an airlockd is active (its own lock).
 * - An active airlockd whose database session was lost while another took
 *   over stops (exit status 75) and writes nothing more (fencing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <czmq.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster_check.h"
#include "pg_harness.h"
#include "common/error.h"
#include "orchestrator/store/migrate.h"

#define WAIT_MS 120000

static cluster_t *s_cluster(int workers)
{
    cluster_opts_t o = { .workers = workers, .slots = 2, .heartbeat_ms = 200, .lease_ms = 4000,
                         .airlockds = 2, .client_timeout_ms = 1000 };
    cluster_t *c = NULL;
    if (cluster_start(&c, &o) != AL_OK)
        fail_msg("cluster: %s", al_err_msg());
    if (cluster_airlockd_start_idx(c, 1) != AL_OK)
        fail_msg("second airlockd: %s", al_err_msg());
    return c;
}

/* `airlock wait JOB` in the background with both endpoints; output to path. */
static pid_t s_wait_client(cluster_t *c, const char *job, const char *path)
{
    char env[1200], cmd[1600];
    cluster_cli_env(c, env, sizeof env);
    snprintf(cmd, sizeof cmd, "exec env %s AIRLOCK_CLIENT_TIMEOUT_MS=1000 %s/cli/airlock wait %s", env,
             AIRLOCK_BUILD_DIR, job);
    const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    return cluster_spawn(argv, path);
}

static int s_exit_status(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int s_file_has(const char *path, const char *needle)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "grep -q -- '%s' %s", needle, path);
    return system(cmd) == 0;
}

/* Exactly one authoritative result per job, one stored row per attempt and
 * per (task, attempt, seq), every job finished. */
static void s_assert_exactly_once(cluster_t *c, long jobs)
{
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE state = 'finished'"), jobs);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM results WHERE authoritative"), jobs);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM (SELECT 1 FROM results WHERE authoritative "
                                         "GROUP BY job_id HAVING count(*) > 1) x"), 0);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM (SELECT 1 FROM results GROUP BY task_id, "
                                         "attempt, source HAVING count(*) > 1) x"), 0);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM (SELECT 1 FROM task_events GROUP BY "
                                         "task_id, attempt, seq HAVING count(*) > 1) x"), 0);
}

static void standby_takes_over_and_the_wait_resumes(void **state)
{
    cluster_t *c = *state = s_cluster(2);
    assert_int_equal(cluster_airlockd_active(c), 0);
    char quick[512], slow[512], out[600];
    cluster_job_file(c, "quick", "sleep 0.3", NULL, quick);
    cluster_job_file(c, "slow", "sleep 8", NULL, slow);
    for (int i = 0; i < 20; i++)
        free(cluster_submit(c, quick));
    char *waited = cluster_submit(c, slow);
    assert_non_null(waited);
    snprintf(out, sizeof out, "%s/wait.out", cluster_dir(c));
    pid_t client = s_wait_client(c, waited, out);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) = 1 FROM tasks WHERE job_id = '%s' AND state IN ('assigned', 'running')", waited);
    cluster_check_wait(c, sql, WAIT_MS);
    cluster_check_wait(c, "SELECT count(*) >= 2 FROM jobs WHERE state = 'finished'", WAIT_MS);

    int64_t t0 = zclock_mono();
    PGresult *r = PQexec(cluster_db(c), "SELECT now()");
    char killed_at[64];
    snprintf(killed_at, sizeof killed_at, "%s", PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "now()");
    PQclear(r);
    cluster_airlockd_kill_idx(c, 0, SIGKILL);
    int64_t t_active = -1, t_list = -1;
    while (zclock_mono() - t0 < WAIT_MS && (t_active < 0 || t_list < 0)) {
        if (t_active < 0 && cluster_airlockd_active(c) == 1)
            t_active = zclock_mono() - t0;
        const char *args[] = { "list", "--limit", "1", NULL };
        if (t_active >= 0 && t_list < 0 && cluster_cli(c, NULL, args) == 0)
            t_list = zclock_mono() - t0;
        zclock_sleep(20);   /* polling with a deadline */
    }
    assert_true(t_active >= 0);
    snprintf(sql, sizeof sql, "SELECT count(*) > 0 FROM jobs WHERE finished_at > '%s'::timestamptz", killed_at);
    cluster_check_wait(c, sql, WAIT_MS);
    int64_t t_job = zclock_mono() - t0;
    int code = s_exit_status(client);
    int64_t t_wait = zclock_mono() - t0;
    fprintf(stderr, "failover: standby active after %lld ms, a new client answered after %lld ms, "
            "a job finished after %lld ms, the waiting client got its result after %lld ms "
            "(heartbeat_ms 200, liveness 3, standby_poll_ms 100, client timeout 1000 ms)\n",
            (long long)t_active, (long long)t_list, (long long)t_job, (long long)t_wait);
    if (code != 0 || !s_file_has(out, "accepted")) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "cat %s >&2", out);
        (void)!system(cmd);
        fail_msg("airlock wait exited %d (logs in %s)", code, cluster_dir(c));
    }
    cluster_check_wait(c, "SELECT count(*) = 21 FROM jobs WHERE state = 'finished'", WAIT_MS);
    s_assert_exactly_once(c, 21);
    /* the old one comes back as a standby */
    assert_int_equal(cluster_airlockd_start_idx(c, 0), AL_OK);
    assert_int_equal(cluster_airlockd_active(c), 1);
    free(waited);
}

/* The leader's PostgreSQL session: the backend holding the advisory lock. */
static long s_leader_backend(cluster_t *c)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = %lld",
             STORE_LEADER_LOCK_KEY);
    return cluster_sql_long(c, sql);
}

static void superseded_airlockd_stops_and_writes_nothing(void **state)
{
    cluster_t *c = *state = s_cluster(1);
    long backend = s_leader_backend(c);
    assert_true(backend > 0);
    /* freeze the active one, end its session, let the standby take over */
    pid_t a = cluster_airlockd_pid(c, 0);
    kill(a, SIGSTOP);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%ld)::int", backend);
    assert_int_equal(cluster_sql_long(c, sql), 1);
    int64_t t0 = zclock_mono();
    while (cluster_airlockd_active(c) != 1 && zclock_mono() - t0 < WAIT_MS)
        zclock_sleep(20);   /* polling with a deadline */
    assert_int_equal(cluster_airlockd_active(c), 1);
    kill(a, SIGCONT);
    /* it notices at its next statement, cannot retake the lock, and stops */
    int status = 0;
    while (waitpid(a, &status, 0) < 0 && errno == EINTR)
        ;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 75);
    cluster_airlockd_kill_idx(c, 0, SIGKILL);   /* forget the reaped pid */
    char job[512];
    cluster_job_file(c, "after", "true", NULL, job);
    char *id = cluster_submit(c, job);
    assert_non_null(id);
    cluster_check_wait(c, "SELECT count(*) = 1 FROM jobs WHERE state = 'finished' AND verdict = 'accepted'", WAIT_MS);
    assert_true(s_leader_backend(c) > 0);
    free(id);
}

/* `airlockd migrate` (an upgrade: compose's migrate service, the Kubernetes Job)
 * while an airlockd is active and another stands by: the migrator's lock is not
 * the leader's, so it applies (here: nothing new) at once and nobody's role
 * changes. With one key for both it queued behind the active airlockd's
 * session forever; lock_timeout turns that wait into a failure. */
static void migrate_runs_while_an_airlockd_is_active(void **state)
{
    cluster_t *c = *state = s_cluster(0);
    assert_int_equal(cluster_airlockd_active(c), 0);
    setenv("PGOPTIONS", "-c lock_timeout=20000", 1);
    int rc = cluster_migrate(c);
    unsetenv("PGOPTIONS");
    if (rc != AL_OK)
        fail_msg("migrate with an active airlockd: %s", al_err_msg());
    assert_int_equal(cluster_airlockd_active(c), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(migrate_runs_while_an_airlockd_is_active, cluster_check_teardown),
        cmocka_unit_test_teardown(standby_takes_over_and_the_wait_resumes, cluster_check_teardown),
        cmocka_unit_test_teardown(superseded_airlockd_stops_and_writes_nothing, cluster_check_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
