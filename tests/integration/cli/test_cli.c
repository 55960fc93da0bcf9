/*
 * test_cli.c: the airlock CLI's command lines against real processes: flags
 * given after a job file are applied, not dropped; unknown and misplaced
 * flags are errors (exit 2) naming the flag; --version everywhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../control/cluster.h"

static int setup(void **state)
{
    cluster_t *c = NULL;
    cluster_opts_t o = { .workers = 1, .slots = 2, .heartbeat_ms = 200, .lease_ms = 5000 };
    if (cluster_start(&c, &o) != 0)
        return -1;
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    cluster_t *c = *state;
    cluster_stop(&c);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submit_file_with_flags),
        cmocka_unit_test(test_bad_flags),
        cmocka_unit_test(test_versions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
