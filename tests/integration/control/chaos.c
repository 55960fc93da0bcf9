/*
 * chaos.c: jobs under worker kills, an airlockd kill and a PostgreSQL
 * restart, counted from PostgreSQL afterwards (see chaos.h). The fault
 * schedule is wall-clock driven (that is what chaos is); nothing here waits
 * on a sleep for something to be ready: every wait polls a condition.
 */
#include "chaos.h"
#include "cluster.h"
#include "pg_harness.h"
#include "common/error.h"
#include "worker/sandbox/sandbox.h"

#include <czmq.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const chaos_opts_t *o;
    chaos_report_t *r;
    cluster_t *c;
    int64_t next_kill_ms;
    int victim;              /* next worker to kill */
    int down;                /* worker waiting to be started again, -1 none */
    int64_t down_until_ms;
    int airlockd_killed, pg_restarted;
    atomic_int submitting;   /* submitter threads still running */
} chaos_t;

static double s_load(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fscanf(f, "%lf", &l) != 1)
        l = -1;
    if (f)
        fclose(f);
    return l;
}

/* Submitting runs beside the faults (two CLI processes at a time): the
 * airlockd kill and the PostgreSQL restart may hit a SUBMIT too. */
typedef struct {
    chaos_t *ch;
    int from, step;
    int failed;         /* jobs not submitted after 5 tries */
} submitter_t;

static void *s_submitter(void *arg)
{
    submitter_t *s = arg;
    for (int i = s->from; i < s->ch->o->jobs; i += s->step) {
        /* each job its own idempotency key: a SUBMIT that failed (the database
         * restarting, no answer from either endpoint) is sent again as a user
         * would, and cannot store the job twice */
        char name[32], job[512], *id = NULL;
        snprintf(name, sizeof name, "chaos-%d", i);
        cluster_job_file(s->ch->c, name, s->ch->o->test_cmd, name, job);
        for (int t = 0; t < 5 && !id; t++)
            id = cluster_submit(s->ch->c, job);
        if (!id)
            s->failed++;
        free(id);
    }
    atomic_fetch_sub(&s->ch->submitting, 1);
    return NULL;
}

/* A supervisor's job: an airlockd that exited (killed, or 75 = superseded
 * after the database restart) is started again; it comes back as a standby. */
static void s_supervise(chaos_t *ch)
{
    cluster_airlockd_active(ch->c);   /* reaps instances that exited */
    for (int i = 0; i < CLUSTER_MAX_AIRLOCKD; i++) {
        if (cluster_airlockd_pid(ch->c, i) > 0)
            continue;
        if (cluster_airlockd_start_idx(ch->c, i) == AL_OK)
            ch->r->airlockd_restarts++;
        else
            fprintf(stderr, "chaos: airlockd %d did not start again: %s\n", i, al_err_msg());
    }
}

static void s_worker_faults(chaos_t *ch, int64_t now)
{
    if (ch->down >= 0 && now >= ch->down_until_ms) {
        if (cluster_worker_start(ch->c, ch->down) != AL_OK)
            fprintf(stderr, "chaos: worker %d did not start again: %s\n", ch->down, al_err_msg());
        ch->down = -1;
    }
    if (ch->down < 0 && now >= ch->next_kill_ms) {
        ch->down = ch->victim;
        ch->victim = (ch->victim + 1) % ch->o->workers;
        cluster_worker_kill(ch->c, ch->down, SIGKILL);
        ch->r->worker_kills++;
        ch->down_until_ms = now + ch->o->restart_after_ms;
        ch->next_kill_ms = now + ch->o->kill_every_ms;
    }
}

static void s_big_faults(chaos_t *ch, long finished)
{
    if (!ch->airlockd_killed && finished * 3 >= ch->o->jobs) {
        int active = cluster_airlockd_active(ch->c);
        if (active >= 0) {
            fprintf(stderr, "chaos: SIGKILL of the active airlockd %d at %ld jobs finished\n", active, finished);
            cluster_airlockd_kill_idx(ch->c, active, SIGKILL);
            ch->r->airlockd_kills++;
            ch->airlockd_killed = 1;
        }
    }
    if (ch->airlockd_killed && !ch->pg_restarted && finished * 3 >= 2L * ch->o->jobs) {
        fprintf(stderr, "chaos: PostgreSQL restart at %ld jobs finished\n", finished);
        if (pg_harness_restart(cluster_pg(ch->c)) != AL_OK)
            fprintf(stderr, "chaos: PostgreSQL restart failed: %s\n", al_err_msg());
        ch->r->pg_restarts++;
        ch->pg_restarted = 1;
    }
}

/* Faults until every job finished or the deadline; returns the finished count. */
static long s_faults(chaos_t *ch, int64_t start)
{
    long finished = 0;
    int64_t deadline = start + (int64_t)ch->o->deadline_s * 1000;
    ch->next_kill_ms = zclock_mono() + ch->o->kill_every_ms;
    while (zclock_mono() < deadline) {
        long f = cluster_sql_long(ch->c, "SELECT count(*) FROM jobs WHERE state IN ('finished', 'cancelled')");
        long open = cluster_sql_long(ch->c, "SELECT count(*) FROM jobs WHERE state NOT IN ('finished', 'cancelled')");
        if (f >= 0)
            finished = f;
        if (atomic_load(&ch->submitting) == 0 && open == 0 && ch->pg_restarted)
            break;
        int64_t now = zclock_mono();
        s_worker_faults(ch, now);
        s_big_faults(ch, finished);
        s_supervise(ch);
        zclock_sleep(100);   /* the fault clock's tick */
    }
    if (ch->down >= 0)
        cluster_worker_start(ch->c, ch->down);
    return finished;
}

static const char *s_missing_events =
    "SELECT count(*) FROM tasks t WHERE t.state = 'done' AND NOT EXISTS (SELECT 1 FROM task_events e "
    "WHERE e.task_id = t.id AND e.attempt = t.attempt AND e.kind = 'stage.end' AND e.data->>'stage' = 'test')";

static void s_count(chaos_t *ch)
{
    chaos_report_t *r = ch->r;
    cluster_t *c = ch->c;
    /* events may arrive after their RESULT (an outbox resent after a failover):
     * let the outboxes drain before counting what is missing */
    char drained[600];
    snprintf(drained, sizeof drained, "SELECT (%s) = 0", s_missing_events);
    cluster_wait_sql(c, drained, 60000);
    r->finished = cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE state IN ('finished', 'cancelled')");
    r->lost = r->jobs - r->finished;
    r->cancelled = cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE verdict = 'cancelled'");
    r->duplicated = cluster_sql_long(c, "SELECT count(*) FROM (SELECT 1 FROM results WHERE authoritative "
                                        "GROUP BY job_id HAVING count(*) > 1) x");
    r->duplicated += cluster_sql_long(c, "SELECT count(*) FROM jobs j WHERE state IN ('finished', 'cancelled') AND "
                                         "(SELECT count(*) FROM results r WHERE r.job_id = j.id "
                                         "AND r.authoritative) <> 1");
    r->events_duplicated = cluster_sql_long(c, "SELECT count(*) FROM (SELECT 1 FROM task_events GROUP BY "
                                               "task_id, attempt, seq HAVING count(*) > 1) x");
    r->attempts_without_events = cluster_sql_long(c, s_missing_events);
    r->accepted = cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE verdict = 'accepted'");
    r->sandbox_error = cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE verdict = 'sandbox_error'");
    r->other_verdicts = r->finished - r->accepted - r->sandbox_error;
    r->attempts = cluster_sql_long(c, "SELECT count(*) FROM tasks");
    PGresult *res = PQexec(cluster_db(c), "SELECT id, state, coalesce(verdict, '-'), attempt, coalesce(reason, '-') "
                                          "FROM jobs WHERE verdict IS DISTINCT FROM 'accepted' LIMIT 10");
    for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res); i++)
        fprintf(stderr, "chaos: job %s %s verdict %s after %s attempt(s): %s\n", PQgetvalue(res, i, 0),
                PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
    PQclear(res);
}

static void s_audit_verify(chaos_t *ch)
{
    /* the signer checkpoints every second: verify the chain up to the head */
    char db[600], *out = NULL;
    snprintf(db, sizeof db, "%s", pg_harness_conninfo(cluster_pg(ch->c)));
    const char *args[] = { "--db", db, "audit", "verify", NULL };
    ch->r->audit_verify_exit = cluster_cli(ch->c, &out, args);
    snprintf(ch->r->audit_verify_out, sizeof ch->r->audit_verify_out, "%s", out ? out : "");
    free(out);
}

int chaos_run(const chaos_opts_t *o, chaos_report_t *r)
{
    memset(r, 0, sizeof *r);
    r->jobs = o->jobs;
    if (geteuid() != 0 || !sandbox_driver_available("ns")) {
        fprintf(stderr, "SKIP: the ns driver is unavailable here: %s\n", al_err_msg());
        return 77;
    }
    cluster_opts_t co = { .workers = o->workers, .slots = o->slots, .heartbeat_ms = o->heartbeat_ms,
                          .lease_ms = 20 * o->heartbeat_ms,
                          .airlockds = 2, .client_timeout_ms = 1000, .worker_drivers = "ns" };
    chaos_t ch = { .o = o, .r = r, .down = -1 };
    r->load_before = s_load();
    int rc = cluster_start(&ch.c, &co);
    if (rc == AL_OK)
        rc = cluster_airlockd_start_idx(ch.c, 1);
    if (rc != AL_OK) {
        cluster_stop(&ch.c);
        return rc;
    }
    snprintf(r->dir, sizeof r->dir, "%s", cluster_dir(ch.c));
    int64_t start = zclock_mono();
    submitter_t sub[2];
    pthread_t th[2];
    atomic_store(&ch.submitting, 2);
    for (int i = 0; i < 2; i++) {
        sub[i] = (submitter_t){ .ch = &ch, .from = i, .step = 2 };
        pthread_create(&th[i], NULL, s_submitter, &sub[i]);
    }
    s_faults(&ch, start);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        r->submit_failed += sub[i].failed;
    }
    if (rc == AL_OK) {
        r->seconds = (double)(zclock_mono() - start) / 1000.0;
        r->load_after = s_load();
        s_count(&ch);
        s_audit_verify(&ch);
    }
    if (rc != AL_OK || r->lost || r->duplicated || r->cancelled || r->submit_failed || r->events_duplicated ||
        r->attempts_without_events || r->audit_verify_exit)
        setenv("AIRLOCK_KEEP_CLUSTER", "1", 1);   /* keep the logs of a bad run */
    cluster_stop(&ch.c);
    return rc;
}

void chaos_report_print(const chaos_report_t *r)
{
    printf("chaos: %ld jobs (%ld submits unanswered): %ld finished, %ld lost, %ld duplicated; %ld attempts; "
           "verdicts: %ld accepted, %ld sandbox_error, %ld cancelled (nobody asked), %ld other\n", r->jobs,
           r->submit_failed, r->finished, r->lost, r->duplicated, r->attempts, r->accepted, r->sandbox_error,
           r->cancelled, r->other_verdicts - r->cancelled);
    printf("chaos: events stored twice %ld, done attempts without their events %ld; audit verify %s\n",
           r->events_duplicated, r->attempts_without_events, r->audit_verify_exit == 0 ? "ok" : "FAILED");
    printf("chaos: faults: %ld worker SIGKILLs, %ld airlockd SIGKILL, %ld airlockd (re)starts, "
           "%ld PostgreSQL restart\n", r->worker_kills, r->airlockd_kills, r->airlockd_restarts, r->pg_restarts);
    printf("chaos: %.1f s; load average %.2f before, %.2f after (%ld CPUs)\n", r->seconds, r->load_before,
           r->load_after, sysconf(_SC_NPROCESSORS_ONLN));
    printf("chaos: sandbox_error here is an attempt lost max_attempts times (killed, or silent for 3 "
           "heartbeats on a loaded machine): a verdict, not a loss\n");
    if (r->audit_verify_exit)
        printf("chaos: audit verify said: %s\n", r->audit_verify_out);
}
