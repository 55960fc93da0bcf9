/*
 * test_demo.c: runs `scripts/demo --ci` (non-interactive) against this build, twice in
 * the same state directory, and checks from the demo's own PostgreSQL cluster (restarted
 * after the demo stopped it) that every example job under examples/jobs got the verdict
 * its JSON declares (label "expect"), with the evidence behind it: blocked and allowed
 * egress, blocking findings, the protected-path violation, the timed-out stage, every
 * command stage in a sandbox, and an intact audit chain. Also that the demo left no
 * process behind.
 *
 * AIRLOCK_DEMO_DRIVER=ns|microvm|gvisor forces the sandbox driver; AIRLOCK_KEEP_DEMO keeps the files.
 *
 * Owns: a /tmp/airlock-demo-test-XXXXXX directory (the demo's state and output), removed
 * at the end unless AIRLOCK_KEEP_DEMO is set. Needs root (the workers' sandboxes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <glob.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_JOBS 32

typedef struct {
    char name[64];
    char expect[32];
} expect_t;

typedef struct {
    char dir[64];           /* the test's temp dir */
    char state[96];         /* the demo's state dir inside it */
    expect_t jobs[MAX_JOBS];
    size_t n_jobs;
} fixture_t;

/* Reads a one-line file of the demo's state dir (pgbin, pgdir) into out. */
static int s_state_line(const fixture_t *f, const char *file, char *out, size_t size)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", f->state, file);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    int ok = fgets(out, (int)size, fp) != NULL;
    fclose(fp);
    out[strcspn(out, "\n")] = '\0';
    return ok ? 0 : -1;
}

/* The expectations, straight from the examples/jobs/ JSON files (not from the demo). */
static void s_expectations_load(fixture_t *f)
{
    glob_t g;
    assert_int_equal(glob(AIRLOCK_SOURCE_DIR "/examples/jobs/*.json", 0, NULL, &g), 0);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        json_error_t err;
        json_t *job = json_load_file(g.gl_pathv[i], 0, &err);
        if (!job)
            fail_msg("%s: %s", g.gl_pathv[i], err.text);
        const char *name = json_string_value(json_object_get(json_object_get(job, "labels"), "name"));
        const char *exp = json_string_value(json_object_get(json_object_get(job, "labels"), "expect"));
        if (!name || !exp)
            fail_msg("%s: labels.name and labels.expect are required", g.gl_pathv[i]);
        assert_true(f->n_jobs < MAX_JOBS);
        snprintf(f->jobs[f->n_jobs].name, sizeof f->jobs[0].name, "%s", name);
        snprintf(f->jobs[f->n_jobs].expect, sizeof f->jobs[0].expect, "%s", exp);
        f->n_jobs++;
        json_decref(job);
    }
    globfree(&g);
    assert_true(f->n_jobs >= 8);   /* one job per verdict the demo shows */
}

static void s_log_tail(const char *path)
{
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "tail -n 60 '%s'", path);
    if (system(cmd) != 0)
        print_message("(no output in %s)\n", path);
}

/* Runs the demo, output to <dir>/demo-<run>.out; returns its exit status. */
static int s_demo_run(const fixture_t *f, int run)
{
    char out[PATH_MAX], cmd[PATH_MAX * 2];
    /* AIRLOCK_DEMO_DRIVER=ns|microvm|gvisor forces the workers' driver (default: what is usable). */
    const char *driver = getenv("AIRLOCK_DEMO_DRIVER");
    if (!driver || (strcmp(driver, "ns") != 0 && strcmp(driver, "microvm") != 0 && strcmp(driver, "gvisor") != 0))
        driver = "auto";
    snprintf(out, sizeof out, "%s/demo-%d.out", f->dir, run);
    snprintf(cmd, sizeof cmd,
             "CI=true '%s/scripts/demo' --ci --no-setup --no-build --build-dir '%s' --state '%s' "
             "--driver %s </dev/null >'%s' 2>&1", AIRLOCK_SOURCE_DIR, AIRLOCK_BUILD_DIR, f->state, driver, out);
    int status = system(cmd);
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (rc != 0) {
        print_message("scripts/demo exited %d; its output ends:\n", rc);
        s_log_tail(out);
    }
    return rc;
}

/* Processes whose command line names the state directory (the demo must leave none). */
static int s_leftovers(const fixture_t *f)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[300], buf[8192];
        if (e->d_name[0] < '1' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
            continue;
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *fp = fopen(path, "r");
        size_t got = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
        if (fp)
            fclose(fp);
        for (size_t i = 0; i < got; i++)
            buf[i] = buf[i] ? buf[i] : ' ';
        buf[got] = '\0';
        if (strstr(buf, f->state)) {
            print_message("left behind: pid %s: %s\n", e->d_name, buf);
            n++;
        }
    }
    if (d)
        closedir(d);
    return n;
}

/* Starts the demo's (stopped) cluster again, unix socket only, and connects. */
static PGconn *s_pg_start(const fixture_t *f, char *conninfo, size_t size)
{
    char bin[256], pgdir[256], cmd[2048];
    assert_int_equal(s_state_line(f, "pgbin", bin, sizeof bin), 0);
    assert_int_equal(s_state_line(f, "pgdir", pgdir, sizeof pgdir), 0);
    snprintf(cmd, sizeof cmd,
             "runuser -u postgres -- '%s/pg_ctl' start -w -t 60 -D '%s/data' -l '%s/check.log' "
             "-o \"-c listen_addresses='' -k %s\" >/dev/null", bin, pgdir, pgdir, pgdir);
    if (system(cmd) != 0)
        fail_msg("cannot start the demo's cluster again: %s", cmd);
    if (snprintf(conninfo, size, "host=%s user=postgres dbname=airlock", pgdir) >= (int)size)
        fail_msg("pgdir too long: %s", pgdir);
    PGconn *db = PQconnectdb(conninfo);
    if (PQstatus(db) != CONNECTION_OK)
        fail_msg("connect %s: %s", conninfo, PQerrorMessage(db));
    return db;
}

static void s_pg_stop(const fixture_t *f, PGconn **db)
{
    char bin[256], pgdir[256], cmd[1024];
    PQfinish(*db);
    *db = NULL;
    if (s_state_line(f, "pgbin", bin, sizeof bin) != 0 || s_state_line(f, "pgdir", pgdir, sizeof pgdir) != 0)
        return;
    snprintf(cmd, sizeof cmd, "runuser -u postgres -- '%s/pg_ctl' stop -w -m fast -D '%s/data' >/dev/null",
             bin, pgdir);
    if (system(cmd) != 0)
        print_message("could not stop the demo's cluster\n");
}

/* One bigint from a query with up to two text parameters; -1 on an error. */
static long s_long(PGconn *db, const char *sql, const char *p1, const char *p2)
{
    const char *params[] = { p1, p2 };
    PGresult *r = PQexecParams(db, sql, p2 ? 2 : p1 ? 1 : 0, NULL, params, NULL, NULL, 0);
    long v = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
        v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    else
        print_message("query failed: %s\n%s", sql, PQerrorMessage(db));
    PQclear(r);
    return v;
}

static void s_verdicts_check(const fixture_t *f, PGconn *db)
{
    /* the examples, and the good patch once more over HTTP (scripts/demo step_http) */
    assert_int_equal(s_long(db, "SELECT count(*) FROM jobs", NULL, NULL), (long)f->n_jobs + 1);
    assert_int_equal(s_long(db, "SELECT count(*) FROM jobs WHERE labels->>'via' = 'http' AND "
                            "labels->>'name' = 'http-good-patch' AND verdict = 'accepted'", NULL, NULL), 1);
    for (size_t i = 0; i < f->n_jobs; i++) {
        PGresult *r = PQexecParams(db, "SELECT coalesce(verdict, state), coalesce(reason, '') FROM jobs "
                                   "WHERE labels->>'name' = $1", 1, NULL,
                                   (const char *const[]){ f->jobs[i].name }, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
            fail_msg("job %s: expected one row in jobs", f->jobs[i].name);
        if (strcmp(PQgetvalue(r, 0, 0), f->jobs[i].expect) != 0)
            fail_msg("job %s: verdict %s (%s), expected %s", f->jobs[i].name, PQgetvalue(r, 0, 0),
                     PQgetvalue(r, 0, 1), f->jobs[i].expect);
        PQclear(r);
    }
}

#define JOB_TASKS "JOIN tasks t ON t.id = x.task_id AND t.attempt = x.attempt " \
                  "JOIN jobs j ON j.id = t.job_id WHERE j.labels->>'name' = $1"

/* The evidence behind the verdicts, per example job. */
static void s_evidence_check(PGconn *db)
{
    const char *egress = "SELECT count(*) FROM egress_events x " JOB_TASKS " AND x.host = $2 AND x.allowed";
    const char *blocked = "SELECT count(*) FROM egress_events x " JOB_TASKS " AND x.host = $2 AND NOT x.allowed";
    assert_true(s_long(db, egress, "egress-allowed", "allowed.example") >= 1);
    assert_int_equal(s_long(db, blocked, "egress-allowed", "allowed.example"), 0);
    assert_true(s_long(db, blocked, "egress-forbidden", "forbidden.example") >= 1);
    assert_int_equal(s_long(db, egress, "egress-forbidden", "forbidden.example"), 0);
    const char *finding = "SELECT count(*) FROM findings x " JOB_TASKS " AND x.blocking AND x.rule_id LIKE $2";
    assert_true(s_long(db, finding, "leaked-aws-key", "secrets.aws%") >= 1);
    assert_true(s_long(db, finding, "curl-pipe-sh", "shell.curl%") >= 1);
    assert_int_equal(s_long(db, "SELECT count(*) FROM findings x " JOB_TASKS " AND x.blocking",
                            "good-patch", NULL), 0);
    assert_true(s_long(db, "SELECT count(*) FROM file_changes x " JOB_TASKS " AND x.path = $2 "
                       "AND x.violation IS NOT NULL", "protected-workflow", ".github/workflows/ci.yml") >= 1);
    assert_true(s_long(db, "SELECT count(*) FROM stage_runs x " JOB_TASKS " AND x.stage = 'test' "
                       "AND x.timed_out", "endless-test", NULL) >= 1);
    /* Every command stage ran in a real sandbox, never on the host. */
    assert_true(s_long(db, "SELECT count(*) FROM stage_runs WHERE stage IN ('run', 'test')", NULL, NULL) >= 5);
    assert_int_equal(s_long(db, "SELECT count(*) FROM stage_runs WHERE stage IN ('run', 'test') AND "
                            "coalesce(sandbox_driver, 'none') NOT IN ('microvm', 'gvisor', 'ns')", NULL, NULL), 0);
    /* The job asking for a microVM ran in one (with --driver ns or gvisor it could not run at all). */
    assert_int_equal(s_long(db, "SELECT count(*) FROM stage_runs x " JOB_TASKS " AND x.stage = 'test' "
                            "AND x.sandbox_driver <> 'microvm'", "needs-a-vm", NULL), 0);
}

/* The hash chain and airlockd's signed checkpoints (key made by the demo). */
static void s_audit_check(const fixture_t *f, PGconn *db, const char *conninfo)
{
    char cmd[PATH_MAX * 3];
    assert_true(s_long(db, "SELECT count(*) FROM audit_log", NULL, NULL) > 0);
    assert_true(s_long(db, "SELECT count(*) FROM audit_checkpoints", NULL, NULL) > 0);
    snprintf(cmd, sizeof cmd, "'%s/cli/airlock' --db '%s' audit verify --public-key '%s/certs/audit.pub'",
             AIRLOCK_BUILD_DIR, conninfo, f->state);
    int status = system(cmd);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* What the demo said about itself: the isolation it used, and that all verdicts matched. */
static void s_output_check(const fixture_t *f, int run)
{
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof cmd, "grep -Eq 'isolation: (microvm|gvisor|ns) ' '%s/demo-%d.out' && "
             "grep -q 'every job got its expected verdict' '%s/demo-%d.out' && "
             "grep -q 'audit chain verified' '%s/demo-%d.out' && "
             "grep -q 'SARIF 2.1.0 valid' '%s/demo-%d.out'", f->dir, run, f->dir, run, f->dir, run, f->dir, run);
    assert_int_equal(system(cmd), 0);
}

static void s_run_and_check(fixture_t *f, int run)
{
    assert_int_equal(s_demo_run(f, run), 0);
    assert_int_equal(s_leftovers(f), 0);
    s_output_check(f, run);
    char conninfo[PATH_MAX + 64];
    PGconn *db = s_pg_start(f, conninfo, sizeof conninfo);
    s_verdicts_check(f, db);
    s_evidence_check(db);
    s_audit_check(f, db, conninfo);
    s_pg_stop(f, &db);
}

static void test_demo_verdicts_from_postgres(void **state)
{
    fixture_t *f = *state;
    s_run_and_check(f, 1);
    /* A second run in the same state directory wipes the first and works the same. */
    s_run_and_check(f, 2);
}

static int s_setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/airlock-demo-test-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    chmod(f->dir, 0755);   /* the demo's PostgreSQL runs as postgres below it */
    snprintf(f->state, sizeof f->state, "%s/state", f->dir);
    s_expectations_load(f);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fixture_t *f = *state;
    char cmd[PATH_MAX];
    /* Stops whatever a failed run left, then removes everything (or keeps it to look at). */
    snprintf(cmd, sizeof cmd, "'%s/scripts/demo' --stop --state '%s' >/dev/null 2>&1", AIRLOCK_SOURCE_DIR,
             f->state);
    if (access(f->state, F_OK) == 0 && system(cmd) != 0)
        print_message("scripts/demo --stop reported processes left behind\n");
    if (getenv("AIRLOCK_KEEP_DEMO")) {
        print_message("demo state kept in %s\n", f->dir);
    } else {
        snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", f->dir);
        if (system(cmd) != 0)
            print_message("could not remove %s\n", f->dir);
    }
    free(f);
    return 0;
}

int main(void)
{
    if (geteuid() != 0) {
        printf("test_demo: skipped (needs root: the demo's workers create sandboxes)\n");
        return 77;   /* SKIP_RETURN_CODE */
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_demo_verdicts_from_postgres, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
