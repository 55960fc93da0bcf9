/*
 * bench_dispatch.c: no-op tasks through airlockd with PostgreSQL, in one run.
 *
 * Phases (each bounded in time), one table at the end:
 *   fake/closed  one job at a time through an in-process fake worker: the
 *                latency floor of one dispatch (submit -> ASSIGN -> RESULT).
 *   fake/paced   jobs offered at half the saturated rate.
 *   fake/sat     a window of BENCH_WINDOW jobs in flight: sustained tasks/s.
 *   real/host    airlock-worker processes with the host driver running `true`
 *                (git checkout and process spawn included): tasks/s, and
 *                assign latency from PostgreSQL (jobs.created_at ->
 *                tasks.assigned_at, both server clocks).
 * tasks/s counts results stored (RESULT ACKed, or jobs finished) per second
 * of the phase after a warm-up; assign latency is ACCEPTED received (the job
 * is committed) -> ASSIGN received, both clocks of this process. At the end
 * the database is checked: one authoritative result per finished job, audit
 * chain verified. Nothing here asserts a speed.
 *
 * Environment: BENCH_SECONDS (saturated phase, default 8), BENCH_WINDOW
 * (default 1000), BENCH_SLOTS (fake worker slots, default 256),
 * BENCH_REAL_WORKERS (default 2, 0 skips), BENCH_REAL_SLOTS (default 8),
 * BENCH_LOG_LEVEL (airlockd, default info), AIRLOCK_BENCH_PG (use an existing
 * empty database instead of a private cluster), BENCH_KEEP (keep the dir).
 */
#include "bench_dispatch.h"
#include "common/error.h"
#include "common/proto/proto.h"
#include "common/wire/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char mode[40];
    int window;
    long jobs;           /* results stored in the measured period */
    double secs;
    double tps;
    double p50_ms, p99_ms, max_ms;       /* assign latency */
    double e2e_p50_ms, e2e_p99_ms;       /* submit sent -> result stored (-1: n/a) */
    double cpu_airlockd_us, cpu_pg_us;   /* per task stored, -1: n/a */
    const char *latency_from;
} row_t;

typedef struct {
    bench_env_t *env;
    zsock_t *client;
    zpoller_t *poller;
    char job_json[1024];
    int64_t *submit_us, *accepted_us;
    size_t cap, submitted, accepted;
    zhashx_t *by_job;    /* job id -> index + 1 */
    int64_t cpu0[2], cpu1[2];   /* airlockd, PostgreSQL backend at m0 and m1 */
} driver_t;

static int s_env_int(const char *name, int def)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : def;
}

static int s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double s_pct_ms(int64_t *v, size_t n, double p)
{
    if (n == 0)
        return -1;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1000.0;
}

static int s_submit(driver_t *dr)
{
    if (dr->submitted == dr->cap) {
        size_t cap = dr->cap ? dr->cap * 2 : 8192;
        int64_t *s = realloc(dr->submit_us, cap * sizeof *s);
        if (s)
            dr->submit_us = s;
        int64_t *a = s ? realloc(dr->accepted_us, cap * sizeof *a) : NULL;
        if (!a)
            return AL_ENOMEM;
        dr->accepted_us = a;
        dr->cap = cap;
    }
    proto_msg_t *m = proto_msg_new(PROTO_C_SUBMIT);
    if (!m)
        return AL_ENOMEM;
    m->body.c_submit.req_id = dr->submitted + 1;
    proto_str_set(&m->body.c_submit.job, dr->job_json);
    dr->submit_us[dr->submitted] = bench_now_us();
    dr->accepted_us[dr->submitted] = 0;
    int rc = wire_send(dr->client, NULL, m);
    proto_msg_destroy(&m);
    if (rc == AL_OK)
        dr->submitted++;
    return rc;
}

/* Reads client replies for up to wait_ms; ERROR replies are fatal. */
static int s_pump(driver_t *dr, int wait_ms)
{
    if (!zpoller_wait(dr->poller, wait_ms))
        return AL_OK;
    for (int i = 0; i < 10000; i++) {
        zmq_pollitem_t item = { zsock_resolve(dr->client), 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&item, 1, 0) <= 0)
            break;
        wire_peer_t peer;
        proto_msg_t *m = NULL;
        int rc = wire_recv(dr->client, PROTO_CH_CLIENT, 0, &peer, &m);
        if (rc == AL_OK && m->type == PROTO_C_ACCEPTED) {
            uint64_t idx = m->body.c_accepted.req_id - 1;
            if (idx < dr->submitted) {
                dr->accepted_us[idx] = bench_now_us();
                zhashx_update(dr->by_job, m->body.c_accepted.job_id, (void *)(uintptr_t)(idx + 1));
                dr->accepted++;
            }
        } else if (rc == AL_OK && m->type == PROTO_C_ERROR) {
            rc = al_err_set(AL_EPROTO, "airlockd answered ERROR %s: %s", m->body.c_error.code,
                            m->body.c_error.message);
        }
        proto_msg_destroy(&m);
        wire_peer_clear(&peer);
        if (rc != AL_OK)
            return rc;
    }
    return AL_OK;
}

static void s_job_json(driver_t *dr, const char *phase)
{
    snprintf(dr->job_json, sizeof dr->job_json,
             "{\"repo\": \"%s\", \"base\": \"HEAD\", \"test\": \"true\", "
             "\"policy\": {\"analyzers\": []}, \"labels\": {\"bench\": \"%s\"}}",
             bench_env_repo(dr->env), phase);
}

/* Waits until done() reaches target or timeout; returns the last value. */
static long s_drain(driver_t *dr, long (*done)(void *), void *arg, long target, int timeout_ms)
{
    int64_t deadline = bench_now_us() + (int64_t)timeout_ms * 1000;
    long d = done(arg);
    while (d < target && bench_now_us() < deadline) {
        if (s_pump(dr, 5) != AL_OK)
            break;
        d = done(arg);
    }
    return d;
}

static long s_fake_done(void *arg) { return fake_worker_done(arg); }

typedef struct {
    int window;
    double rate;         /* jobs/s offered, 0 = as the window allows */
    double secs, warm;
} load_t;

/* Submits under `load` until its time is up; returns the measuring start/end. */
static int s_offer(driver_t *dr, const load_t *ld, long (*done)(void *), void *arg, long base,
                   int64_t *m0, int64_t *m1)
{
    int64_t t0 = bench_now_us(), end = t0 + (int64_t)(ld->secs * 1e6);
    *m0 = t0 + (int64_t)(ld->warm * 1e6);
    *m1 = end;
    size_t first = dr->submitted;
    int rc = AL_OK, sampled = 0;
    for (int64_t now = t0; rc == AL_OK && now < end; now = bench_now_us()) {
        if (!sampled && now >= *m0) {
            for (int i = 0; i < 2; i++)
                dr->cpu0[i] = bench_env_cpu_us(dr->env, i);
            sampled = 1;
        }
        long in_flight = (long)(dr->submitted - first) - (done(arg) - base);
        double allowed = ld->rate > 0 ? ld->rate * (double)(now - t0) / 1e6 + 1 : 1e18;
        while (rc == AL_OK && in_flight < ld->window && (double)(dr->submitted - first) < allowed) {
            rc = s_submit(dr);
            in_flight++;
        }
        if (rc == AL_OK)
            rc = s_pump(dr, in_flight >= ld->window || ld->rate > 0 ? 1 : 0);
    }
    for (int i = 0; i < 2; i++)
        dr->cpu1[i] = bench_env_cpu_us(dr->env, i);
    return rc;
}

static void s_cpu_row(const driver_t *dr, row_t *row)
{
    double *out[] = { &row->cpu_airlockd_us, &row->cpu_pg_us };
    for (int i = 0; i < 2; i++)
        *out[i] = (dr->cpu0[i] >= 0 && dr->cpu1[i] >= 0 && row->jobs > 0)
                      ? (double)(dr->cpu1[i] - dr->cpu0[i]) / (double)row->jobs : -1;
}

static void s_fake_row(driver_t *dr, fake_worker_t *fw, size_t rec0, int64_t m0, int64_t m1,
                       row_t *row)
{
    size_t n = 0;
    const fake_record_t *rec = fake_worker_records(fw, &n);
    int64_t *lat = calloc(n + 1, sizeof *lat), *e2e = calloc(n + 1, sizeof *e2e);
    size_t nl = 0, ne = 0;
    long stored = 0;
    for (size_t i = rec0; lat && e2e && i < n; i++) {
        if (rec[i].ack_us >= m0 && rec[i].ack_us <= m1)
            stored++;
        uintptr_t idx = (uintptr_t)zhashx_lookup(dr->by_job, rec[i].job_id);
        if (!idx || !dr->accepted_us[idx - 1] || rec[i].assign_us < m0 || rec[i].assign_us > m1)
            continue;
        int64_t l = rec[i].assign_us - dr->accepted_us[idx - 1];
        lat[nl++] = l < 0 ? 0 : l;   /* ASSIGN can overtake ACCEPTED on another socket */
        if (rec[i].ack_us)
            e2e[ne++] = rec[i].ack_us - dr->submit_us[idx - 1];
    }
    qsort(lat, nl, sizeof *lat, s_cmp_i64);
    qsort(e2e, ne, sizeof *e2e, s_cmp_i64);
    row->jobs = stored;
    row->secs = (double)(m1 - m0) / 1e6;
    row->tps = (double)stored / row->secs;
    row->p50_ms = s_pct_ms(lat, nl, 0.50);
    row->p99_ms = s_pct_ms(lat, nl, 0.99);
    row->max_ms = nl ? (double)lat[nl - 1] / 1000.0 : -1;
    row->e2e_p50_ms = s_pct_ms(e2e, ne, 0.50);
    row->e2e_p99_ms = s_pct_ms(e2e, ne, 0.99);
    row->latency_from = "ACCEPTED rcvd -> ASSIGN rcvd";
    s_cpu_row(dr, row);
    free(lat);
    free(e2e);
}

static int s_fake_phase(driver_t *dr, fake_worker_t *fw, const char *mode, const load_t *ld,
                        row_t *row)
{
    size_t rec0 = 0;
    fake_worker_records(fw, &rec0);
    long base = fake_worker_done(fw);
    s_job_json(dr, mode);
    int64_t m0 = 0, m1 = 0;
    int rc = s_offer(dr, ld, s_fake_done, fw, base, &m0, &m1);
    long want = (long)dr->submitted;   /* every job of the fake phases ends in an ACK */
    if (rc == AL_OK && s_drain(dr, s_fake_done, fw, want, 60000) < want)
        fprintf(stderr, "bench: %s: not every job finished within 60 s\n", mode);
    snprintf(row->mode, sizeof row->mode, "%s", mode);
    row->window = ld->window;
    if (rc == AL_OK)
        s_fake_row(dr, fw, rec0, m0, m1, row);
    return rc;
}

typedef struct {
    bench_env_t *env;
    char sql[256];
} db_count_t;

static long s_db_done(void *arg)
{
    db_count_t *c = arg;
    return (long)bench_env_sql_num(c->env, c->sql);
}

/* Server-side numbers of a phase's jobs (labels->>'bench' = mode). */
static void s_db_row(bench_env_t *env, const char *mode, double warm, row_t *row)
{
    char sql[1024];
    const char *w = "FROM jobs j JOIN tasks t ON t.id = j.task_id AND t.attempt = j.attempt "
                    "WHERE j.labels->>'bench' = '%s' AND j.state = 'finished'";
    char where[400];
    snprintf(where, sizeof where, w, mode);
    snprintf(sql, sizeof sql, "WITH p AS (SELECT min(j.created_at) + interval '%g s' AS t0, "
             "max(j.finished_at) AS t1 %s) SELECT count(*) %s AND j.finished_at >= (SELECT t0 FROM p)",
             warm, where, where);
    row->jobs = (long)bench_env_sql_num(env, sql);
    snprintf(sql, sizeof sql, "SELECT extract(epoch FROM max(j.finished_at) - min(j.created_at)) - %g %s",
             warm, where);
    row->secs = bench_env_sql_num(env, sql);
    row->tps = row->secs > 0 ? (double)row->jobs / row->secs : 0;
    const char *q[] = { "0.5", "0.99", "1" };
    double *out[] = { &row->p50_ms, &row->p99_ms, &row->max_ms };
    for (int i = 0; i < 3; i++) {
        snprintf(sql, sizeof sql, "SELECT 1000 * extract(epoch FROM percentile_disc(%s) WITHIN GROUP "
                 "(ORDER BY t.assigned_at - j.created_at)) %s", q[i], where);
        *out[i] = bench_env_sql_num(env, sql);
    }
    snprintf(sql, sizeof sql, "SELECT 1000 * extract(epoch FROM percentile_disc(0.5) WITHIN GROUP "
             "(ORDER BY j.finished_at - j.created_at)) %s", where);
    row->e2e_p50_ms = bench_env_sql_num(env, sql);
    snprintf(sql, sizeof sql, "SELECT 1000 * extract(epoch FROM percentile_disc(0.99) WITHIN GROUP "
             "(ORDER BY j.finished_at - j.created_at)) %s", where);
    row->e2e_p99_ms = bench_env_sql_num(env, sql);
    row->latency_from = "jobs.created_at -> tasks.assigned_at (server)";
    row->cpu_airlockd_us = row->cpu_pg_us = -1;   /* workers' events and spawns are in it too */
}

static int s_real_phase(driver_t *dr, int workers, int slots, double secs, row_t *row)
{
    snprintf(row->mode, sizeof row->mode, "real x%d host `true`", workers);
    int rc = bench_env_real_workers_start(dr->env, workers, slots);
    db_count_t c = { .env = dr->env };
    snprintf(c.sql, sizeof c.sql, "SELECT count(*) FROM jobs WHERE labels->>'bench' = 'real' "
             "AND state IN ('finished', 'cancelled')");
    s_job_json(dr, "real");
    /* Ready when one job went through. */
    size_t first = dr->submitted;
    if (rc == AL_OK)
        rc = s_submit(dr);
    if (rc == AL_OK && s_drain(dr, s_db_done, &c, 1, 30000) < 1)
        rc = al_err_set(AL_ETIMEOUT, "real workers did not finish a first job (logs in %s)",
                        bench_env_dir(dr->env));
    load_t ld = { .window = workers * slots * 2, .secs = secs, .warm = 1 };
    row->window = ld.window;
    int64_t m0, m1;
    if (rc == AL_OK)
        rc = s_offer(dr, &ld, s_db_done, &c, 1, &m0, &m1);
    long want = (long)(dr->submitted - first);
    if (rc == AL_OK && s_drain(dr, s_db_done, &c, want, 60000) < want)
        fprintf(stderr, "bench: real workers: not every job finished within 60 s\n");
    bench_env_real_workers_stop(dr->env);
    if (rc == AL_OK)
        s_db_row(dr->env, "real", 1.0, row);
    return rc;
}

static void s_check(bench_env_t *env)
{
    double jobs = bench_env_sql_num(env, "SELECT count(*) FROM jobs");
    double finished = bench_env_sql_num(env, "SELECT count(*) FROM jobs WHERE state = 'finished'");
    double bad = bench_env_sql_num(env, "SELECT count(*) FROM jobs j WHERE j.state = 'finished' AND "
                                        "(SELECT count(*) FROM results r WHERE r.job_id = j.id "
                                        "AND r.authoritative) <> 1");
    double audit = bench_env_sql_num(env, "SELECT count(*) FROM audit_log");
    double broken = bench_env_sql_num(env, "SELECT coalesce(audit_verify(), 0)");
    printf("\ncheck: jobs=%.0f finished=%.0f not_exactly_one_authoritative=%.0f audit_rows=%.0f "
           "audit_chain=%s\n", jobs, finished, bad, audit,
           broken == 0 ? "verified" : "BROKEN");
}

/* The first three fields of /proc/loadavg ("?" when unreadable). */
static void s_loadavg(char *out, size_t size)
{
    double l[3] = { -1, -1, -1 };
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f || fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]) != 3)
        snprintf(out, size, "?");
    else
        snprintf(out, size, "%.2f %.2f %.2f", l[0], l[1], l[2]);
    if (f)
        fclose(f);
}

static void s_table(const row_t *rows, size_t n, const char *load_start)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    char load_end[64];
    s_loadavg(load_end, sizeof load_end);
    printf("\nbench_dispatch: no-op tasks through airlockd + PostgreSQL (%ld cpus; load average "
           "at start %s, at end %s)\n", cpus, load_start, load_end);
    printf("%-22s %6s %7s %6s %9s %9s %9s %9s %10s %10s %9s %9s  %s\n", "mode", "window", "jobs",
           "secs", "tasks/s", "asg p50", "asg p99", "asg max", "e2e p50", "e2e p99", "cpu/task", "pg/task",
           "assign latency");
    for (size_t i = 0; i < n; i++) {
        const row_t *r = &rows[i];
        if (!r->mode[0])
            continue;
        printf("%-22s %6d %7ld %6.1f %9.0f %7.2fms %7.2fms %7.2fms %8.2fms %8.2fms %7.0fus %7.0fus  %s\n",
               r->mode, r->window, r->jobs, r->secs, r->tps, r->p50_ms, r->p99_ms, r->max_ms,
               r->e2e_p50_ms, r->e2e_p99_ms, r->cpu_airlockd_us, r->cpu_pg_us,
               r->latency_from ? r->latency_from : "");
    }
    printf("e2e = SUBMIT sent -> RESULT stored (fake) / created_at -> finished_at (real)\n"
           "cpu/task, pg/task = CPU time (user+sys) of airlockd and of its PostgreSQL backend per task\n"
           "stored in the measured period; 2 cores / (cpu + pg) bounds tasks/s on an idle machine\n");
    for (size_t i = 0; i < n; i++) {
        const row_t *r = &rows[i];
        if (r->mode[0] && r->cpu_airlockd_us > 0 && r->cpu_pg_us > 0)
            printf("  %-20s bound from CPU: %.0f tasks/s (airlockd alone: %.0f)\n", r->mode,
                   2e6 / (r->cpu_airlockd_us + r->cpu_pg_us), 1e6 / r->cpu_airlockd_us);
    }
}

static int s_fake_phases(driver_t *dr, row_t *rows)
{
    fake_worker_t *fw = NULL;
    int rc = fake_worker_start(&fw, dr->env, s_env_int("BENCH_SLOTS", 256));
    s_job_json(dr, "warmup");
    if (rc == AL_OK)
        rc = s_submit(dr);
    if (rc == AL_OK && s_drain(dr, s_fake_done, fw, 1, 30000) < 1)
        rc = al_err_set(AL_ETIMEOUT, "fake worker got no job (see %s/airlockd.log)",
                        bench_env_dir(dr->env));
    double secs = s_env_int("BENCH_SECONDS", 8);
    load_t closed = { .window = 1, .secs = 3, .warm = 0.5 };
    load_t sat = { .window = s_env_int("BENCH_WINDOW", 1000), .secs = secs, .warm = 1 };
    if (rc == AL_OK)
        rc = s_fake_phase(dr, fw, "fake closed-loop", &closed, &rows[0]);
    if (rc == AL_OK)
        rc = s_fake_phase(dr, fw, "fake saturated", &sat, &rows[2]);
    load_t paced = { .window = sat.window, .rate = rows[2].tps / 2, .secs = 4, .warm = 0.5 };
    if (rc == AL_OK && paced.rate > 0)
        rc = s_fake_phase(dr, fw, "fake paced 50%", &paced, &rows[1]);
    if (rc == AL_OK)
        rows[1].window = (int)paced.rate;   /* shown as the offered rate */
    fake_worker_destroy(&fw);
    return rc;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    zsys_init();
    zsys_set_logstream(NULL);
    char load_start[64];
    s_loadavg(load_start, sizeof load_start);
    bench_env_t *env = NULL;
    int rc = bench_env_start(&env);
    driver_t dr = { .env = env, .by_job = zhashx_new() };
    if (rc == AL_OK) {
        dr.client = bench_env_client(env);
        dr.poller = dr.client ? zpoller_new(dr.client, NULL) : NULL;
        if (!dr.poller || !dr.by_job)
            rc = al_err_set(AL_EIO, "client socket");
    }
    row_t rows[4];
    memset(rows, 0, sizeof rows);
    if (rc == AL_OK)
        rc = s_fake_phases(&dr, rows);
    int real = s_env_int("BENCH_REAL_WORKERS", 2);
    if (rc == AL_OK && real > 0)
        rc = s_real_phase(&dr, real > BENCH_MAX_REAL ? BENCH_MAX_REAL : real,
                          s_env_int("BENCH_REAL_SLOTS", 8), 6, &rows[3]);
    if (rc == AL_OK) {
        s_table(rows, 4, load_start);
        s_check(env);
        printf("(paced row: window column = offered jobs/s)\n");
    } else {
        fprintf(stderr, "bench_dispatch: %s: %s\n", al_err_name(rc), al_err_msg());
    }
    zpoller_destroy(&dr.poller);
    zsock_destroy(&dr.client);
    zhashx_destroy(&dr.by_job);
    free(dr.submit_us);
    free(dr.accepted_us);
    bench_env_stop(&env);
    return rc == AL_OK ? 0 : 1;
}
