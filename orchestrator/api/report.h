/*
 * report.h: a finished (or running) job as the reports code hosts ingest:
 * SARIF 2.1.0 and GitHub check-run payloads. Used by airlockd's HTTP API
 * (GET /v1/jobs/{id}/sarif, /checks) and by the CLI (`airlock sarif JOB`,
 * `airlock checks JOB`), both reading PostgreSQL; library airlock_report.
 *
 * A job's issues are its findings (analyzers), its policy violations (files
 * the run or the patch changed against the policy), its blocked egress
 * attempts, and, when the verdict is neither accepted nor rejected, one issue
 * for the verdict itself (the failing stage and command when there is one).
 * All are taken from the reported attempt: the authoritative result's, else
 * the latest.
 *
 * Ownership: report_job_load() gives a report_job_t the caller frees with
 * report_job_destroy(); the builders return new jansson values the caller
 * owns (json_decref). Errors: AL_ENOTFOUND, AL_EDB, AL_EAGAIN, AL_ENOMEM.
 */
#ifndef AIRLOCK_REPORT_H
#define AIRLOCK_REPORT_H

#include <jansson.h>
#include <stddef.h>

#include "orchestrator/store/db.h"

#define REPORT_TOOL_NAME "Airlock"
#define REPORT_TOOL_VERSION "0.1.0"
#define REPORT_TOOL_URI "https://airlock.invalid/docs/API.md"
#define REPORT_CHECKS_PER_REQUEST 50   /* GitHub: at most 50 annotations per request */

typedef struct {
    char *rule_id;               /* "secrets.aws_access_key", "airlock.policy_violation", ... */
    char *analyzer;              /* analyzer name, or "airlock" */
    char *severity;              /* info | low | medium | high | critical */
    char *file;                  /* repository-relative path; NULL when none */
    int line;                    /* 1-based; 0 = unknown */
    char *message;
    int blocking;
} report_issue_t;

typedef struct {
    char *job_id, *task_id, *state, *verdict, *reason;   /* verdict/reason "" until finished */
    int attempt;                 /* the reported attempt */
    char *repo, *base, *base_commit, *head_sha;          /* head_sha: label github.head_sha, or "" */
    char *created_at, *finished_at;                      /* ISO 8601, "" when not finished */
    json_t *labels;              /* object */
    json_t *summary;             /* object */
    report_issue_t *issues;
    size_t n_issues;
} report_job_t;

int report_job_load(store_db_t *db, const char *job_id, report_job_t **out);
void report_job_destroy(report_job_t **p);

/* A SARIF 2.1.0 log with one run: tool.driver.rules for every rule used
 * (id, name, descriptions, help, default level, security-severity), a
 * result per issue (physical location when it has a file), the verdict,
 * reason, job id and labels in run.properties. */
json_t *report_sarif(const report_job_t *job);

/* GitHub check-run request bodies, as an array: the first creates the check
 * run (name, head_sha, status, conclusion mapped from the verdict, output with
 * the first 50 annotations), each following one updates it with the next 50
 * (GitHub's limit per request). */
json_t *report_checks(const report_job_t *job);
/* The check-run conclusion of a verdict ("success", "failure", "cancelled",
 * "timed_out", "action_required"); NULL while the job is not finished. */
const char *report_conclusion(const char *verdict);

/* ---- rules catalog (report_rules.c) ---- */
typedef struct {
    const char *id;              /* rule id or family prefix ending in '.' */
    const char *name;            /* PascalCase, for SARIF reportingDescriptor.name */
    const char *summary;         /* one line */
    const char *help;            /* what it means and what to do */
} report_rule_t;

/* The catalog entry of a rule id: exact, else its analyzer family, else a
 * generic entry. Never NULL. */
const report_rule_t *report_rule_find(const char *rule_id);
/* The help text of a rule: its own, else its family's, else the generic one. */
const char *report_rule_help(const char *rule_id);
/* SARIF level of a severity: error (high, critical), warning (medium), note. */
const char *report_level(const char *severity);

#endif
