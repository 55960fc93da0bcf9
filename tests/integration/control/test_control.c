/*
 * test_control.c: the control plane with real processes: airlockd, workers and
 * the airlock CLI over CurveZMQ, with a private PostgreSQL as the truth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_check.h"
#include "cluster_raw.h"
#include "pg_harness.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/proto/proto.h"
#include "common/wire/wire.h"
#include "worker/sandbox/sandbox.h"

#include <unistd.h>

#define WAIT_MS 120000

static cluster_t *s_cluster(int workers, int slots)
{
    cluster_opts_t o = { .workers = workers, .slots = slots, .heartbeat_ms = 200, .lease_ms = 4000 };
    cluster_t *c = NULL;
    int rc = cluster_start(&c, &o);
    if (rc != AL_OK)
        fail_msg("cluster: %s", al_err_msg());
    return c;
}

/* Submits the job file; returns the job id (malloc'd). */
static char *s_submit(cluster_t *c, const char *job_file)
{
    char *id = cluster_submit(c, job_file);
    assert_non_null(id);
    return id;
}

static long s_long(cluster_t *c, const char *fmt, const char *arg)
{
    char sql[1024];
    snprintf(sql, sizeof sql, fmt, arg);
    return cluster_sql_long(c, sql);
}

/* On failure, say why jobs were not accepted (verdict, reason, attempts). */
static void s_show_unaccepted(cluster_t *c)
{
    PGresult *r = PQexec(cluster_db(c), "SELECT id, verdict, reason, attempt FROM jobs "
                                        "WHERE verdict IS DISTINCT FROM 'accepted' LIMIT 10");
    for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++)
        fprintf(stderr, "not accepted: job %s verdict %s attempt %s reason: %s\n", PQgetvalue(r, i, 0),
                PQgetvalue(r, i, 1), PQgetvalue(r, i, 3), PQgetvalue(r, i, 2));
    PQclear(r);
}

static void hundred_jobs_across_three_workers(void **state)
{
    cluster_t *c = *state = s_cluster(3, 2);
    char job[512];
    cluster_job_file(c, "many", "true", NULL, job);
    for (int i = 0; i < 100; i++)
        free(s_submit(c, job));
    cluster_check_wait(c, "SELECT count(*) = 100 FROM jobs WHERE state = 'finished'", WAIT_MS);
    s_show_unaccepted(c);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE verdict = 'accepted'"), 100);
    /* exactly one authoritative result per job */
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM (SELECT job_id FROM results "
                                         "WHERE authoritative GROUP BY job_id HAVING count(*) = 1) x"), 100);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM results WHERE authoritative"), 100);
    /* every worker took part */
    assert_int_equal(cluster_sql_long(c, "SELECT count(DISTINCT worker_id) FROM tasks WHERE state = 'done'"), 3);
    /* and the audit chain holds, with checkpoints signed by the signer's key,
     * checked by a reader */
    cluster_check_wait(c, "SELECT count(*) >= 2 FROM audit_checkpoints", WAIT_MS);
    char db[600], pub[400];
    pg_harness_conninfo_as(cluster_pg(c), "airlock_report", db, sizeof db);
    snprintf(pub, sizeof pub, "%s/audit.pub", cluster_dir(c));
    const char *args[] = { "--db", db, "audit", "verify", "--public-key", pub, NULL };
    assert_int_equal(cluster_cli(c, NULL, args), 0);
    /* a checkpoint of a rewritten history no longer verifies */
    PGresult *r = PQexec(cluster_db(c),
                         "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete; "
                         "UPDATE audit_log SET action = 'forged' WHERE id = 2; "
                         "ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_update_delete");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("tampering failed: %s", PQerrorMessage(cluster_db(c)));
    PQclear(r);
    assert_int_not_equal(cluster_cli(c, NULL, args), 0);
}

static void sigkill_worker_requeues_its_attempts(void **state)
{
    cluster_t *c = *state = s_cluster(1, 2);
    char flag[400], cmd[600], job[512];
    snprintf(flag, sizeof flag, "%s/go", cluster_dir(c));
    /* Blocks until the flag exists: holds worker 0 until we kill it. */
    snprintf(cmd, sizeof cmd, "while [ ! -e %s ]; do sleep 0.05; done", flag);
    cluster_job_file(c, "blocked", cmd, NULL, job);
    char *a = s_submit(c, job), *b = s_submit(c, job);
    cluster_check_wait(c, "SELECT count(*) = 2 FROM tasks WHERE state IN ('assigned', 'running') AND attempt = 1", WAIT_MS);
    cluster_worker_kill(c, 0, SIGKILL);
    FILE *f = fopen(flag, "w");
    fclose(f);
    assert_int_equal(cluster_worker_start(c, 1), AL_OK);
    cluster_check_wait(c, "SELECT count(*) = 2 FROM jobs WHERE state = 'finished'", WAIT_MS);
    for (int i = 0; i < 2; i++) {
        const char *id = i ? b : a;
        assert_int_equal(s_long(c, "SELECT attempt FROM jobs WHERE id = '%s'", id), 2);
        assert_int_equal(s_long(c, "SELECT count(*) FROM tasks WHERE job_id = '%s'", id), 2);
        assert_int_equal(s_long(c, "SELECT count(*) FROM tasks WHERE job_id = '%s' AND attempt = 1 "
                                   "AND state = 'expired'", id), 1);
        assert_int_equal(s_long(c, "SELECT count(*) FROM tasks WHERE job_id = '%s' AND attempt = 2 "
                                   "AND state = 'done'", id), 1);
        assert_int_equal(s_long(c, "SELECT count(*) FROM jobs WHERE id = '%s' AND verdict = 'accepted'", id), 1);
    }
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM tasks WHERE attempt = 2 AND worker_id = '%s'",
             cluster_worker_key(c, 1));
    assert_int_equal(cluster_sql_long(c, sql), 2);
    free(a);
    free(b);
}

static void airlockd_restart_loses_and_doubles_nothing(void **state)
{
    cluster_t *c = *state = s_cluster(2, 2);
    char job[512];
    cluster_job_file(c, "restart", "sleep 0.2", NULL, job);
    for (int i = 0; i < 20; i++)
        free(s_submit(c, job));
    cluster_check_wait(c, "SELECT count(*) >= 3 FROM jobs WHERE state = 'finished'", WAIT_MS);
    cluster_airlockd_kill(c, SIGKILL);
    assert_int_equal(cluster_airlockd_start(c), AL_OK);
    cluster_check_wait(c, "SELECT count(*) = 20 FROM jobs WHERE state = 'finished'", WAIT_MS);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM results WHERE authoritative"), 20);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE verdict = 'accepted'"), 20);
    /* one stored result per attempt, one stored event per (task, attempt, seq) */
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM (SELECT 1 FROM results GROUP BY task_id, "
                                         "attempt, source HAVING count(*) > 1) x"), 0);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM (SELECT 1 FROM task_events GROUP BY "
                                         "task_id, attempt, seq HAVING count(*) > 1) x"), 0);
    /* every finished attempt has the stage events of its whole run */
    const char *missing = "SELECT t.id, t.attempt, (SELECT string_agg(e.seq || ':' || e.kind || ':' || "
                          "coalesce(e.data->>'stage', ''), ' ' ORDER BY e.seq) FROM task_events e "
                          "WHERE e.task_id = t.id AND e.attempt = t.attempt) FROM tasks t WHERE "
                          "t.state = 'done' AND NOT EXISTS (SELECT 1 FROM task_events e WHERE "
                          "e.task_id = t.id AND e.attempt = t.attempt AND e.kind = 'stage.end' AND "
                          "e.data->>'stage' = 'test')";
    /* Events may arrive after their RESULT (a resend after the restart), so
     * wait for the outboxes to drain before naming what is missing. */
    char drained[1400];
    snprintf(drained, sizeof drained, "SELECT count(*) = 0 FROM (%s) x", missing);
    cluster_wait_sql(c, drained, WAIT_MS);
    PGresult *r = PQexec(cluster_db(c), missing);
    for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++)
        fprintf(stderr, "task %s attempt %s lacks its test stage.end; events: %s (logs in %s)\n",
                PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), cluster_dir(c));
    int n_missing = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : -1;
    PQclear(r);
    assert_int_equal(n_missing, 0);
}

static void database_restart_loses_nothing(void **state)
{
    cluster_t *c = *state = s_cluster(2, 2);
    char job[512];
    cluster_job_file(c, "dbrestart", "sleep 0.3", NULL, job);
    for (int i = 0; i < 10; i++)
        free(s_submit(c, job));
    cluster_check_wait(c, "SELECT count(*) >= 2 FROM jobs WHERE state = 'finished'", WAIT_MS);
    assert_int_equal(pg_harness_restart(cluster_pg(c)), AL_OK);
    cluster_check_wait(c, "SELECT count(*) = 10 FROM jobs WHERE state = 'finished'", WAIT_MS);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM results WHERE authoritative"), 10);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE verdict = 'accepted'"), 10);
}

static void unknown_and_revoked_keys_are_refused(void **state)
{
    cluster_t *c = *state = s_cluster(1, 1);
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT count(*) = 1 FROM workers WHERE id = '%s'", cluster_worker_key(c, 0));
    cluster_check_wait(c, sql, WAIT_MS);
    /* A worker whose key airlockd never saw: it waits a full liveness period
     * without WELCOME, reconnects, and never appears. */
    assert_int_equal(cluster_stranger_start(c, 3), AL_OK);
    int64_t deadline = zclock_mono() + WAIT_MS;
    while (!cluster_worker_log_has(c, 3, "link.server_silent") && zclock_mono() < deadline)
        zclock_sleep(50);
    assert_true(cluster_worker_log_has(c, 3, "link.server_silent"));
    assert_false(cluster_worker_log_has(c, 3, "link.welcome"));
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM workers"), 1);
    /* Revocation: remove w0's certificate, restart it: refused on reconnect. */
    assert_int_equal(cluster_worker_revoke(c, 0), AL_OK);
    cluster_worker_kill(c, 0, SIGKILL);
    char log[400], cmd[900];
    snprintf(log, sizeof log, "%s/w0.log", cluster_dir(c));
    snprintf(cmd, sizeof cmd, "mv %s %s.before", log, log);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(cluster_worker_start(c, 0), AL_OK);
    deadline = zclock_mono() + WAIT_MS;
    while (!cluster_worker_log_has(c, 0, "link.server_silent") && zclock_mono() < deadline)
        zclock_sleep(50);
    assert_true(cluster_worker_log_has(c, 0, "link.server_silent"));
    assert_false(cluster_worker_log_has(c, 0, "link.welcome"));
    snprintf(sql, sizeof sql, "SELECT state <> 'connected' FROM workers WHERE id = '%s'",
             cluster_worker_key(c, 0));
    cluster_check_wait(c, sql, WAIT_MS);
}

static void same_idempotency_key_same_job_one_execution(void **state)
{
    cluster_t *c = *state = s_cluster(1, 2);
    char job[512];
    cluster_job_file(c, "idem", "true", "pr-42-attempt", job);
    char *a = s_submit(c, job), *b = s_submit(c, job);
    assert_string_equal(a, b);
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT state = 'finished' FROM jobs WHERE id = '%s'", a);
    cluster_check_wait(c, sql, WAIT_MS);
    char *again = s_submit(c, job);
    assert_string_equal(a, again);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM jobs"), 1);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM tasks"), 1);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM results"), 1);
    free(a);
    free(b);
    free(again);
}

/* A raw CURVE client that speaks whatever we make it. */
static zsock_t *s_raw(cluster_t *c, const char *cert_name, const char *endpoint_kind)
{
    zsock_t *s = cluster_raw(c, cert_name, endpoint_kind);
    assert_non_null(s);
    return s;
}

static proto_msg_t *s_reply(zsock_t *s) { return cluster_reply(s, PROTO_CH_CLIENT, 10000); }

static void malformed_frames_leave_the_daemon_serving(void **state)
{
    cluster_t *c = *state = s_cluster(1, 1);
    zsock_t *s = s_raw(c, "client", "client");
    /* garbage */
    zstr_send(s, "\xc1\xc1 not msgpack at all");
    proto_msg_t *m = s_reply(s);
    assert_non_null(m);
    assert_int_equal(m->type, PROTO_C_ERROR);
    assert_non_null(strstr(m->body.c_error.code, "PROTO_ERR_"));
    proto_msg_destroy(&m);
    /* two frames */
    zstr_sendx(s, "a", "b", NULL);
    m = s_reply(s);
    assert_non_null(m);
    assert_int_equal(m->type, PROTO_C_ERROR);
    proto_msg_destroy(&m);
    /* a worker message on the client channel */
    proto_msg_t *hello = proto_msg_new(PROTO_W_HELLO);
    proto_str_set(&hello->body.w_hello.worker_name, "intruder");
    proto_str_set(&hello->body.w_hello.accel, "none");
    proto_str_set(&hello->body.w_hello.version, "x");
    assert_int_equal(wire_send(s, NULL, hello), AL_OK);
    proto_msg_destroy(&hello);
    m = s_reply(s);
    assert_non_null(m);
    assert_int_equal(m->type, PROTO_C_ERROR);
    assert_string_equal(m->body.c_error.code, "PROTO_ERR_WRONG_CHANNEL");
    proto_msg_destroy(&m);
    /* an invalid job */
    proto_msg_t *sub = proto_msg_new(PROTO_C_SUBMIT);
    sub->body.c_submit.req_id = 7;
    proto_str_set(&sub->body.c_submit.job, "{\"repo\": 5}");
    assert_int_equal(wire_send(s, NULL, sub), AL_OK);
    proto_msg_destroy(&sub);
    m = s_reply(s);
    assert_non_null(m);
    assert_int_equal(m->type, PROTO_C_ERROR);
    assert_int_equal(m->body.c_error.req_id, 7);
    assert_string_equal(m->body.c_error.code, "INVALID_JOB");
    assert_non_null(strstr(m->body.c_error.message, "repo"));
    proto_msg_destroy(&m);
    zsock_destroy(&s);
    /* garbage on the worker socket from an allowed worker key */
    zsock_t *w = s_raw(c, "w0", "worker");
    zstr_send(w, "garbage");
    zstr_sendx(w, "x", "y", "z", NULL);
    zsock_destroy(&w);
    /* still serving: clients and workers */
    const char *args[] = { "list", NULL };
    assert_int_equal(cluster_cli(c, NULL, args), 0);
    char job[512];
    cluster_job_file(c, "after", "true", NULL, job);
    char *id = s_submit(c, job);
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT verdict = 'accepted' FROM jobs WHERE id = '%s'", id);
    cluster_check_wait(c, sql, WAIT_MS);
    free(id);
}

/* A stage longer than the CLI's reply timeout (3 s in the cluster): the WAIT
 * stream is silent meanwhile; `airlock wait` must keep waiting and print the
 * verdict, not give up as if airlockd were unreachable. */
static void wait_outlasts_a_long_silent_stage(void **state)
{
    cluster_t *c = *state = s_cluster(1, 1);
    char job[512];
    cluster_job_file(c, "slow", "sleep 7", NULL, job);
    char *id = s_submit(c, job);
    char *out = NULL;
    const char *args[] = { "wait", id, NULL };
    int rc = cluster_cli(c, &out, args);
    if (rc != 0)
        fail_msg("airlock wait exited %d: %s", rc, out ? out : "");
    assert_non_null(strstr(out, "verdict: accepted"));
    /* each event shown once even though the CLI asked again */
    const char *first = strstr(out, "test      started");
    assert_non_null(first);
    assert_null(strstr(first + 1, "test      started"));
    free(out);
    free(id);
}

static void sigterm_drains_the_worker(void **state)
{
    cluster_t *c = *state = s_cluster(1, 1);
    char flag[400], cmd[600], job[512];
    snprintf(flag, sizeof flag, "%s/go", cluster_dir(c));
    snprintf(cmd, sizeof cmd, "while [ ! -e %s ]; do sleep 0.05; done", flag);
    cluster_job_file(c, "drain", cmd, NULL, job);
    char *id = s_submit(c, job);
    cluster_check_wait(c, "SELECT count(*) = 1 FROM tasks WHERE state IN ('assigned', 'running')", WAIT_MS);
    cluster_worker_signal(c, 0, SIGTERM);
    /* Draining: it advertises no free slot; a job submitted now waits. */
    char *later = s_submit(c, job);
    FILE *f = fopen(flag, "w");
    fclose(f);
    assert_int_equal(cluster_worker_wait(c, 0), 0);
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT verdict = 'accepted' AND attempt = 1 FROM jobs WHERE id = '%s'", id);
    cluster_check_wait(c, sql, WAIT_MS);
    snprintf(sql, sizeof sql, "SELECT state = 'queued' FROM jobs WHERE id = '%s'", later);
    cluster_check_wait(c, sql, WAIT_MS);
    snprintf(sql, sizeof sql, "SELECT state = 'gone' FROM workers WHERE id = '%s'", cluster_worker_key(c, 0));
    cluster_check_wait(c, sql, WAIT_MS);
    free(id);
    free(later);
}


/* The host driver shares its workspace with the worker's task directory: the
 * run stage's copy-back must not empty it (it did: the tree was removed to
 * receive a copy the host driver never makes, so the result lost every file
 * and the test stage of a correct job failed). */
static void host_driver_keeps_the_tree_after_run(void **state)
{
    cluster_t *c = *state = s_cluster(1, 1);
    char path[512];
    snprintf(path, sizeof path, "%s/host-run.json", cluster_dir(c));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"repo\": \"%s\", \"base\": \"HEAD\", \"run\": [\"echo '# touched by run' >> calc.py\"], "
               "\"test\": \"grep -q 'touched by run' calc.py && python3 test_calc.py\", "
               "\"policy\": {\"analyzers\": []}}\n", cluster_repo(c));
    fclose(f);
    char *id = s_submit(c, path);
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT state = 'finished' FROM jobs WHERE id = '%s'", id);
    cluster_check_wait(c, sql, WAIT_MS);
    s_show_unaccepted(c);
    assert_int_equal(s_long(c, "SELECT count(*) FROM jobs WHERE id = '%s' AND verdict = 'accepted'", id), 1);
    /* the run stage's change is the only one: nothing of the tree was deleted */
    assert_int_equal(s_long(c, "SELECT count(*) FROM file_changes fc JOIN jobs j ON j.task_id = fc.task_id "
                               "WHERE j.id = '%s' AND fc.status = 'deleted'", id), 0);
    assert_int_equal(s_long(c, "SELECT count(*) FROM file_changes fc JOIN jobs j ON j.task_id = fc.task_id "
                               "WHERE j.id = '%s' AND fc.path = 'calc.py' AND fc.status = 'modified'", id), 1);
    free(id);
}

/* A job file on the cluster's repo with policy.min_isolation set. */
static void s_iso_job(cluster_t *c, const char *name, const char *min, char path[512])
{
    snprintf(path, 512, "%s/%s.json", cluster_dir(c), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"repo\": \"%s\", \"base\": \"HEAD\", \"test\": \"python3 test_calc.py\", "
               "\"policy\": {\"analyzers\": [], \"min_isolation\": \"%s\"}, \"labels\": {\"test\": \"%s\"}}\n",
            cluster_repo(c), min, name);
    fclose(f);
}

/* issue 17: a job asking for a microVM waits, with its reason in `airlock
 * status`, while only ns and gvisor workers are connected (a weaker job
 * submitted after it runs there first: the claim saw it and passed it by;
 * that worker prefers ns, yet the gvisor job gets gvisor), and runs as soon
 * as a microvm worker connects; never weaker. */
static void min_isolation_waits_for_a_strong_enough_worker(void **state)
{
    if (geteuid() != 0 || !sandbox_driver_available("gvisor") || !sandbox_driver_available("microvm")) {
        printf("SKIP min_isolation: needs root and the gvisor and microvm drivers: %s\n", al_err_msg());
        skip();
    }
    cluster_t *c = *state = s_cluster(0, 1);
    /* the rule itself: per-driver acceleration, legacy single values, driver pins, unknown levels */
    static const char *const fits[][2] = {
        { "'{microvm,ns}', 'tcg,ns', '{\"policy\": {\"min_isolation\": \"vm\"}}'", "t" },
        { "'{microvm,ns}', 'tcg,ns', '{\"policy\": {\"min_isolation\": \"kvm\"}}'", "f" },
        { "'{gvisor,microvm}', 'ptrace,kvm', '{\"policy\": {\"min_isolation\": \"kvm\"}}'", "t" },
        { "'{microvm,ns}', 'kvm', '{\"policy\": {\"min_isolation\": \"kvm\"}}'", "t" },
        { "'{ns,gvisor}', 'ns,ptrace', '{\"driver\": \"ns\", \"policy\": {\"min_isolation\": \"gvisor\"}}'", "f" },
        { "'{ns,gvisor}', 'ns,ptrace', '{\"driver\": \"gvisor\"}'", "t" },
        { "'{host}', 'none', '{}'", "t" },
        { "'{host}', 'none', '{\"policy\": {\"min_isolation\": \"ns\"}}'", "f" },
        { "'{microvm}', 'kvm', '{\"policy\": {\"min_isolation\": \"hypervisor\"}}'", "f" },
    };
    for (size_t i = 0; i < sizeof fits / sizeof fits[0]; i++) {
        char q[400];
        snprintf(q, sizeof q, "SELECT airlock_worker_fits(%s)", fits[i][0]);
        PGresult *res = PQexec(cluster_db(c), q);
        assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
        if (strcmp(PQgetvalue(res, 0, 0), fits[i][1]) != 0)
            fail_msg("%s: %s, want %s", q, PQgetvalue(res, 0, 0), fits[i][1]);
        PQclear(res);
    }
    cluster_worker_set_drivers(c, 0, "ns,gvisor");   /* ns preferred: a gvisor job must still get gvisor */
    assert_int_equal(cluster_worker_start(c, 0), AL_OK);
    char sql[600], job_vm[512], job_gv[512];
    snprintf(sql, sizeof sql, "SELECT count(*) = 1 FROM workers WHERE id = '%s' AND state = 'connected'",
             cluster_worker_key(c, 0));
    cluster_check_wait(c, sql, WAIT_MS);
    s_iso_job(c, "needs-vm", "vm", job_vm);
    s_iso_job(c, "needs-gvisor", "gvisor", job_gv);
    char *vm = s_submit(c, job_vm), *gv = s_submit(c, job_gv);
    snprintf(sql, sizeof sql, "SELECT verdict = 'accepted' FROM jobs WHERE id = '%s'", gv);
    cluster_check_wait(c, sql, WAIT_MS);
    snprintf(sql, sizeof sql, "SELECT summary->>'driver' || '/' || (summary->>'isolation') FROM results "
             "WHERE job_id = '%s' AND authoritative", gv);
    PGresult *r = PQexec(cluster_db(c), sql);
    assert_int_equal(PQntuples(r), 1);
    assert_string_equal(PQgetvalue(r, 0, 0), "gvisor/gvisor");
    PQclear(r);
    /* the vm job: never assigned, its reason shown */
    assert_int_equal(s_long(c, "SELECT count(*) FROM tasks WHERE job_id = '%s' AND (state <> 'queued' OR "
                               "worker_id IS NOT NULL)", vm), 0);
    char *out = NULL;
    const char *status[] = { "status", vm, NULL };
    assert_int_equal(cluster_cli(c, &out, status), 5);   /* 5: not finished */
    if (!strstr(out, "waiting: needs isolation vm or stronger (policy.min_isolation); "
                     "the connected workers offer at most gvisor"))
        fail_msg("status lacks the waiting reason: %s", out);
    free(out);
    const char *workers[] = { "workers", NULL };
    assert_int_equal(cluster_cli(c, &out, workers), 0);
    assert_non_null(strstr(out, "ns,gvisor"));
    char accel[40];
    snprintf(accel, sizeof accel, " ns,%s ", sandbox_driver_accel("gvisor"));
    assert_non_null(strstr(out, accel));
    free(out);
    /* a microVM worker: the job runs there */
    cluster_worker_set_drivers(c, 1, "microvm");
    assert_int_equal(cluster_worker_start(c, 1), AL_OK);
    snprintf(sql, sizeof sql, "SELECT verdict IS NOT NULL FROM jobs WHERE id = '%s'", vm);
    if (!cluster_wait_sql(c, sql, 900000))
        fail_msg("the vm job did not finish (logs in %s)", cluster_dir(c));
    snprintf(sql, sizeof sql, "SELECT j.verdict || '/' || (r.summary->>'driver') || '/' || (r.summary->>'worker') "
             "FROM jobs j JOIN results r ON r.job_id = j.id AND r.authoritative WHERE j.id = '%s'", vm);
    r = PQexec(cluster_db(c), sql);
    assert_int_equal(PQntuples(r), 1);
    if (strcmp(PQgetvalue(r, 0, 0), "accepted/microvm/w1") != 0)
        s_show_unaccepted(c);
    assert_string_equal(PQgetvalue(r, 0, 0), "accepted/microvm/w1");
    PQclear(r);
    assert_int_equal(cluster_cli(c, &out, status), 0);
    assert_null(strstr(out, "waiting:"));
    free(out);
    free(vm), free(gv);
}

int main(void)
{
    if (getenv("CONTROL_FILTER"))   /* e.g. CONTROL_FILTER='hundred*' runs one case */
        cmocka_set_test_filter(getenv("CONTROL_FILTER"));
    zsys_init();
    zsys_set_logstream(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(hundred_jobs_across_three_workers, cluster_check_teardown),
        cmocka_unit_test_teardown(sigkill_worker_requeues_its_attempts, cluster_check_teardown),
        cmocka_unit_test_teardown(airlockd_restart_loses_and_doubles_nothing, cluster_check_teardown),
        cmocka_unit_test_teardown(database_restart_loses_nothing, cluster_check_teardown),
        cmocka_unit_test_teardown(unknown_and_revoked_keys_are_refused, cluster_check_teardown),
        cmocka_unit_test_teardown(same_idempotency_key_same_job_one_execution, cluster_check_teardown),
        cmocka_unit_test_teardown(malformed_frames_leave_the_daemon_serving, cluster_check_teardown),
        cmocka_unit_test_teardown(sigterm_drains_the_worker, cluster_check_teardown),
        cmocka_unit_test_teardown(wait_outlasts_a_long_silent_stage, cluster_check_teardown),
        cmocka_unit_test_teardown(min_isolation_waits_for_a_strong_enough_worker, cluster_check_teardown),
        cmocka_unit_test_teardown(host_driver_keeps_the_tree_after_run, cluster_check_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    zsys_shutdown();
    return rc;
}
