/*
 * test_cli.c: the airlock CLI's command lines against real processes: flags
 * given after a job file are applied, not dropped; unknown and misplaced
 * flags are errors (exit 2) naming the flag; an invalid job is refused by
 * the CLI itself, naming the field, without asking airlockd; --version
 * everywhere; a file name with terminal escape sequences (made by the
 * workload) is printed escaped.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cluster_check.h"
#include "pg_harness.h"

static int setup(void **state)
{
    cluster_t *c = NULL;
    cluster_opts_t o = { .workers = 1, .slots = 2, .heartbeat_ms = 200, .lease_ms = 5000 };
    if (cluster_start(&c, &o) != 0)
        return -1;
    *state = c;
    return 0;
}

/* `airlock submit JOB.json --label k=v --wait`: the label is on the job and
 * the command waited for the verdict (it used to drop both silently). */
static void test_submit_file_with_flags(void **state)
{
    cluster_t *c = *state;
    char path[512], *out = NULL;
    assert_int_equal(cluster_job_file(c, "flags", "python3 test_calc.py", NULL, path), 0);
    const char *args[] = { "--json", "submit", path, "--label", "pr=123", "--label", "bot=x", "--wait", NULL };
    int code = cluster_cli(c, &out, args);
    print_message("%s", out);
    assert_int_equal(code, 0);   /* accepted, after waiting */
    free(out);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE labels->>'test' = 'flags' AND "
                                         "labels->>'pr' = '123' AND labels->>'bot' = 'x' AND state = 'finished'"),
                     1);
}

static void test_bad_flags(void **state)
{
    cluster_t *c = *state;
    char path[512], *out = NULL;
    assert_int_equal(cluster_job_file(c, "bad", "true", NULL, path), 0);
    const char *cases[][6] = {
        { "submit", path, "--lable", "x=y", NULL },      /* unknown flag after a file */
        { "submit", path, "--label", "novalue", NULL },  /* a label without '=' */
        { "list", "--bogus", NULL },
        { "list", "--limit", NULL },                      /* missing value */
        { "list", "--limit", "ten", NULL },               /* not a number */
        { "status", NULL },                               /* missing JOB_ID */
        { "status", "a", "b", NULL },                     /* extra argument */
        { "workers", "extra", NULL },
        { "keygen", "--role", "client", NULL },           /* --name missing */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int code = cluster_cli(c, &out, cases[i]);
        if (code != 2)
            fail_msg("case %zu (%s %s): exit %d, expected 2 (usage)", i, cases[i][0], cases[i][1] ? cases[i][1] : "",
                     code);
        free(out);
        out = NULL;
    }
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE labels->>'test' = 'bad'"), 0);
}

/* A typo in a job is told by the CLI (the same check as airlockd's), even
 * with airlockd down: before, the CLI sent it and, here, found nobody. */
static void test_invalid_job_refused_locally(void **state)
{
    cluster_t *c = *state;
    char path[600], *out = NULL;
    snprintf(path, sizeof path, "%s/typo.json", cluster_dir(c));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"repo\": \"%s\", \"base\": \"HEAD\", \"tset\": \"true\"}\n", cluster_repo(c));
    fclose(f);
    cluster_airlockd_kill(c, SIGKILL);
    const char *args[] = { "submit", path, NULL };
    int code = cluster_cli_as(c, "client", &out, args);
    int restarted = cluster_airlockd_start(c);
    print_message("%s", out);
    assert_int_equal(code, 1);   /* an error, not 3 (unreachable) */
    assert_non_null(strstr(out, "invalid job: "));
    assert_non_null(strstr(out, "unknown field 'tset'"));
    free(out);
    assert_int_equal(restarted, 0);
}

/* A patch that is not UTF-8 (a file in Latin-1: the job spec is JSON) goes
 * as its bytes (patch_b64), and the test sees them; a command or label that
 * is not is an error naming the flag, and nothing is submitted. Before, the
 * CLI dropped the member and submitted the rest: a job without its patch
 * ran the tests of the base and was accepted. */
static void test_bytes_that_are_not_utf8(void **state)
{
    cluster_t *c = *state;
    char path[512], patch[600], *out = NULL;
    assert_int_equal(cluster_job_file(c, "latin1", "true", NULL, path), 0);
    snprintf(patch, sizeof patch, "%s/latin1.diff", cluster_dir(c));
    FILE *f = fopen(patch, "w");
    assert_non_null(f);
    fputs("diff --git a/latin1.txt b/latin1.txt\nnew file mode 100644\n--- /dev/null\n+++ b/latin1.txt\n"
          "@@ -0,0 +1 @@\n+J\xfcrgen\n", f);
    fclose(f);
    /* waited for (a job still running would change what test_audit_sample samples) */
    const char *ok[] = { "submit", path, "--patch", patch, "--label", "bytes=yes", "--test",
                         "od -An -tx1 latin1.txt | tr -d \" \\n\" | grep -qx 4afc7267656e0a", "--wait", NULL };
    int code = cluster_cli_as(c, "client", &out, ok);
    print_message("%s", out);
    assert_int_equal(code, 0);   /* accepted: the file's bytes arrived as they were */
    free(out);
    out = NULL;
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE labels->>'bytes' = 'yes' AND "
                                         "spec->>'patch_b64' LIKE 'ZGlmZiAt%' AND NOT spec ? 'patch'"), 1);
    const char *cases[][6] = {
        { "submit", path, "--run", "echo J\xfcrgen", NULL },
        { "submit", path, "--label", "by=J\xfcrgen", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        code = cluster_cli_as(c, "client", &out, cases[i]);   /* stderr too */
        print_message("%s", out);
        if (code != 2 || !strstr(out, "not UTF-8"))
            fail_msg("case %zu (%s): exit %d, expected 2 and 'not UTF-8'", i, cases[i][2], code);
        free(out);
        out = NULL;
    }
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE labels->>'test' = 'latin1'"), 1);
}

static void test_versions(void **state)
{
    cluster_t *c = *state;
    char *out = NULL;
    const char *args[] = { "--version", NULL };
    assert_int_equal(cluster_cli(c, &out, args), 0);
    assert_non_null(strstr(out, "airlock 0.1.0"));
    free(out);
    const char *progs[] = { "orchestrator/airlockd", "worker/airlock-worker" };
    for (int i = 0; i < 2; i++) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "%s/%s --version | grep -q '0.1.0'", AIRLOCK_BUILD_DIR, progs[i]);
        assert_int_equal(system(cmd), 0);
        snprintf(cmd, sizeof cmd, "%s/%s --no-such-flag 2>/dev/null; test $? -eq 2", AIRLOCK_BUILD_DIR, progs[i]);
        assert_int_equal(system(cmd), 0);
    }
}

/* Runs the CLI with --db set to the cluster's database. */
static int s_cli_db(cluster_t *c, char **out, const char *const *args)
{
    const char *full[16] = { "--db", pg_harness_conninfo(cluster_pg(c)) };
    int n = 2;
    for (const char *const *a = args; *a && n < 15; a++)
        full[n++] = *a;
    full[n] = NULL;
    return cluster_cli(c, out, full);
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A job rejected for a leaked key: `airlock sarif` is valid SARIF 2.1.0 with
 * the finding, `airlock checks` a failing check run for the given commit. */
static void test_sarif_and_checks(void **state)
{
    cluster_t *c = *state;
    char path[512], patch[600], out_path[600], cmd[2048], *out = NULL, *id = NULL;
    snprintf(patch, sizeof patch, "%s/key.diff", cluster_dir(c));
    s_write(patch, "diff --git a/k.py b/k.py\nnew file mode 100644\n--- /dev/null\n+++ b/k.py\n@@ -0,0 +1 @@\n"
                   "+AWS_ACCESS_KEY_ID = \"AKIAZ7Q3MPLR4TXW2KVN\"\n");
    snprintf(path, sizeof path, "%s/sarif.json", cluster_dir(c));
    snprintf(cmd, sizeof cmd, "{\"repo\": \"%s\", \"base\": \"HEAD\", \"test\": \"python3 test_calc.py\", "
             "\"policy\": {\"analyzers\": [\"secrets\"]}}", cluster_repo(c));
    s_write(path, cmd);
    const char *submit[] = { "submit", path, "--patch", patch, "--wait", NULL };
    assert_int_equal(cluster_cli(c, &id, submit), 10);   /* rejected */
    id[strcspn(id, "\n")] = '\0';
    const char *sarif[] = { "sarif", id, NULL };
    assert_int_equal(s_cli_db(c, &out, sarif), 0);
    snprintf(out_path, sizeof out_path, "%s/out.sarif", cluster_dir(c));
    s_write(out_path, out);
    free(out);
    snprintf(cmd, sizeof cmd, AIRLOCK_PYTHON " %s/tests/sarif/validate.py %s 1", AIRLOCK_SOURCE_DIR, out_path);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "grep -q '\"ruleId\": \"secrets.aws_access_key\"' %s && grep -q '\"verdict\": \"rejected\"' %s",
             out_path, out_path);
    assert_int_equal(system(cmd), 0);
    const char *checks[] = { "checks", id, "--head-sha", "0123456789abcdef0123456789abcdef01234567", NULL };
    assert_int_equal(s_cli_db(c, &out, checks), 0);
    assert_non_null(strstr(out, "\"head_sha\": \"0123456789abcdef0123456789abcdef01234567\""));
    assert_non_null(strstr(out, "\"conclusion\": \"failure\""));
    assert_non_null(strstr(out, "\"path\": \"k.py\""));
    free(out);
    const char *missing[] = { "sarif", "no-such-job", NULL };
    assert_int_equal(s_cli_db(c, &out, missing), 4);
    free(out);
    free(id);
}

/* `airlock audit sample`: the same seed gives the same jobs, each with its
 * history (attempts, stages, audit rows). */
static void test_audit_sample(void **state)
{
    cluster_t *c = *state;
    char *a = NULL, *b = NULL;
    const char *args[] = { "--json", "audit", "sample", "2", "--seed", "7", "--since", "1d", NULL };
    assert_int_equal(s_cli_db(c, &a, args), 0);
    assert_int_equal(s_cli_db(c, &b, args), 0);
    assert_string_equal(a, b);
    assert_int_equal(strcmp(strchr(a, '\n') + 1, "") != 0, 1);   /* two lines: two jobs */
    assert_non_null(strstr(a, "\"action\":\"job.submitted\""));
    assert_non_null(strstr(a, "\"stage\":\"test\""));
    free(a);
    free(b);
    const char *text[] = { "audit", "sample", "1", "--seed", "7", NULL };
    assert_int_equal(s_cli_db(c, &a, text), 0);
    assert_non_null(strstr(a, "seed 7"));
    assert_non_null(strstr(a, "  audit ("));
    free(a);
    const char *bad[] = { "audit", "sample", "0", NULL };
    assert_int_equal(s_cli_db(c, &a, bad), 2);
    free(a);
}

/* `airlock token`: a token and the api_tokens line holding its SHA-256. */
static void test_token(void **state)
{
    cluster_t *c = *state;
    char *out = NULL, cmd[600];
    const char *args[] = { "--json", "token", "--name", "pr-bot", "--identity", "bot", "--scopes", "submit,read", NULL };
    assert_int_equal(cluster_cli(c, &out, args), 0);
    char token[128], line[256];
    assert_int_equal(sscanf(out, "{\"token\":\"%127[^\"]\",\"line\":\"%255[^\"]\"}", token, line), 2);
    snprintf(cmd, sizeof cmd, "test \"$(printf %%s '%s' | sha256sum | cut -d' ' -f1)\" = \"$(echo '%s' | cut -d' ' -f2)\"",
             token, line);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(strncmp(line, "pr-bot ", 7), 0);
    assert_non_null(strstr(line, " bot submit,read"));
    free(out);
}

/* The job of README.md ("A job to try"), run as written (paths moved into
 * the cluster's directory): accepted. */
static void test_readme_job(void **state)
{
    cluster_t *c = *state;
    char cmd[4096];
    const char *d = cluster_dir(c);
    snprintf(cmd, sizeof cmd,
             "set -e; sed -n '/<!-- readme-job: begin -->/,/<!-- readme-job: end -->/p' %s/README.md | "
             "grep -v '^<!--\\|^```' | sed 's|/tmp/calc|%s/readme-calc|g; s|/tmp/job.json|%s/readme-job.json|g' "
             "> %s/readme.sh; grep -q 'airlock submit' %s/readme.sh; "
             "export PATH=%s/cli:$PATH AIRLOCK_CLIENT_ENDPOINT=$(cat %s/client.endpoint) "
             "AIRLOCK_CLIENT_SERVER_KEY=%s/airlockd.key AIRLOCK_CLIENT_CERT=%s/client.key_secret; sh -e %s/readme.sh",
             AIRLOCK_SOURCE_DIR, d, d, d, d, AIRLOCK_BUILD_DIR, d, d, d, d);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE labels->>'bot' = 'readme' AND "
                                         "labels->>'try' = 'readme' AND verdict = 'accepted'"), 1);
}

/* The run stage creates a file whose name holds ESC [31m and BEL: `airlock
 * submit --wait` prints its file_change line with \x1b and \x07, never the
 * raw bytes (before: the terminal turned red, or worse). */
/* Prints a copy of out with its control characters shown as '^'. */
static void s_show(const char *out)
{
    char *copy = strdup(out);
    for (char *p = copy; p && *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\n')
            *p = '^';
    print_message("%s\n", copy ? copy : "");
    free(copy);
}

static void test_escape_sequences_in_names(void **state)
{
    cluster_t *c = *state;
    char path[512], text[2048];
    snprintf(path, sizeof path, "%s/escape.json", cluster_dir(c));
    snprintf(text, sizeof text, "{\"repo\": \"%s\", \"base\": \"HEAD\", \"run\": [\"touch \\\"$(printf "
             "'evil\\\\033[31mred\\\\007')\\\"\"], \"test\": \"true\", \"policy\": {\"analyzers\": []}}\n",
             cluster_repo(c));
    s_write(path, text);
    char *out = NULL;
    const char *args[] = { "submit", path, "--wait", NULL };
    int code = cluster_cli(c, &out, args);
    s_show(out);
    assert_int_equal(code, 0);
    if (!strstr(out, "evil\\x1b[31mred\\x07") || strchr(out, '\033') || strchr(out, '\007'))
        fail_msg("the name was not escaped: %s", out);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submit_file_with_flags),
        cmocka_unit_test(test_bad_flags),
        cmocka_unit_test(test_invalid_job_refused_locally),
        cmocka_unit_test(test_bytes_that_are_not_utf8),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_sarif_and_checks),
        cmocka_unit_test(test_audit_sample),
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_readme_job),
        cmocka_unit_test(test_escape_sequences_in_names),
    };
    return cmocka_run_group_tests(tests, setup, cluster_check_teardown);
}
