/*
 * api_metrics.c: GET /metrics in the Prometheus text exposition format
 * (0.0.4), computed from PostgreSQL at each scrape, so every airlockd of a
 * deployment reports the same numbers and nothing is lost in a restart.
 * Conventions: counters end in _total, durations are histograms in seconds,
 * base units, every family has HELP and TYPE, label values are escaped.
 *
 * The families (docs/API.md "Metrics"): jobs by verdict and state, queue
 * depth and age of its oldest attempt, stage durations, sandbox create time
 * by driver and pool hit/miss (from the sandbox.create events), execs and
 * egress requests per finished attempt (the anomaly alerts' inputs), attempts
 * by worker and outcome, workers by state, their slots and free slots,
 * findings, egress requests, GitHub deliveries, the audit chain head and the
 * last signed checkpoint. Each histogram is counted with one
 * `count(*) FILTER (WHERE v <= bound)` per bucket: cumulative and exact.
 */
#include "orchestrator/api/api.h"
#include "common/error.h"
#include "common/states.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double s_seconds[] = { 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600 };
static const double s_counts[] = { 0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000 };

typedef struct {
    const char *name, *help;
    const char *labels[3];           /* label names, NULL-terminated */
    const double *bounds;
    size_t nbounds;
    const char *from;                /* SELECT <labels>, <value AS v> ... : the subquery */
} histogram_t;

static const histogram_t s_histograms[] = {
    { "airlock_stage_duration_seconds", "Duration of a stage command (stage_runs), by stage.", { "stage" },
      s_seconds, sizeof s_seconds / sizeof s_seconds[0],
      "SELECT stage AS l0, extract(epoch FROM finished_at - started_at) AS v FROM stage_runs "
      "WHERE finished_at IS NOT NULL" },
    { "airlock_sandbox_create_seconds", "Time to create a sandbox, by driver and warm-pool hit or miss.",
      { "driver", "pool" }, s_seconds, sizeof s_seconds / sizeof s_seconds[0],
      "SELECT COALESCE(data->>'driver', '') AS l0, COALESCE(data->>'pool', '') AS l1, "
      "(data->>'create_us')::double precision / 1e6 AS v FROM task_events WHERE kind = 'sandbox.create' "
      "AND data ? 'create_us'" },
    { "airlock_task_execs", "Processes exec'd per finished attempt (exec events).", { NULL }, s_counts,
      sizeof s_counts / sizeof s_counts[0],
      "SELECT (SELECT count(*) FROM exec_events e WHERE e.task_id = t.id AND e.attempt = t.attempt) AS v "
      "FROM tasks t WHERE t.finished_at IS NOT NULL" },
    { "airlock_task_egress_requests", "Egress requests per finished attempt (egress events).", { NULL },
      s_counts, sizeof s_counts / sizeof s_counts[0],
      "SELECT (SELECT count(*) FROM egress_events e WHERE e.task_id = t.id AND e.attempt = t.attempt) AS v "
      "FROM tasks t WHERE t.finished_at IS NOT NULL" },
};

/* Simple families: one query, rows of (label values..., value). */
typedef struct {
    const char *name, *type, *help;
    const char *labels[3];
    const char *sql;
    const al_state_t *zero;          /* label values always present (0 when no row), for the first label */
    size_t nzero;
} family_t;

/* The verdicts and job states (common/states.h, from schemas/states.json). */
#define VERDICTS al_verdicts, AL_VERDICT_COUNT
#define JOB_STATES al_job_states, AL_JOB_STATE_COUNT

static const family_t s_families[] = {
    { "airlock_jobs_submitted_total", "counter", "Jobs submitted.", { NULL }, "SELECT count(*) FROM jobs", NULL, 0 },
    { "airlock_jobs_finished_total", "counter", "Jobs that ended, by verdict.", { "verdict" },
      "SELECT verdict, count(*) FROM jobs WHERE verdict IS NOT NULL GROUP BY verdict", VERDICTS },
    { "airlock_jobs", "gauge", "Jobs by state.", { "state" },
      "SELECT state, count(*) FROM jobs GROUP BY state", JOB_STATES },
    { "airlock_queue_depth", "gauge", "Attempts waiting for a worker.", { NULL },
      "SELECT count(*) FROM tasks WHERE state = 'queued'", NULL, 0 },
    { "airlock_queue_oldest_age_seconds", "gauge", "Age of the oldest queued attempt (0 when none).", { NULL },
      "SELECT COALESCE(extract(epoch FROM now() - min(queued_at)), 0) FROM tasks WHERE state = 'queued'", NULL, 0 },
    { "airlock_attempts_total", "counter", "Attempts that ended, by worker and outcome.", { "worker", "outcome" },
      "SELECT w.name, t.state, count(*) FROM tasks t JOIN workers w ON w.id = t.worker_id "
      "WHERE t.state IN ('done', 'failed', 'expired', 'cancelled') GROUP BY 1, 2", NULL, 0 },
    { "airlock_workers", "gauge", "Workers by state.", { "state" },
      "SELECT state, count(*) FROM workers GROUP BY state", NULL, 0 },
    { "airlock_worker_slots", "gauge", "Task slots of connected workers.", { NULL },
      "SELECT COALESCE(sum(slots), 0) FROM v_worker_load WHERE state IN ('connected', 'draining')", NULL, 0 },
    { "airlock_worker_free_slots", "gauge", "Slots of connected workers not running an attempt.", { NULL },
      "SELECT COALESCE(sum(free_slots), 0) FROM v_worker_load WHERE state = 'connected'", NULL, 0 },
    { "airlock_findings_total", "counter", "Analyzer findings, by severity.", { "severity" },
      "SELECT severity, count(*) FROM findings GROUP BY severity", NULL, 0 },
    { "airlock_egress_requests_total", "counter", "Egress requests through the proxies, allowed or blocked.",
      { "allowed" }, "SELECT allowed::text, count(*) FROM egress_events GROUP BY allowed", NULL, 0 },
    { "airlock_execs_total", "counter", "Processes exec'd in sandboxes.", { NULL },
      "SELECT count(*) FROM exec_events", NULL, 0 },
    { "airlock_github_deliveries_total", "counter", "GitHub webhook deliveries, by outcome.", { "state" },
      "SELECT state, count(*) FROM github_deliveries GROUP BY state", NULL, 0 },
    { "airlock_audit_chain_head_id", "gauge", "Id of the last row of the audit hash chain.", { NULL },
      "SELECT last_id FROM audit_head", NULL, 0 },
    { "airlock_audit_checkpoint_head_id", "gauge", "Chain head covered by the last signed checkpoint.", { NULL },
      "SELECT COALESCE(max(head_id), 0) FROM audit_checkpoints", NULL, 0 },
};

/* Label value escaping of the text format: \\ \" \n. */
static void s_label(FILE *f, const char *name, const char *value, int first)
{
    fprintf(f, "%s%s=\"", first ? "" : ",", name);
    for (const char *c = value; *c; c++) {
        if (*c == '\\' || *c == '"')
            fprintf(f, "\\%c", *c);
        else if (*c == '\n')
            fputs("\\n", f);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

static void s_sample(FILE *f, const char *name, const char *suffix, const char *const *labels, PGresult *res,
                     int row, const char *extra_name, const char *extra_value, const char *value)
{
    int n = 0;
    fprintf(f, "%s%s", name, suffix);
    for (int i = 0; labels[i]; i++, n++) {
        fputs(n ? "" : "{", f);
        s_label(f, labels[i], PQgetvalue(res, row, i), n == 0);
    }
    if (extra_name) {
        fputs(n ? "" : "{", f);
        s_label(f, extra_name, extra_value, n == 0);
        n++;
    }
    fprintf(f, "%s %s\n", n ? "}" : "", value);
}

static int s_family(api_t *a, FILE *f, const family_t *m)
{
    PGresult *res = NULL;
    int rc = store_db_exec(a->db, &res, m->sql, 0, NULL);
    if (rc != AL_OK)
        return rc;
    int nl = 0;
    while (m->labels[nl])
        nl++;
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->type);
    for (size_t z = 0; z < m->nzero; z++) {   /* always present, 0 when no row */
        int found = 0;
        for (int r = 0; r < PQntuples(res) && !found; r++)
            found = strcmp(PQgetvalue(res, r, 0), m->zero[z].name) == 0;
        if (!found)
            fprintf(f, "%s{%s=\"%s\"} 0\n", m->name, m->labels[0], m->zero[z].name);
    }
    for (int r = 0; r < PQntuples(res); r++)
        s_sample(f, m->name, "", m->labels, res, r, NULL, NULL, PQgetisnull(res, r, nl) ? "0" : PQgetvalue(res, r, nl));
    PQclear(res);
    return AL_OK;
}

static int s_histogram(api_t *a, FILE *f, const histogram_t *h)
{
    char *sql = NULL, *cols = NULL, *groups = NULL;
    size_t cl = 0, gl = 0, nl = 0;
    FILE *c = open_memstream(&cols, &cl), *g = open_memstream(&groups, &gl);
    for (; h->labels[nl]; nl++) {
        fprintf(c, "l%zu, ", nl);
        fprintf(g, "%s%zu", nl ? ", " : " GROUP BY ", nl + 1);
    }
    for (size_t b = 0; b < h->nbounds; b++)
        fprintf(c, "count(*) FILTER (WHERE v <= %g), ", h->bounds[b]);
    fclose(c);
    fclose(g);
    int n = asprintf(&sql, "SELECT %scount(*), COALESCE(sum(v), 0) FROM (%s) x%s", cols, h->from, groups);
    free(cols);
    free(groups);
    if (n < 0)
        return al_err_set(AL_ENOMEM, "out of memory");
    PGresult *res = NULL;
    int rc = store_db_exec(a->db, &res, sql, 0, NULL);
    free(sql);
    if (rc != AL_OK)
        return rc;
    fprintf(f, "# HELP %s %s\n# TYPE %s histogram\n", h->name, h->help, h->name);
    for (int r = 0; r < PQntuples(res); r++) {
        char le[32];
        for (size_t b = 0; b < h->nbounds; b++) {
            snprintf(le, sizeof le, "%g", h->bounds[b]);
            s_sample(f, h->name, "_bucket", h->labels, res, r, "le", le, PQgetvalue(res, r, (int)(nl + b)));
        }
        const char *count = PQgetvalue(res, r, (int)(nl + h->nbounds));
        s_sample(f, h->name, "_bucket", h->labels, res, r, "le", "+Inf", count);
        s_sample(f, h->name, "_sum", h->labels, res, r, NULL, NULL, PQgetvalue(res, r, (int)(nl + h->nbounds + 1)));
        s_sample(f, h->name, "_count", h->labels, res, r, NULL, NULL, count);
    }
    PQclear(res);
    return AL_OK;
}

enum MHD_Result api_metrics(api_req_t *r)
{
    if (!api_require(r, API_SCOPE_METRICS))
        return MHD_YES;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int rc = f ? api_db_ready(r->api) : AL_ENOMEM;
    for (size_t i = 0; rc == AL_OK && i < sizeof s_families / sizeof s_families[0]; i++)
        rc = s_family(r->api, f, &s_families[i]);
    for (size_t i = 0; rc == AL_OK && i < sizeof s_histograms / sizeof s_histograms[0]; i++)
        rc = s_histogram(r->api, f, &s_histograms[i]);
    if (f)
        fclose(f);
    enum MHD_Result ok = rc == AL_OK
        ? api_reply_text(r, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len)
        : api_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", al_err_msg(), NULL);
    free(text);
    return ok;
}
