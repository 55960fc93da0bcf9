/*
 * cmd_sample.c: `airlock audit sample N [--since WHEN] [--seed S]` for a
 * reviewer: N finished jobs picked at random, each with its full history
 * (job, attempts, stages, findings, file changes, execs, egress, audit rows).
 *
 * The pick is reproducible: jobs are ordered by md5(seed || job id), so the
 * same seed over the same jobs gives the same sample (a seed is made up and
 * printed when none is given). WHEN is a time (2026-01-31, an ISO timestamp)
 * or an age (90m, 24h, 7d, 2w). The database builds each history as one JSON
 * document; --json prints it as one line per job, otherwise it is rendered
 * as text.
 */
#include "cli/cli.h"
#include "common/error.h"
#include "orchestrator/store/db.h"

#include <jansson.h>
#include <openssl/rand.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE_MAX 1000

static const char *const s_pick_sql[2] = {
    "SELECT id FROM jobs WHERE state IN ('finished', 'cancelled') AND finished_at >= $1::timestamptz "
    "ORDER BY md5($2 || id), id LIMIT $3::int",
    "SELECT id FROM jobs WHERE state IN ('finished', 'cancelled') AND finished_at >= now() - $1::interval "
    "ORDER BY md5($2 || id), id LIMIT $3::int",
};

/* One job's history as JSON, built by the database. */
static const char *const s_history_sql =
    "SELECT json_build_object("
    " 'job', (SELECT json_build_object('id', j.id, 'state', j.state, 'verdict', j.verdict, 'reason', j.reason,"
    "   'submitted_by', j.submitted_by, 'repo', j.spec->>'repo', 'base', j.spec->>'base', 'labels', j.labels,"
    "   'created_at', j.created_at, 'finished_at', j.finished_at) FROM jobs j WHERE j.id = $1),"
    " 'attempts', (SELECT COALESCE(json_agg(json_build_object('attempt', t.attempt, 'state', t.state,"
    "   'worker', w.name, 'worker_id', t.worker_id, 'assigned_at', t.assigned_at, 'finished_at', t.finished_at,"
    "   'verdict', t.verdict, 'reason', t.reason) ORDER BY t.attempt), '[]')"
    "   FROM tasks t LEFT JOIN workers w ON w.id = t.worker_id WHERE t.job_id = $1),"
    " 'stages', (SELECT COALESCE(json_agg(json_build_object('attempt', s.attempt, 'stage', s.stage, 'idx', s.idx,"
    "   'command', s.command, 'driver', s.sandbox_driver, 'isolation', s.isolation, 'exit_status', s.exit_status,"
    "   'timed_out', s.timed_out, 'seconds', extract(epoch FROM s.finished_at - s.started_at))"
    "   ORDER BY s.started_at, s.id), '[]') FROM stage_runs s JOIN jobs j ON j.task_id = s.task_id WHERE j.id = $1),"
    " 'findings', (SELECT COALESCE(json_agg(json_build_object('attempt', f.attempt, 'rule_id', f.rule_id,"
    "   'severity', f.severity, 'file', f.file, 'line', f.line, 'message', f.message, 'blocking', f.blocking)"
    "   ORDER BY f.id), '[]') FROM findings f JOIN jobs j ON j.task_id = f.task_id WHERE j.id = $1),"
    " 'changes', (SELECT COALESCE(json_agg(json_build_object('attempt', c.attempt, 'stage', c.stage,"
    "   'path', c.path, 'status', c.status, 'violation', c.violation) ORDER BY c.id), '[]')"
    "   FROM file_changes c JOIN jobs j ON j.task_id = c.task_id WHERE j.id = $1),"
    " 'execs', (SELECT COALESCE(json_agg(json_build_object('attempt', e.attempt, 'stage', e.stage, 'pid', e.pid,"
    "   'path', e.path, 'argv', e.argv, 'ts', e.ts) ORDER BY e.ts, e.id), '[]')"
    "   FROM exec_events e JOIN jobs j ON j.task_id = e.task_id WHERE j.id = $1),"
    " 'egress', (SELECT COALESCE(json_agg(json_build_object('attempt', g.attempt, 'stage', g.stage,"
    "   'host', g.host, 'port', g.port, 'method', g.method, 'allowed', g.allowed, 'reason', g.reason,"
    "   'bytes', g.bytes, 'ts', g.ts) ORDER BY g.id), '[]')"
    "   FROM egress_events g JOIN jobs j ON j.task_id = g.task_id WHERE j.id = $1),"
    " 'audit', (SELECT COALESCE(json_agg(json_build_object('id', a.id, 'ts', a.ts, 'actor', a.actor,"
    "   'action', a.action, 'detail', a.detail) ORDER BY a.id), '[]') FROM audit_log a WHERE a.job_id = $1)"
    ")::text";

static const char *s_str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? cli_esc(json_string_value(v)) : "-";
}

/* Prints each item of a section as one line of the given keys. */
static void s_section(json_t *doc, const char *name, const char *const *keys)
{
    json_t *items = json_object_get(doc, name), *it;
    size_t i;
    printf("  %s (%zu)\n", name, json_array_size(items));
    json_array_foreach(items, i, it) {
        printf("   ");
        for (const char *const *k = keys; *k; k++) {
            json_t *v = json_object_get(it, *k);
            char *text = json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            if (text && strlen(text) > 300)
                text[300] = '\0';
            printf(" %s=%s", *k, text ? cli_esc(text) : "null");
            free(text);
        }
        printf("\n");
    }
}

static void s_print_text(json_t *doc)
{
    json_t *job = json_object_get(doc, "job");
    printf("job %s  %s %s  (%s)\n  repo %s  base %s  submitted_by %s\n  created %s  finished %s\n",
           s_str(job, "id"), s_str(job, "state"), s_str(job, "verdict"), s_str(job, "reason"), s_str(job, "repo"),
           s_str(job, "base"), s_str(job, "submitted_by"), s_str(job, "created_at"), s_str(job, "finished_at"));
    static const char *const att[] = { "attempt", "state", "worker", "verdict", "reason", NULL };
    static const char *const stg[] = { "attempt", "stage", "idx", "command", "isolation", "exit_status",
                                       "timed_out", "seconds", NULL };
    static const char *const fnd[] = { "attempt", "rule_id", "severity", "file", "line", "blocking", "message", NULL };
    static const char *const chg[] = { "attempt", "stage", "path", "status", "violation", NULL };
    static const char *const exe[] = { "attempt", "stage", "pid", "path", "argv", NULL };
    static const char *const egr[] = { "attempt", "stage", "method", "host", "port", "allowed", "reason", NULL };
    static const char *const aud[] = { "id", "ts", "actor", "action", "detail", NULL };
    s_section(doc, "attempts", att);
    s_section(doc, "stages", stg);
    s_section(doc, "findings", fnd);
    s_section(doc, "changes", chg);
    s_section(doc, "execs", exe);
    s_section(doc, "egress", egr);
    s_section(doc, "audit", aud);
    printf("\n");
}

static int s_print_job(cli_t *cli, store_db_t *db, const char *job_id)
{
    const char *params[] = { job_id };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, s_history_sql, 1, params);
    if (rc != AL_OK)
        return rc;
    json_t *doc = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    if (!doc)
        return al_err_set(AL_EDB, "history of %s is not JSON", job_id);
    if (cli->json) {
        char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", text ? text : "{}");
        free(text);
    } else {
        s_print_text(doc);
    }
    json_decref(doc);
    return AL_OK;
}

/* 1 when `since` is an age (90m, 24h, 7d, 2w), made into an interval. */
static int s_age(const char *since, char *interval, size_t size)
{
    regex_t re;
    regcomp(&re, "^[0-9]+[smhdw]$", REG_EXTENDED | REG_NOSUB);
    int age = regexec(&re, since, 0, NULL, 0) == 0;
    regfree(&re);
    if (age) {
        static const char *const units[] = { "s", "seconds", "m", "minutes", "h", "hours", "d", "days", "w", "weeks" };
        const char *unit = since + strlen(since) - 1;
        for (size_t i = 0; i < 10; i += 2)
            if (*unit == units[i][0])
                snprintf(interval, size, "%.*s %s", (int)(unit - since), since, units[i + 1]);
    }
    return age;
}

int cli_audit_sample(cli_t *cli, const char *n_text, const char *since, const char *seed_text)
{
    const char *usage = "audit sample N [--since WHEN] [--seed S]";
    long n = 0, seed = 0;
    if (cli_parse_int(n_text, 1, SAMPLE_MAX, "N", &n) != AL_OK ||
        (seed_text && cli_parse_int(seed_text, 0, 2147483647L, "--seed", &seed) != AL_OK))
        return cli_usage_error("audit", usage, "%s", al_err_msg());
    if (!seed_text) {
        unsigned char r[4];
        RAND_bytes(r, sizeof r);
        seed = ((long)r[0] << 23 | r[1] << 15 | r[2] << 7 | r[3] >> 1) & 0x7fffffffL;
    }
    char interval[64], seed_s[24], n_s[24];
    int age = since && s_age(since, interval, sizeof interval);
    snprintf(seed_s, sizeof seed_s, "%ld", seed);
    snprintf(n_s, sizeof n_s, "%ld", n);
    int code = CLI_OK;
    store_db_t *db = cli_db_open(cli, "audit sample", &code);
    if (!db)
        return code;
    const char *params[] = { age ? interval : since ? since : "-infinity", seed_s, n_s };
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, s_pick_sql[age], 3, params);
    if (rc != AL_OK) {
        store_db_destroy(&db);
        return cli_usage_error("audit", usage, "--since '%s': %s", since ? since : "", al_err_msg());
    }
    if (!cli->json)
        printf("sample: %d finished job(s)%s%s, seed %ld (the same again: --seed %ld)\n\n", PQntuples(res),
               since ? " since " : "", since ? since : "", seed, seed);
    for (int i = 0; rc == AL_OK && i < PQntuples(res); i++)
        rc = s_print_job(cli, db, PQgetvalue(res, i, 0));
    PQclear(res);
    store_db_destroy(&db);
    if (rc != AL_OK) {
        fprintf(stderr, "airlock audit sample: %s\n", al_err_msg());
        return CLI_ERROR;
    }
    return CLI_OK;
}
