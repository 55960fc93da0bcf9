/*
 * test_pipeline_live.c: what happens to a job while its command runs, through
 * the real stack on every available driver (ns, microvm, gvisor): a private
 * PostgreSQL, airlockd, one airlock-worker per case offering only that driver,
 * the airlock CLI. Every assertion reads PostgreSQL.
 *
 * - exec_lost_<driver> (issue 12): the worker's exec source, the kernel's proc
 *   connector (the worker's own on ns, airlock-init's in a microVM), gets a
 *   tiny receive buffer (AIRLOCK_PROCEV_RCVBUF, passed to the guest on its
 *   kernel command line) and the run stage execs a burst of processes: the
 *   socket overflows and the kernel drops events. The loss is on record: an
 *   `exec.lost` event of the run stage and its audit row `event.exec.lost`.
 *   (gVisor's exec events come from its own trace points, no proc connector.)
 * - cancel_running_<driver> (issue 11): a job whose run command is
 *   `sleep 3600` is cancelled with `airlock cancel` once its run stage
 *   started; the job ends `cancelled` and no process of the task is left.
 *   The time from the cancel to the job's end is printed (no assertion on it:
 *   the house has no timing assertions in tests; bench/ measures).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "plcluster.h"
#include "common/error.h"
#include "worker/sandbox/sandbox.h"

#define LIVE_WAIT_MS 900000   /* hang guard, not a timing assertion */

static struct {
    cluster_t *c;
    pl_worker_t w;
    char plugins[400];
} g;

static int group_setup(void **state)
{
    (void)state;
    cluster_opts_t o = { .workers = 0, .slots = 1, .heartbeat_ms = 200, .lease_ms = 30000 };
    int rc = cluster_start(&g.c, &o);
    snprintf(g.plugins, sizeof g.plugins, "%s/plugins", g.c ? cluster_dir(g.c) : "/nonexistent");
    if (rc == AL_OK)
        rc = pl_sh("mkdir -p '%s'", g.plugins);   /* the jobs run no analyzer */
    if (rc != AL_OK) {
        fprintf(stderr, "live group setup: %s\n", al_err_msg());
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    cluster_stop(&g.c);
    return 0;
}

static int case_teardown(void **state)
{
    (void)state;
    pl_worker_stop(&g.w);
    unsetenv("AIRLOCK_PROCEV_RCVBUF");
    return 0;
}

/* Starts this case's worker on `driver`; 0, or 1 when the driver is unusable here. */
static int s_worker(const char *driver, const char *name)
{
    if (!sandbox_driver_available(driver)) {
        printf("SKIP %s[%s]: driver unavailable here: %s\n", name, driver, al_err_msg());
        return 1;
    }
    char wname[32];
    snprintf(wname, sizeof wname, "%.8s-%.12s", name, driver);
    if (pl_worker_start(g.c, &g.w, wname, driver, g.plugins, "") != AL_OK)
        fail_msg("worker on %s: %s", driver, al_err_msg());
    return 0;
}

/* The 1-minute load average, for the printed measurements. */
static const char *s_loadavg(void)
{
    static char buf[32];
    FILE *f = fopen("/proc/loadavg", "re");
    if (!f || !fgets(buf, sizeof buf, f))
        snprintf(buf, sizeof buf, "?");
    if (f)
        fclose(f);
    buf[strcspn(buf, " ")] = '\0';
    return buf;
}

static json_t *s_job(const char *name, const char *driver, const char *run, const char *test)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:[s], s:{s:[]}, s:{s:s}}", "repo", cluster_repo(g.c), "base", "HEAD",
                     "test", test, "driver", driver, "run", run, "policy", "analyzers", "labels", "case", name);
}

/* ---- exec events lost ---------------------------------------------------- */

static void s_exec_lost(const char *driver)
{
    setenv("AIRLOCK_PROCEV_RCVBUF", "1", 1);   /* the kernel's minimum: a few events */
    if (s_worker(driver, "execlost"))
        skip();
    /* eight shells exec 100 processes each, at once, on two CPUs (a microVM's
     * init reads its connector at real-time priority: on one vCPU it would
     * run before each next event) */
    const char *burst = "for j in 1 2 3 4 5 6 7 8; do (for i in $(seq 100); do /bin/true; done) & done; wait";
    json_t *job = s_job("execlost", driver, burst, "true");
    json_object_set_new(json_object_get(job, "policy"), "limits", json_pack("{s:i}", "vcpus", 2));
    char *id = pl_submit(g.c, "execlost", job);
    json_decref(job);
    assert_non_null(id);
    char *verdict = pl_wait_verdict(g.c, id);
    if (strcmp(verdict, "accepted") != 0)
        fail_msg("[%s] verdict '%s' (logs in %s)", driver, verdict, cluster_dir(g.c));
    char *task = pl_sql_text(g.c, "SELECT task_id FROM jobs WHERE id = '%s'", id);
    assert_non_null(task);
    long lost = pl_sql_long(g.c, "SELECT coalesce(sum((data->>'overflows')::int), 0) FROM task_events "
                                 "WHERE task_id = '%s' AND kind = 'exec.lost' AND data->>'stage' = 'run'", task);
    long execs = pl_sql_long(g.c, "SELECT count(*) FROM exec_events WHERE task_id = '%s' AND stage = 'run'", task);
    print_message("[%s] run stage: %ld exec events stored, %ld overflows recorded\n", driver, execs, lost);
    if (lost < 1)
        fail_msg("[%s] %ld exec events of 800+ stored and no exec.lost event (logs in %s)", driver, execs,
                 cluster_dir(g.c));
    char sql[600];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE task_id = '%s' AND action = 'event.exec.lost' "
             "AND actor = '%s' AND (detail->>'overflows')::int >= 1 AND detail->>'stage' = 'run'", task, g.w.key);
    assert_true(cluster_sql_long(g.c, sql) >= 1);
    free(task), free(verdict), free(id);
}

static void exec_lost_ns(void **state) { (void)state; s_exec_lost("ns"); }
static void exec_lost_microvm(void **state) { (void)state; s_exec_lost("microvm"); }

/* ---- cancel of a running stage --------------------------------------------- */

static uint64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void s_cancel_running(const char *driver)
{
    if (s_worker(driver, "cancel"))
        skip();
    json_t *job = s_job("cancel", driver, "exec sleep 3600", "true");
    char *id = pl_submit(g.c, "cancel", job);
    json_decref(job);
    assert_non_null(id);
    /* running: the sandbox reported the exec of `sleep 3600` (it reached the database) */
    char sql[700];
    snprintf(sql, sizeof sql, "SELECT count(*) > 0 FROM exec_events e JOIN jobs j ON j.task_id = e.task_id "
             "WHERE j.id = '%s' AND e.stage = 'run' AND array_to_string(e.argv, ' ') LIKE 'sleep 3600%%'", id);
    if (!cluster_wait_sql(g.c, sql, LIVE_WAIT_MS))
        fail_msg("[%s] the run stage never ran sleep (logs in %s)", driver, cluster_dir(g.c));
    print_message("[%s] sleep runs; the worker has %d task processes\n", driver, pl_worker_descendants(&g.w));
    uint64_t t0 = s_now_ms();
    const char *args[] = { "cancel", id, NULL };
    assert_int_equal(cluster_cli(g.c, NULL, args), 0);
    snprintf(sql, sizeof sql, "SELECT state IN ('cancelled', 'finished') FROM jobs WHERE id = '%s'", id);
    if (!cluster_wait_sql(g.c, sql, LIVE_WAIT_MS))
        fail_msg("[%s] the job did not end after the cancel (logs in %s)", driver, cluster_dir(g.c));
    uint64_t ended = s_now_ms() - t0;
    char *state = pl_sql_text(g.c, "SELECT state || '/' || coalesce(verdict, '-') || '/' || coalesce(reason, '') "
                                   "FROM jobs WHERE id = '%s'", id);
    assert_non_null(state);
    print_message("[%s] cancel -> job ended in %llu ms (%s; load %s)\n", driver, (unsigned long long)ended, state,
                  s_loadavg());
    /* the reason says what happened (before, on microvm: "reading the workspace back: sandbox is broken") */
    if (strcmp(state, "cancelled/cancelled/run[0] `/bin/sh -c exec sleep 3600` cancelled while it ran") != 0)
        fail_msg("[%s] job ended %s, want cancelled while it ran (logs in %s)", driver, state, cluster_dir(g.c));
    /* the sandbox is gone by then: cleanup runs before the result is reported */
    assert_int_equal(pl_worker_descendants(&g.w), 0);
    assert_int_equal(pl_worker_task_dirs(&g.w), 0);
    assert_int_equal(kill(g.w.pid, 0), 0);   /* the worker lives on */
    char *task = pl_sql_text(g.c, "SELECT task_id FROM jobs WHERE id = '%s'", id);
    assert_non_null(task);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM stage_runs WHERE task_id = '%s' AND stage = 'test'",
                                 task), 0);
    free(task), free(state), free(id);
}

static void cancel_running_ns(void **state) { (void)state; s_cancel_running("ns"); }
static void cancel_running_microvm(void **state) { (void)state; s_cancel_running("microvm"); }
static void cancel_running_gvisor(void **state) { (void)state; s_cancel_running("gvisor"); }

int main(void)
{
    if (geteuid() != 0) {
        printf("SKIP: the sandboxes and the private PostgreSQL need root here\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(exec_lost_ns, case_teardown),
        cmocka_unit_test_teardown(exec_lost_microvm, case_teardown),
        cmocka_unit_test_teardown(cancel_running_ns, case_teardown),
        cmocka_unit_test_teardown(cancel_running_microvm, case_teardown),
        cmocka_unit_test_teardown(cancel_running_gvisor, case_teardown),
    };
    if (getenv("LIVE_FILTER"))   /* e.g. LIVE_FILTER='cancel*' */
        cmocka_set_test_filter(getenv("LIVE_FILTER"));
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
