/*
 * bench_pipeline.c: the task pipeline's own cost with the ns driver. Runs N
 * jobs whose run and test commands are `true` (one at a time, one worker,
 * slots=1) through real airlockd, airlock-worker (drivers=ns) and a private
 * PostgreSQL, then prints per-stage distributions from each result's stage_ms
 * summary, the command time itself (stage_runs of run and test) and the
 * overhead = pipeline time (sum of stage_ms) - command time. Never asserts.
 *
 *   bench_pipeline [-n jobs] [-a analyzers] [-d driver] [-e] [--repo PATH]
 *       (default 30 jobs, no analyzers, ns; -a all: the job default's built-in ones;
 *        -d gvisor|microvm: the worker and the jobs on that driver; the worker
 *        keeps its default warm pool, and the pool hit rate is printed;
 *        -e: every job allows egress to bench.test, so its run stage gets a
 *        proxy and a sandbox bound to it: on microvm still from the pool)
 *
 *   --repo PATH: a big real repository instead (default 3 jobs): each job a
 *   one-line patch, run `true`, test `test -f Makefile`, all on the same base
 *   (HEAD of PATH); prints each job's stage_ms next to `git clone --local` +
 *   checkout of PATH measured in the same run (issue 13: first job <= 2 x the
 *   clone, later jobs <= 10 s of overhead on ns).
 *
 * Target (DESIGN, reported not asserted): overhead <= 100 ms with ns.
 */
#include "../../tests/integration/pipeline/plcluster.h"
#include "common/error.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_JOBS 1000
#define MAX_STAGES 12

static const char *s_driver = "ns";
static const char *s_repo;        /* --repo: a big repository */
static char *s_repo_patch;        /* its one-line patch */
static int s_egress;

typedef struct {
    char name[16];
    double v[MAX_JOBS];
    int n;
} series_t;

static series_t s_series[MAX_STAGES + 2];
static int s_nseries;

static series_t *s_get(const char *name)
{
    for (int i = 0; i < s_nseries; i++)
        if (strcmp(s_series[i].name, name) == 0)
            return &s_series[i];
    if (s_nseries >= MAX_STAGES + 2)
        return NULL;
    series_t *s = &s_series[s_nseries++];
    snprintf(s->name, sizeof s->name, "%s", name);
    return s;
}

static void s_add(const char *name, double v)
{
    series_t *s = s_get(name);
    if (s && s->n < MAX_JOBS)
        s->v[s->n++] = v;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double s_pct(const series_t *s, double p)
{
    int i = (int)(p * (s->n - 1) + 0.5);
    return s->n ? s->v[i] : 0;
}

/* "workspace=12,analyze=0,..." -> series; returns the sum. */
static double s_parse_stage_ms(const char *text)
{
    double total = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = '\0';
        double ms = strtod(eq + 1, NULL);
        s_add(tok, ms);
        total += ms;
    }
    return total;
}

static double s_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --repo: `git clone --local` + checkout of the repository, timed (the
 * baseline a user compares with), and a one-line patch made in that clone. */
static double s_repo_baseline(cluster_t *c)
{
    char cmd[2048], clone[600], patch[640];
    snprintf(clone, sizeof clone, "%s/baseline-clone", cluster_dir(c));
    snprintf(patch, sizeof patch, "%s/big.patch", cluster_dir(c));
    snprintf(cmd, sizeof cmd, "git clone -q --local '%s' '%s'", s_repo, clone);
    double t0 = s_now_s();
    if (system(cmd) != 0)
        return -1;
    double took = s_now_s() - t0;
    snprintf(cmd, sizeof cmd, "cd '%s' && printf '\\n# airlock bench\\n' >> Makefile && git diff > '%s' && "
                              "cd / && rm -rf '%s'", clone, patch, clone);
    if (system(cmd) != 0)
        return -1;
    FILE *f = fopen(patch, "r");
    if (!f)
        return -1;
    size_t cap = 1 << 16, n = fread(s_repo_patch = calloc(1, cap), 1, cap - 1, f);
    fclose(f);
    return n > 0 ? took : -1;
}

static json_t *s_job_spec(const char *repo, int all_analyzers)
{
    json_t *job;
    if (s_repo) {
        job = json_pack("{s:s, s:s, s:s, s:[s], s:s, s:s}", "repo", s_repo, "base", "HEAD", "patch", s_repo_patch,
                        "run", "true", "test", "test -f Makefile", "driver", s_driver);
        json_object_set_new(job, "policy", json_pack("{s:{s:i, s:i}}", "limits", "disk_mb", 4096, "timeout_s", 3600));
    } else {
        job = json_pack("{s:s, s:s, s:[s], s:s, s:s}", "repo", repo, "base", "HEAD", "run", "true", "test", "true",
                        "driver", s_driver);
        json_object_set_new(job, "policy", json_object());
    }
    if (!all_analyzers)
        json_object_set_new(json_object_get(job, "policy"), "analyzers", json_array());
    return job;
}

static int s_one_job(cluster_t *c, const char *repo, int all_analyzers, int i)
{
    json_t *job = s_job_spec(repo, all_analyzers);
    if (s_egress)
        json_object_set_new(json_object_get(job, "policy"), "egress", json_pack("[s]", "bench.test"));
    char name[32];
    snprintf(name, sizeof name, "bench%d", i);
    char *id = pl_submit(c, name, job);
    json_decref(job);
    char *verdict = id ? pl_wait_verdict(c, id) : NULL;
    int ok = verdict && strcmp(verdict, "accepted") == 0;
    if (ok) {
        char *sm = pl_sql_text(c, "SELECT summary->>'stage_ms' FROM results WHERE job_id = '%s' "
                                  "AND authoritative", id);
        long cmd_us = pl_sql_long(c, "SELECT sum((extract(epoch FROM s.finished_at - s.started_at) * 1e6)"
                                     "::bigint) FROM stage_runs s JOIN jobs j ON j.task_id = s.task_id "
                                     "WHERE j.id = '%s' AND s.stage IN ('run', 'test')", id);
        long e2e_us = pl_sql_long(c, "SELECT (extract(epoch FROM finished_at - started_at) * 1e6)::bigint "
                                     "FROM jobs WHERE id = '%s'", id);
        double total = sm ? s_parse_stage_ms(sm) : 0;
        if (s_repo)
            printf("job %d: %s  total=%.1f s  commands=%.1f s  overhead=%.1f s\n", i + 1, sm ? sm : "",
                   total / 1000.0, (double)cmd_us / 1e6, (total - (double)cmd_us / 1000.0) / 1000.0);
        s_add("commands", (double)cmd_us / 1000.0);
        s_add("pipeline", total);
        s_add("OVERHEAD", total - (double)cmd_us / 1000.0);
        if (e2e_us >= 0)
            s_add("job_e2e", (double)e2e_us / 1000.0);
        free(sm);
    } else {
        char *why = id ? pl_sql_text(c, "SELECT coalesce(reason, '') FROM jobs WHERE id = '%s'", id) : NULL;
        fprintf(stderr, "job %d: %s: %s (logs in %s)\n", i, verdict ? verdict : "not submitted", why ? why : "",
                cluster_dir(c));
        free(why);
    }
    free(verdict);
    free(id);
    return ok ? AL_OK : AL_EIO;
}

static void s_print(int jobs)
{
    printf("\npipeline overhead, %s driver, run=`true` test=`true`%s, %d jobs, ms\n", s_driver,
           s_egress ? " egress=[bench.test]" : "", jobs);
    printf("%-10s %6s %9s %9s %9s %9s\n", "stage", "n", "p50", "p90", "p99", "max");
    for (int i = 0; i < s_nseries; i++) {
        series_t *s = &s_series[i];
        qsort(s->v, (size_t)s->n, sizeof *s->v, s_cmp);
        printf("%-10s %6d %9.1f %9.1f %9.1f %9.1f\n", s->name, s->n, s_pct(s, 0.5), s_pct(s, 0.9),
               s_pct(s, 0.99), s->n ? s->v[s->n - 1] : 0);
    }
    printf("(pipeline = sum of stage_ms; OVERHEAD = pipeline - run/test command wall time; "
           "job_e2e = jobs.started_at..finished_at; target: OVERHEAD p50 <= 100 ms)\n");
}

/* Warm-pool hit rate and sandbox create time by hit/miss (sandbox.create events). */
static void s_print_pool(cluster_t *c)
{
    char *rows = pl_sql_text(c, "SELECT string_agg(format('%%s: %%s creates, p50 %%s ms, p90 %%s ms', pool, n, p50, p90), "
                                "E'\\n' ORDER BY pool) FROM (SELECT data->>'pool' AS pool, count(*) AS n, "
                                "round((percentile_cont(0.5) WITHIN GROUP (ORDER BY (data->>'create_us')::float8) "
                                "/ 1000)::numeric, 1) AS p50, round((percentile_cont(0.9) WITHIN GROUP "
                                "(ORDER BY (data->>'create_us')::float8) / 1000)::numeric, 1) AS p90 "
                                "FROM task_events WHERE kind = 'sandbox.create' GROUP BY 1) t", "");
    printf("\nsandbox create by warm-pool outcome (hit = handed out ready; miss = created on the stage's path)\n%s\n",
           rows ? rows : "(none)");
    free(rows);
}

int main(int argc, char **argv)
{
    int jobs = -1, all = 0, opt;
    static const struct option longs[] = { { "repo", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 } };
    while ((opt = getopt_long(argc, argv, "n:a:d:e", longs, NULL)) != -1) {
        if (opt == 'r')
            s_repo = optarg;
        else if (opt == 'e')
            s_egress = 1;
        else if (opt == 'd')
            s_driver = optarg;
        else if (opt == 'n')
            jobs = atoi(optarg);
        else if (opt == 'a')
            all = strcmp(optarg, "all") == 0;
    }
    if (jobs < 0)
        jobs = s_repo ? 3 : 30;
    if (jobs < 1 || jobs > MAX_JOBS) {
        fprintf(stderr, "usage: bench_pipeline [-n 1..%d] [-a none|all] [-d ns|gvisor|microvm] [-e] [--repo PATH]\n",
                MAX_JOBS);
        return 2;
    }
    cluster_opts_t o = { .workers = 0, .slots = 1, .heartbeat_ms = 200, .lease_ms = 30000 };
    cluster_t *c = NULL;
    pl_worker_t w = { 0 };
    int rc = cluster_start(&c, &o);
    double clone_s = 0;
    if (rc == AL_OK && s_repo && (clone_s = s_repo_baseline(c)) < 0)
        rc = al_err_set(AL_EIO, "git clone --local %s failed", s_repo);
    if (rc == AL_OK && s_repo)
        printf("baseline: git clone --local + checkout of %s: %.1f s\n", s_repo, clone_s);
    if (rc == AL_OK)
        rc = pl_worker_start(c, &w, "bw0", s_driver, AIRLOCK_PLUGIN_DIR, "");
    for (int i = 0; rc == AL_OK && i < jobs; i++)
        rc = s_one_job(c, cluster_repo(c), all, i);
    if (rc == AL_OK && s_repo) {
        series_t *ps = s_get("pipeline");
        if (!ps)
            ps = &s_series[0];
        printf("first job %.1f s = %.2f x clone --local (target <= 2); later jobs' overhead: see OVERHEAD "
               "(target <= 10 s ns, 20 s microvm)\n", ps->n ? ps->v[0] / 1000.0 : 0,
               ps->n && clone_s > 0 ? ps->v[0] / 1000.0 / clone_s : 0);
    }
    if (rc == AL_OK) {
        s_print(jobs);
        s_print_pool(c);
    }
    else
        fprintf(stderr, "bench_pipeline: %s\n", al_err_msg());
    pl_worker_stop(&w);
    cluster_stop(&c);
    return rc == AL_OK ? 0 : 1;
}
