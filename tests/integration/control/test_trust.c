/*
 * test_trust.c: the trust boundaries of the control plane (issue 12) with
 * real processes: airlockd, airlock-signer, workers and the airlock CLI over
 * CurveZMQ, a private PostgreSQL with the roles of a deployment.
 *
 *   - airlockd's database session cannot disable the audit triggers nor
 *     rewrite the audit tables, and airlockd refuses a role that could;
 *   - `airlock audit verify` catches what a superuser removed (checkpoints,
 *     rows at the tail, a rollback), through the signer's numbered chain and
 *     an exported head;
 *   - a worker's RESULT for an attempt it does not hold is refused;
 *   - tenants are kept apart on the CurveZMQ client channel: another
 *     tenant's job does not exist for a client, a reader sees but does not
 *     cancel, a repo outside the tenant's roots is refused at submit;
 *   - a secret in a patch, a command and an output is nowhere in the
 *     database once the job has ended (every table and the audit log dumped);
 *   - a worker's slots, drivers and labels are bounded by its certificate.
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
#include <sys/stat.h>
#include <sys/wait.h>

#include "cluster_check.h"
#include "cluster_raw.h"
#include "pg_harness.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/proto/proto.h"
#include "common/wire/wire.h"

#define WAIT_MS 120000

static cluster_t *s_cluster(int workers)
{
    cluster_opts_t o = { .workers = workers, .slots = 2, .heartbeat_ms = 200, .lease_ms = 4000 };
    cluster_t *c = NULL;
    if (cluster_start(&c, &o) != AL_OK)
        fail_msg("cluster: %s", al_err_msg());
    return c;
}

/* Runs sql over a fresh connection as `user`; returns the SQLSTATE of its
 * failure ("" when it succeeded) in st. */
static void s_as(cluster_t *c, const char *user, const char *sql, char st[6])
{
    char conninfo[600];
    pg_harness_conninfo_as(cluster_pg(c), user, conninfo, sizeof conninfo);
    PGconn *db = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(db), CONNECTION_OK);
    PGresult *r = PQexec(db, sql);
    ExecStatusType ok = PQresultStatus(r);
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(st, 6, "%s", ok == PGRES_COMMAND_OK || ok == PGRES_TUPLES_OK ? "" : state ? state : "?");
    PQclear(r);
    PQfinish(db);
}

/* Starts airlockd with db=<conninfo as user> and waits for it to exit;
 * returns its exit status, its log in *log (malloc'd). */
static int s_airlockd_as(cluster_t *c, const char *user, char **log)
{
    char db[700], conninfo[600], cert[400], certs[400], sql[600], path[400];
    pg_harness_conninfo_as(cluster_pg(c), user, conninfo, sizeof conninfo);
    snprintf(db, sizeof db, "db=%s", conninfo);
    snprintf(cert, sizeof cert, "server_cert=%s/airlockd.key_secret", cluster_dir(c));
    snprintf(certs, sizeof certs, "certs_dir=%s/allowed", cluster_dir(c));
    snprintf(sql, sizeof sql, "sql_dir=%s/sql", AIRLOCK_SOURCE_DIR);
    snprintf(path, sizeof path, "%s/airlockd-as-%s.log", cluster_dir(c), user);
    const char *argv[] = { AIRLOCK_BUILD_DIR "/orchestrator/airlockd", "--set", db, "--set", cert, "--set", certs,
                           "--set", sql, "--set", "worker_endpoint=tcp://127.0.0.1:0",
                           "--set", "client_endpoint=tcp://127.0.0.1:0", NULL };
    pid_t pid = cluster_spawn(argv, path);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    FILE *f = fopen(path, "r");
    *log = calloc(1, 65536);
    if (f) {
        size_t n = fread(*log, 1, 65535, f);
        (*log)[n] = '\0';
        fclose(f);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The roles of issue 12: what airlockd's own session may not do. */
static void airlockd_session_cannot_rewrite_the_audit_log(void **state)
{
    cluster_t *c = *state = s_cluster(1);
    char job[512];
    cluster_job_file(c, "roles", "true", NULL, job);
    char *id = cluster_submit(c, job);
    assert_non_null(id);
    char sql[400];
    snprintf(sql, sizeof sql, "SELECT state = 'finished' FROM jobs WHERE id = '%s'", id);
    cluster_check_wait(c, sql, WAIT_MS);
    free(id);
    /* the logins the running processes use: airlockd's and the signer's only */
    cluster_check_wait(c, "SELECT count(*) >= 2 FROM audit_checkpoints", WAIT_MS);
    PGresult *r = PQexec(cluster_db(c), "SELECT string_agg(DISTINCT usename::text, ',' ORDER BY usename::text) "
                                        "FROM pg_stat_activity WHERE application_name = 'airlock' "
                                        "OR application_name ~ '^airlockd[0-9]+$'");   /* cluster.c names airlockds */
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "airlock_signerd,airlockd");
    PQclear(r);
    static const char *const refused[] = {
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_update_delete",
        "ALTER TABLE audit_head DISABLE TRIGGER audit_head_guard",
        "UPDATE audit_log SET action = 'forged' WHERE id = 1",
        "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
        "TRUNCATE audit_log",
        "UPDATE audit_checkpoints SET head_id = 0",
        "DELETE FROM audit_checkpoints",
        "UPDATE audit_head SET last_id = 0",
        "ALTER TABLE audit_links DISABLE TRIGGER audit_links_no_update_delete",
        "DELETE FROM audit_links",
        "INSERT INTO audit_links (last_id, first_id, n, prev_hash, hash) SELECT last_id + 1, last_id + 1, 1, "
        "last_hash, last_hash FROM audit_head",
        ("INSERT INTO audit_checkpoints (head_id, head_hash, signed_at_us, key_id, signature) "
         "SELECT 0, last_hash, 1, repeat('a', 64), '\\x01' FROM audit_head"),
        "CREATE TABLE x (i int)",
        "SET session_replication_role = replica",
        "SET ROLE airlock",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char st[6];
        s_as(c, "airlockd", refused[i], st);
        if (strcmp(st, "42501") != 0)
            fail_msg("airlockd's role could run `%s` (SQLSTATE '%s')", refused[i], st);
    }
    /* ... and the reader only reads */
    char st[6];
    s_as(c, "airlock_report", "SELECT count(*) FROM audit_log, audit_checkpoints", st);
    assert_string_equal(st, "");
    s_as(c, "airlock_report", "INSERT INTO audit_log (actor, action) VALUES ('x', 'y')", st);
    assert_string_equal(st, "42501");
    /* airlockd refuses a login that could rewrite history */
    char *log = NULL;
    assert_int_equal(s_airlockd_as(c, "airlock", &log), 1);
    if (!strstr(log, "which owns"))
        fail_msg("airlockd as the owner: %s", log);
    free(log);
    assert_int_equal(s_airlockd_as(c, "postgres", &log), 1);
    if (!strstr(log, "a superuser"))
        fail_msg("airlockd as a superuser: %s", log);
    free(log);
}

/* The report of issue 12, end to end: as the database superuser, delete
 * every checkpoint, delete the last 20 or more audit rows (back to a batch boundary:
 * sql/0080) and rewrite audit_head.
 * Before, `audit verify --public-key` said "0 signed checkpoints ... no
 * break" and exited 0. */
static void audit_verify_catches_removal(void **state)
{
    cluster_t *c = *state = s_cluster(1);
    char job[512];
    cluster_job_file(c, "audited", "true", NULL, job);
    for (int i = 0; i < 3; i++)
        free(cluster_submit(c, job));
    cluster_check_wait(c, "SELECT count(*) = 3 FROM jobs WHERE state = 'finished'", WAIT_MS);
    cluster_check_wait(c, "SELECT max(head_id) = (SELECT last_id FROM audit_head) FROM audit_checkpoints", WAIT_MS);
    char db[600], pub[400], head[400];
    pg_harness_conninfo_as(cluster_pg(c), "airlock_report", db, sizeof db);
    snprintf(pub, sizeof pub, "%s/audit.pub", cluster_dir(c));
    snprintf(head, sizeof head, "%s/head.json", cluster_dir(c));
    const char *verify[] = { "--db", db, "audit", "verify", "--public-key", pub, NULL };
    const char *anchored[] = { "--db", db, "audit", "verify", "--public-key", pub, "--expect-head", head, NULL };
    const char *export[] = { "--db", db, "audit", "head", "--out", head, NULL };
    assert_int_equal(cluster_cli(c, NULL, verify), 0);
    assert_int_equal(cluster_cli(c, NULL, export), 0);
    assert_int_equal(cluster_cli(c, NULL, anchored), 0);
    long before = cluster_sql_long(c, "SELECT max(seq) FROM audit_checkpoints");
    PGresult *r = PQexec(cluster_db(c),
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete;"
        "ALTER TABLE audit_head DISABLE TRIGGER audit_head_guard;"
        "ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_update_delete;"
        "DELETE FROM audit_checkpoints;"
        "ALTER TABLE audit_links DISABLE TRIGGER audit_links_no_update_delete;"
        "DELETE FROM audit_log WHERE id > (SELECT max(last_id) FROM audit_links "
        "  WHERE last_id <= (SELECT max(id) - 20 FROM audit_log));"
        "DELETE FROM audit_links WHERE last_id > (SELECT max(id) FROM audit_log);"
        "UPDATE audit_head SET last_id = l.last_id, last_hash = l.hash FROM "
        "  (SELECT last_id, hash FROM audit_links ORDER BY last_id DESC LIMIT 1) l;"
        "ALTER TABLE audit_links ENABLE ALWAYS TRIGGER audit_links_no_update_delete;"
        "ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_update_delete;"
        "ALTER TABLE audit_head ENABLE ALWAYS TRIGGER audit_head_guard;"
        "ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_update_delete");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("tampering failed: %s", PQerrorMessage(cluster_db(c)));
    PQclear(r);
    /* the exported head anchors the log at once (unless the signer, which
     * checkpoints every second, already stored its next one: then the gap
     * is what verify names first) */
    char *out = NULL;
    assert_int_equal(cluster_cli(c, &out, anchored), 1);
    if (!strstr(out, "not in the database") && !strstr(out, "seq 1 is missing"))
        fail_msg("verify --expect-head: %s", out);
    free(out);
    /* and the signer, which remembers its chain outside the database, makes
     * the removal visible with its next checkpoint */
    cluster_check_wait(c, "SELECT count(*) >= 1 FROM audit_checkpoints", WAIT_MS);
    assert_true(cluster_sql_long(c, "SELECT min(seq) FROM audit_checkpoints") > before);
    assert_int_equal(cluster_cli(c, &out, verify), 1);
    if (!strstr(out, "seq 1 is missing"))
        fail_msg("verify: %s", out);
    free(out);
}

/* Sends a RESULT for (task, attempt) from the raw worker socket and waits
 * for its ACK (airlockd acknowledges refused RESULTs too, so a bad worker
 * does not resend forever). */
static void s_forged_result(zsock_t *w, const char *task, const char *verdict)
{
    proto_msg_t *m = proto_msg_new(PROTO_W_RESULT);
    proto_str_set(&m->body.w_result.task_id, task);
    m->body.w_result.attempt = 1;
    m->body.w_result.seq = 1000;
    proto_str_set(&m->body.w_result.verdict, verdict);
    proto_str_set(&m->body.w_result.reason, "forged by another worker");
    assert_int_equal(wire_send(w, NULL, m), AL_OK);
    proto_msg_destroy(&m);
    proto_msg_t *ack = cluster_reply(w, PROTO_CH_WORKER, WAIT_MS);
    assert_non_null(ack);
    assert_int_equal(ack->type, PROTO_W_ACK);
    assert_int_equal(ack->body.w_ack.seq, 1000);
    proto_msg_destroy(&ack);
}

/* Worker w1 reports a verdict on w0's attempt while w0 runs it. Before
 * 0072 the forged RESULT took the (task, attempt) slot and w0's real one
 * was dropped as a duplicate: the job never finished. */
static void result_for_another_workers_attempt_is_refused(void **state)
{
    cluster_t *c = *state = s_cluster(1);
    assert_int_equal(cluster_worker_enrol(c, 1), AL_OK);
    char flag[400], cmd[600], job[512], sql[600];
    snprintf(flag, sizeof flag, "%s/go", cluster_dir(c));
    snprintf(cmd, sizeof cmd, "while [ ! -e %s ]; do sleep 0.05; done", flag);
    cluster_job_file(c, "held", cmd, NULL, job);
    char *id = cluster_submit(c, job);
    assert_non_null(id);
    cluster_check_wait(c, "SELECT count(*) = 1 FROM tasks WHERE state IN ('assigned', 'running')", WAIT_MS);
    PGresult *r = PQexec(cluster_db(c), "SELECT id FROM tasks WHERE state IN ('assigned', 'running')");
    char task[80];
    snprintf(task, sizeof task, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    zsock_t *w1 = cluster_raw(c, "w1", "worker");
    assert_non_null(w1);
    s_forged_result(w1, task, "rejected");
    zsock_destroy(&w1);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM results"), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE action = 'result.refused' AND actor = '%s'",
             cluster_worker_key(c, 1));
    assert_int_equal(cluster_sql_long(c, sql), 1);
    FILE *f = fopen(flag, "w");
    fclose(f);
    snprintf(sql, sizeof sql, "SELECT state = 'finished' FROM jobs WHERE id = '%s'", id);
    cluster_check_wait(c, sql, WAIT_MS);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM jobs j JOIN results r ON r.job_id = j.id AND r.authoritative "
             "WHERE j.id = '%s' AND j.verdict = 'accepted' AND r.worker_id = '%s'", id, cluster_worker_key(c, 0));
    assert_int_equal(cluster_sql_long(c, sql), 1);
    free(id);
}

static void s_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Runs the CLI as cert `who`; asserts its exit code; returns its output
 * (stdout and stderr, malloc'd). */
static char *s_cli_as(cluster_t *c, const char *who, int want, const char *const *args)
{
    char *out = NULL;
    int rc = cluster_cli_as(c, who, &out, args);
    if (rc != want)
        fail_msg("airlock %s as %s: exit %d, wanted %d: %s", args[0], who, rc, want, out ? out : "");
    return out;
}

/* Client B (tenant beta) next to client A's (tenant alpha) running job.
 * Before tenancy, B saw A's job in STATUS and LIST, could WAIT on it and
 * CANCEL it, and could name any repository root can read. */
static void tenants_are_kept_apart(void **state)
{
    char tdir[] = "/tmp/airlock-tenants-XXXXXX", roots[300], text[2048];
    assert_non_null(mkdtemp(tdir));
    snprintf(roots, sizeof roots, "%s/tenant_repos", tdir);
    s_write_file(roots, "# written again once the cluster (and its repository) exists\n");
    setenv("AIRLOCK_TENANT_REPOS", roots, 1);   /* airlockd reads AIRLOCK_<KEY> */
    cluster_t *c = *state = s_cluster(1);
    unsetenv("AIRLOCK_TENANT_REPOS");
    assert_int_equal(cluster_client_make(c, "alice", "alpha", NULL), AL_OK);
    assert_int_equal(cluster_client_make(c, "bob", "beta", NULL), AL_OK);
    assert_int_equal(cluster_client_make(c, "auditor", "ops", "reader"), AL_OK);
    assert_int_equal(cluster_client_make(c, "root", "ops", "admin"), AL_OK);
    snprintf(text, sizeof text, "%s/beta", cluster_dir(c));
    assert_int_equal(mkdir(text, 0755), 0);
    snprintf(text, sizeof text, "alpha %s   # alpha's one repository\nbeta %s/beta\n", cluster_repo(c), cluster_dir(c));
    s_write_file(roots, text);   /* re-read by airlockd at the next SUBMIT */
    char flag[400], cmd[600], job[512], climb[512], sql[600];
    snprintf(flag, sizeof flag, "%s/go", cluster_dir(c));
    snprintf(cmd, sizeof cmd, "while [ ! -e %s ]; do sleep 0.05; done", flag);
    cluster_job_file(c, "alphas", cmd, NULL, job);
    const char *submit[] = { "submit", job, NULL };
    char *id = s_cli_as(c, "alice", 0, submit);
    id[strcspn(id, " \n")] = '\0';
    cluster_check_wait(c, "SELECT count(*) = 1 FROM tasks WHERE state IN ('assigned', 'running')", WAIT_MS);
    const char *status[] = { "status", id, NULL }, *cancel[] = { "cancel", id, NULL };
    const char *wait[] = { "wait", id, NULL }, *list[] = { "list", NULL };
    /* B: the job does not exist */
    free(s_cli_as(c, "bob", 4, status));
    free(s_cli_as(c, "bob", 4, cancel));
    free(s_cli_as(c, "bob", 4, wait));
    char *out = s_cli_as(c, "bob", 0, list);
    assert_null(strstr(out, id));
    free(out);
    /* B: alpha's repository, and a path climbing out of its own root */
    out = s_cli_as(c, "bob", 1, submit);
    if (!strstr(out, "outside the repository roots of tenant beta"))
        fail_msg("bob's submit of alpha's repo: %s", out);
    free(out);
    snprintf(climb, sizeof climb, "%s/climb.json", cluster_dir(c));
    snprintf(text, sizeof text, "{\"repo\": \"%s/beta/../repo\", \"base\": \"HEAD\", \"test\": \"true\"}\n",
             cluster_dir(c));
    s_write_file(climb, text);
    const char *submit_climb[] = { "submit", climb, NULL };
    out = s_cli_as(c, "bob", 1, submit_climb);
    if (!strstr(out, "not a canonical absolute path"))
        fail_msg("bob's submit of beta/../repo: %s", out);
    free(out);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM jobs"), 1);
    /* a reader sees every tenant's jobs and cancels none of theirs */
    free(s_cli_as(c, "auditor", 5, status));   /* 5: running */
    out = s_cli_as(c, "auditor", 0, list);
    assert_non_null(strstr(out, id));
    free(out);
    out = s_cli_as(c, "auditor", 1, cancel);
    assert_non_null(strstr(out, "cancel only its own"));
    free(out);
    /* A's job ran on untouched, and belongs to alpha */
    s_write_file(flag, "");
    snprintf(sql, sizeof sql, "SELECT state = 'finished' AND verdict = 'accepted' AND tenant = 'alpha' "
             "FROM jobs WHERE id = '%s'", id);
    cluster_check_wait(c, sql, WAIT_MS);
    out = s_cli_as(c, "alice", 0, list);
    assert_non_null(strstr(out, id));
    free(out);
    free(s_cli_as(c, "root", 0, cancel));   /* admin: allowed (the job is over) */
    free(id);
    unlink(roots);
    rmdir(tdir);
}

/* Three GitHub tokens: one the patch adds, one in the test command, one only
 * the command's output holds (printed from two pieces). */
#define S_PATCH "ghp_ErQHQwjyaxErPZDS3MoJaQNjCxkv5ndK0meG"
#define S_COMMAND "ghp_R0vRzZ1fb6d06QGofB8ChQBiIu4NJkS4dJkG"
#define S_OUTPUT_BODY "0fzMAQMEEMyIbPUf9mYQqw8x3SyRthqpvxxG"

/* JSON string body of text (quotes, backslashes, control characters escaped). */
static void s_json_escape(FILE *f, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
}

/* Every row of every table in the schema (audit_log included) as text, and
 * bytea columns also as escaped text; 1 when `needle` occurs anywhere. */
static int s_database_holds(cluster_t *c, const char *needle, char *where, size_t size)
{
    PGresult *t = PQexec(cluster_db(c), "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    assert_int_equal(PQresultStatus(t), PGRES_TUPLES_OK);
    int found = 0;
    for (int i = 0; i < PQntuples(t) && !found; i++) {
        char sql[600];
        const char *name = PQgetvalue(t, i, 0);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\" x WHERE strpos(x::text, $1) > 0 OR "
                 "strpos(x::text, encode(convert_to($1, 'UTF8'), 'hex')) > 0", name);
        const char *params[] = { needle };
        PGresult *r = PQexecParams(cluster_db(c), sql, 1, NULL, params, NULL, NULL, 0);
        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        if (atol(PQgetvalue(r, 0, 0)) > 0) {
            found = 1;
            snprintf(where, size, "%s", name);
        }
        PQclear(r);
    }
    PQclear(t);
    return found;
}

/* Before: the patch stayed in jobs.spec and the result.diff artifact, the
 * command in stage_runs, task_events and the audit detail, the output in
 * stage_runs.output_redacted, all of it for ever. */
static void secrets_are_nowhere_in_the_database(void **state)
{
    cluster_t *c = *state = s_cluster(1);
    char cmd[2048], patch[512], jobpath[512], sql[600];
    snprintf(patch, sizeof patch, "%s/leak.diff", cluster_dir(c));
    snprintf(cmd, sizeof cmd, "set -e; cd %s; printf 'TOKEN = \"%%s\"\\n' %s > cfg.py; git add -N cfg.py; "
             "git diff > %s; git reset -q cfg.py; rm cfg.py", cluster_repo(c), S_PATCH, patch);
    assert_int_equal(system(cmd), 0);
    char *diff = NULL;
    size_t len = 0;
    FILE *f = fopen(patch, "r");
    assert_non_null(f);
    assert_true(getdelim(&diff, &len, '\0', f) > 0);
    fclose(f);
    snprintf(jobpath, sizeof jobpath, "%s/leak.json", cluster_dir(c));
    f = fopen(jobpath, "w");
    fprintf(f, "{\"repo\": \"%s\", \"base\": \"HEAD\", \"patch\": \"", cluster_repo(c));
    s_json_escape(f, diff);
    fprintf(f, "\", \"test\": \"export GH_TOKEN=%s; grep -q ghp_ cfg.py && printf 'ghp_%%s\\\\n' %s\", "
               "\"policy\": {\"analyzers\": []}}\n", S_COMMAND, S_OUTPUT_BODY);
    fclose(f);
    free(diff);
    char *id = cluster_submit(c, jobpath);
    assert_non_null(id);
    snprintf(sql, sizeof sql, "SELECT state = 'finished' AND verdict = 'accepted' FROM jobs WHERE id = '%s'", id);
    cluster_check_wait(c, sql, WAIT_MS);
    /* what ran is on record, masked: the output line and the artifact */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM stage_runs s JOIN tasks t ON t.id = s.task_id "
             "WHERE t.job_id = '%s' AND s.stage = 'test' AND s.output_redacted LIKE '%%ghp_[redacted:%%'", id);
    assert_int_equal(cluster_sql_long(c, sql), 1);
    /* the spec is masked once the job has ended */
    snprintf(sql, sizeof sql, "SELECT strpos(spec::text, '%s') = 0 FROM jobs WHERE id = '%s'", S_PATCH, id);
    cluster_check_wait(c, sql, WAIT_MS);
    const char *secrets[] = { S_PATCH, S_COMMAND, ("ghp_" S_OUTPUT_BODY) };
    for (size_t i = 0; i < 3; i++) {
        char where[128];
        if (s_database_holds(c, secrets[i], where, sizeof where))
            fail_msg("secret %zu (%s) is stored in table %s", i, secrets[i], where);
    }
    free(id);
}

/* Before, HELLO was believed: a worker could claim any number of slots, any
 * driver (isolation) and any label. w0's certificate allows the host driver,
 * one slot and label pool=a; it claims two slots (and no labels). w1's allows
 * only gvisor; it offers the host driver: refused. */
static void worker_capabilities_pinned_by_certificate(void **state)
{
    cluster_t *c = *state = s_cluster(0);
    const char *w0[] = { "drivers", "host", "max_slots", "1", "labels", "pool=a", NULL };
    const char *w1[] = { "drivers", "gvisor", NULL };
    assert_int_equal(cluster_worker_enrol_meta(c, 0, w0), AL_OK);
    assert_int_equal(cluster_worker_enrol_meta(c, 1, w1), AL_OK);
    assert_int_equal(cluster_worker_start(c, 0), AL_OK);
    assert_int_equal(cluster_worker_start(c, 1), AL_OK);
    char sql[400];
    snprintf(sql, sizeof sql, "SELECT count(*) = 1 FROM workers WHERE id = '%s'", cluster_worker_key(c, 0));
    cluster_check_wait(c, sql, WAIT_MS);
    snprintf(sql, sizeof sql, "SELECT slots FROM workers WHERE id = '%s'", cluster_worker_key(c, 0));
    assert_int_equal(cluster_sql_long(c, sql), 1);
    char log[400], cmd[600];
    snprintf(log, sizeof log, "%s/airlockd.log", cluster_dir(c));
    snprintf(cmd, sizeof cmd, "for i in $(seq 600); do grep -F 'event=worker.refused worker=%s ' %s | grep -q "
             "'allowed: gvisor' && exit 0; sleep 0.1; done; exit 1", cluster_worker_key(c, 1), log);
    assert_int_equal(system(cmd), 0);   /* polling the log with a deadline */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM workers WHERE id = '%s'", cluster_worker_key(c, 1));
    assert_int_equal(cluster_sql_long(c, sql), 0);
    /* and the pinned worker runs jobs */
    char job[512];
    cluster_job_file(c, "pinned", "true", NULL, job);
    free(cluster_submit(c, job));
    cluster_check_wait(c, "SELECT count(*) = 1 FROM jobs WHERE state = 'finished' AND verdict = 'accepted'", WAIT_MS);
}

int main(void)
{
    if (getenv("TRUST_FILTER"))   /* e.g. TRUST_FILTER='audit*' runs one case */
        cmocka_set_test_filter(getenv("TRUST_FILTER"));
    zsys_init();
    zsys_set_logstream(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(airlockd_session_cannot_rewrite_the_audit_log, cluster_check_teardown),
        cmocka_unit_test_teardown(audit_verify_catches_removal, cluster_check_teardown),
        cmocka_unit_test_teardown(result_for_another_workers_attempt_is_refused, cluster_check_teardown),
        cmocka_unit_test_teardown(tenants_are_kept_apart, cluster_check_teardown),
        cmocka_unit_test_teardown(secrets_are_nowhere_in_the_database, cluster_check_teardown),
        cmocka_unit_test_teardown(worker_capabilities_pinned_by_certificate, cluster_check_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
