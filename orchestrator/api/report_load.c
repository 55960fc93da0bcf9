/*
 * report_load.c: reads one job for the reports from PostgreSQL (read-only
 * queries; a reporting role needs SELECT on jobs, results, findings,
 * file_changes, egress_events and stage_runs) and turns what it finds into
 * a flat list of issues.
 *
 * Owns: the report_job_t it builds, until report_job_destroy().
 */
#include "orchestrator/api/report.h"
#include "common/error.h"
#include "common/states.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *const s_job_sql =
    "SELECT j.id, j.task_id, j.state, COALESCE(j.verdict, ''), COALESCE(j.reason, ''), "
    "COALESCE(j.authoritative_attempt, j.attempt), j.spec->>'repo', j.spec->>'base', "
    "COALESCE(r.summary->>'base_commit', ''), COALESCE(j.labels->>'github.head_sha', ''), "
    "to_char(j.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "COALESCE(to_char(j.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), ''), "
    "j.labels::text, COALESCE(r.summary::text, '{}') "
    "FROM jobs j LEFT JOIN results r ON r.job_id = j.id AND r.authoritative WHERE j.id = $1";

/* Issues of the reported attempt, in one query: findings, policy violations,
 * blocked egress. Columns: rule, analyzer, severity, file, line, message, blocking. */
static const char *const s_issues_sql =
    "SELECT rule_id, analyzer, severity, file, COALESCE(line, 0), message, blocking FROM ("
    " SELECT 0 AS k, id, rule_id, analyzer, severity, file, line, message, blocking"
    "   FROM findings WHERE task_id = $1 AND attempt = $2::int"
    " UNION ALL SELECT 1, id, 'airlock.policy_violation', 'airlock', 'high', path, NULL,"
    "   format('%s: %s (%s in the %s stage)', path, violation, status, stage), true"
    "   FROM file_changes WHERE task_id = $1 AND attempt = $2::int AND violation IS NOT NULL"
    " UNION ALL SELECT 2, id, 'airlock.egress_blocked', 'airlock', 'medium', NULL, NULL,"
    "   format('blocked %s %s:%s in the %s stage: %s', method, host, port, COALESCE(stage, '?'),"
    "          COALESCE(reason, 'not allowed')), false"
    "   FROM egress_events WHERE task_id = $1 AND attempt = $2::int AND NOT allowed"
    ") x ORDER BY k, id";

/* The stage run that decided a failing verdict: the last one that failed. */
static const char *const s_failed_stage_sql =
    "SELECT stage, idx, COALESCE(command, ''), COALESCE(exit_status, -1), timed_out, "
    "COALESCE(right(output_redacted, 1500), '') FROM stage_runs "
    "WHERE task_id = $1 AND attempt = $2::int AND (exit_status <> 0 OR timed_out) "
    "ORDER BY started_at DESC, id DESC LIMIT 1";

static char *s_col(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

static int s_add(report_job_t *j, const char *rule, const char *analyzer, const char *severity,
                 const char *file, int line, const char *message, int blocking)
{
    report_issue_t *grown = realloc(j->issues, (j->n_issues + 1) * sizeof *grown);
    if (!grown)
        return al_err_set(AL_ENOMEM, "out of memory");
    j->issues = grown;
    report_issue_t *i = &j->issues[j->n_issues++];
    memset(i, 0, sizeof *i);
    i->rule_id = strdup(rule);
    i->analyzer = strdup(analyzer);
    i->severity = strdup(severity);
    i->file = file && *file ? strdup(file) : NULL;
    i->line = line > 0 ? line : 0;
    i->message = strdup(message);
    i->blocking = blocking;
    if (!i->rule_id || !i->analyzer || !i->severity || !i->message)
        return al_err_set(AL_ENOMEM, "out of memory");
    return AL_OK;
}

static int s_load_job(store_db_t *db, const char *job_id, report_job_t *j)
{
    PGresult *res = NULL;
    const char *params[] = { job_id };
    int rc = store_db_exec(db, &res, s_job_sql, 1, params);
    if (rc != AL_OK)
        return rc;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return al_err_set(AL_ENOTFOUND, "no job %s", job_id);
    }
    char **dst[] = { &j->job_id, &j->task_id, &j->state, &j->verdict, &j->reason, NULL, &j->repo, &j->base,
                     &j->base_commit, &j->head_sha, &j->created_at, &j->finished_at };
    for (int c = 0; c < 12; c++)
        if (dst[c] && !(*dst[c] = s_col(res, 0, c)))
            *dst[c] = strdup("");
    j->attempt = atoi(PQgetvalue(res, 0, 5));
    j->labels = json_loads(PQgetvalue(res, 0, 12), 0, NULL);
    j->summary = json_loads(PQgetvalue(res, 0, 13), 0, NULL);
    PQclear(res);
    if (!j->labels)
        j->labels = json_object();
    if (!j->summary)
        j->summary = json_object();
    return AL_OK;
}

static int s_load_issues(store_db_t *db, report_job_t *j)
{
    char attempt[16];
    snprintf(attempt, sizeof attempt, "%d", j->attempt);
    const char *params[] = { j->task_id, attempt };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, s_issues_sql, 2, params);
    for (int r = 0; rc == AL_OK && r < PQntuples(res); r++)
        rc = s_add(j, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
                   PQgetisnull(res, r, 3) ? NULL : PQgetvalue(res, r, 3), atoi(PQgetvalue(res, r, 4)),
                   PQgetvalue(res, r, 5), PQgetvalue(res, r, 6)[0] == 't');
    PQclear(res);
    return rc;
}

static int s_has_rule(const report_job_t *j, const char *rule)
{
    for (size_t i = 0; i < j->n_issues; i++)
        if (strcmp(j->issues[i].rule_id, rule) == 0)
            return 1;
    return 0;
}

/* One issue for a verdict that no finding or violation explains already. */
static int s_verdict_issue(store_db_t *db, report_job_t *j)
{
    const char *v = j->verdict;
    int vid = al_verdict_find(v);
    if (!*v || vid == AL_VERDICT_ACCEPTED || vid == AL_VERDICT_REJECTED ||
        (vid == AL_VERDICT_POLICY_VIOLATION && s_has_rule(j, "airlock.policy_violation")))
        return AL_OK;
    char rule[64], msg[4096];
    snprintf(rule, sizeof rule, "airlock.%s", v);
    snprintf(msg, sizeof msg, "%s: %s", v, j->reason);
    int failing = vid == AL_VERDICT_TESTS_FAILED || vid == AL_VERDICT_TIMEOUT || vid == AL_VERDICT_RESOURCE_EXCEEDED;
    if (failing) {
        char attempt[16];
        snprintf(attempt, sizeof attempt, "%d", j->attempt);
        const char *params[] = { j->task_id, attempt };
        PGresult *res = NULL;
        int rc = store_db_exec(db, &res, s_failed_stage_sql, 2, params);
        if (rc != AL_OK)
            return rc;
        if (PQntuples(res) == 1)
            snprintf(msg, sizeof msg, "%s: %s stage, command %s `%.300s` %s %s.\n%s", v, PQgetvalue(res, 0, 0),
                     PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
                     PQgetvalue(res, 0, 4)[0] == 't' ? "timed out" : "exited with", 
                     PQgetvalue(res, 0, 4)[0] == 't' ? "" : PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 5));
        PQclear(res);
    }
    return s_add(j, rule, "airlock", vid == AL_VERDICT_CANCELLED ? "info" : "high", NULL, 0, msg,
                 vid != AL_VERDICT_CANCELLED);
}

int report_job_load(store_db_t *db, const char *job_id, report_job_t **out)
{
    *out = NULL;
    report_job_t *j = calloc(1, sizeof *j);
    if (!j)
        return al_err_set(AL_ENOMEM, "out of memory");
    int rc = s_load_job(db, job_id, j);
    if (rc == AL_OK)
        rc = s_load_issues(db, j);
    if (rc == AL_OK)
        rc = s_verdict_issue(db, j);
    if (rc != AL_OK) {
        report_job_destroy(&j);
        return rc;
    }
    *out = j;
    return AL_OK;
}

void report_job_destroy(report_job_t **p)
{
    report_job_t *j = p ? *p : NULL;
    if (!j)
        return;
    for (size_t i = 0; i < j->n_issues; i++) {
        report_issue_t *x = &j->issues[i];
        free(x->rule_id);
        free(x->analyzer);
        free(x->severity);
        free(x->file);
        free(x->message);
    }
    free(j->issues);
    char *strs[] = { j->job_id, j->task_id, j->state, j->verdict, j->reason, j->repo, j->base,
                     j->base_commit, j->head_sha, j->created_at, j->finished_at };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(strs[i]);
    json_decref(j->labels);
    json_decref(j->summary);
    free(j);
    *p = NULL;
}
