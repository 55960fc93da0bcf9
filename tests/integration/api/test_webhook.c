/*
 * test_webhook.c: POST /v1/github/webhook end to end. A recorded GitHub
 * pull_request payload (github_pull_request.json) is replayed by a real HTTP
 * client with a correct signature, a wrong one, none, and as a redelivery;
 * airlockd's intake fetches the pull request from a real git server on
 * loopback (git http-backend), reads .airlock.json at the base commit, and
 * submits a job whose base is the merge base and whose patch is the pull
 * request's diff; a worker runs it to a verdict. One delivery, one job.
 * A pull request whose diff is not UTF-8 (a file in Latin-1) is submitted
 * with its bytes (patch_b64), never as a job without its patch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "git_server.h"

#define DELIVERY "72d3162e-cc78-11e3-81ab-4c9367dc0958"
#define GIT "git -c user.name=t -c user.email=t@airlock.invalid -c init.defaultBranch=main"

typedef struct {
    api_fx_t *fx;
    git_server_t *srv;
    char dir[128], a[41], b[41], p[41], l[41];
} wh_t;

static void s_sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

static void s_rev(const char *repo, const char *what, char out[41])
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, GIT " -C %s rev-parse %s", repo, what);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(out, 41, p));
    pclose(p);
}

/* main: A (calc + .airlock.json) -> B; the pull request: A -> P, as refs/pull/7/head. */
static void s_repo(wh_t *t)
{
    char src[256];
    snprintf(src, sizeof src, "%s/src", t->dir);
    s_sh("mkdir -p %s %s/srv/acme && cd %s && " GIT " init -q && "
         "printf 'def add(a, b):\\n    return a + b\\n' > calc.py && "
         "printf 'import calc\\nassert calc.add(2, 2) == 4\\n' > test_calc.py && "
         "printf '{\"test\": \"python3 test_calc.py\", \"policy\": {\"analyzers\": [\"secrets\", \"python\"]}, "
         "\"labels\": {\"from\": \"policy-file\"}}\\n' > .airlock.json && "
         GIT " add -A && " GIT " commit -qm A", src, t->dir, src);
    s_rev(src, "HEAD", t->a);
    s_sh("cd %s && " GIT " checkout -qb agent/multiply && "
         "printf 'def mul(a, b):\\n    return a * b\\n' >> calc.py && "
         "printf 'assert calc.mul(3, 4) == 12\\n' >> test_calc.py && " GIT " commit -qam P && "
         GIT " checkout -q main && printf 'widgets\\n' > README && " GIT " add README && " GIT " commit -qm B",
         src);
    s_rev(src, "main", t->b);
    s_rev(src, "agent/multiply", t->p);
    s_sh("cd %s && " GIT " checkout -qb agent/latin1 main && printf '/* J\\374rgen */\\n' > latin1.c && "
         "printf 'assert open(\"latin1.c\", \"rb\").read() == b\"/* J\\\\xfcrgen */\\\\n\"\\n' >> test_calc.py && "
         GIT " add latin1.c test_calc.py && " GIT " commit -qm L && " GIT " checkout -q main", src);
    s_rev(src, "agent/latin1", t->l);
    s_sh(GIT " clone -q --bare %s %s/srv/acme/widgets.git && " GIT " -C %s push -q %s/srv/acme/widgets.git "
         "agent/multiply:refs/pull/7/head agent/latin1:refs/pull/8/head", src, t->dir, src, t->dir);
}

static int setup(void **state)
{
    static wh_t t;
    snprintf(t.dir, sizeof t.dir, "/tmp/airlock-webhook-XXXXXX");
    if (!mkdtemp(t.dir))
        return -1;
    s_repo(&t);
    char srv[200], secret[200], repos[200], cache[200], e1[300], e2[300], e3[300];
    snprintf(srv, sizeof srv, "%s/srv", t.dir);
    git_server_opts_t o = { srv, NULL, NULL, NULL, NULL, NULL };
    if (git_server_start(&t.srv, &o) != 0)
        return -1;
    snprintf(secret, sizeof secret, "%s/gh-secret", t.dir);
    snprintf(repos, sizeof repos, "%s/github_repos.json", t.dir);
    snprintf(cache, sizeof cache, "%s/ghcache", t.dir);
    s_sh("printf 'It'\\''s a Secret to Everybody\\n' > %s && chmod 600 %s && printf '{\"acme/widgets\": "
         "{\"identity\": \"bot\", \"job\": {\"test\": \"false\", \"labels\": {\"from\": \"mapping\", "
         "\"team\": \"widgets\"}}}}\\n' > %s", secret, secret, repos);
    snprintf(e1, sizeof e1, "AIRLOCK_GITHUB_WEBHOOK_SECRET=%s", secret);
    snprintf(e2, sizeof e2, "AIRLOCK_GITHUB_REPOS=%s", repos);
    snprintf(e3, sizeof e3, "AIRLOCK_GITHUB_CACHE_DIR=%s", cache);
    const char *env[] = { e1, e2, e3, "AIRLOCK_GIT_ALLOW_HTTP=true", NULL };
    if (api_fx_start(&t.fx, env) != 0)
        return -1;
    char gh[1024];
    snprintf(gh, sizeof gh, "{\"secret\": \"It's a Secret to Everybody\", \"payload\": \"%s/tests/integration/api/"
             "github_pull_request.json\", \"head_sha\": \"%s\", \"base_sha\": \"%s\", \"clone_url\": "
             "\"http://127.0.0.1:%d/acme/widgets.git\", \"delivery\": \"" DELIVERY "\", \"latin1_sha\": \"%s\"}",
             AIRLOCK_SOURCE_DIR, t.p, t.b, git_server_port(t.srv), t.l);
    if (api_fx_config_set(t.fx, "github", gh) != 0)
        return -1;
    *state = &t;
    return 0;
}

static int teardown(void **state)
{
    wh_t *t = *state;
    api_fx_stop(&t->fx);
    git_server_stop(&t->srv);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", t->dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The rows of `sql` (four columns), to tell why an assertion is about to fail. */
static void s_print(cluster_t *c, const char *sql)
{
    PGresult *r = PQexec(cluster_db(c), sql);
    for (int i = 0; i < PQntuples(r); i++)
        print_message("%s: %s %s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                      PQgetvalue(r, i, 3));
    PQclear(r);
}

static void test_pull_request_to_verdict(void **state)
{
    wh_t *t = *state;
    const char *args[] = { "webhook", NULL };
    assert_int_equal(api_fx_py(t->fx, "api_client.py", args), 0);
    cluster_t *c = t->fx->c;
    assert_true(cluster_wait_sql(c, "SELECT state <> 'queued' FROM github_deliveries WHERE delivery_id = '"
                                    DELIVERY "'", 120000));
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM github_deliveries d JOIN jobs j ON j.id = d.job_id "
             "WHERE d.delivery_id = '" DELIVERY "' AND d.state = 'submitted' AND j.spec->>'base' = '%s' "
             "AND j.spec->>'ref' = 'pull/7/head' AND j.spec->>'test' = 'python3 test_calc.py' "
             "AND j.spec->>'patch' LIKE '%%def mul(a, b)%%' AND j.spec->>'patch' NOT LIKE '%%README%%' "
             "AND j.labels->>'from' = 'policy-file' AND j.labels->>'github.head_sha' = '%s' "
             "AND j.labels->>'github.pr' = '7' AND j.spec->'policy'->'analyzers' = '[\"secrets\", \"python\"]'",
             t->a, t->p);
    long ok = cluster_sql_long(c, sql);
    if (ok != 1)
        s_print(c, "SELECT 'delivery', state, error, job_id FROM github_deliveries");
    assert_int_equal(ok, 1);
    assert_true(cluster_wait_sql(c, "SELECT j.state = 'finished' FROM jobs j JOIN github_deliveries d ON "
                                    "d.job_id = j.id WHERE d.delivery_id = '" DELIVERY "'", 180000));
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM jobs j JOIN github_deliveries d ON d.job_id = j.id "
                                         "WHERE d.delivery_id = '" DELIVERY "' AND j.verdict = 'accepted'"), 1);
    /* one delivery, one job; the redelivery and the ignored ones made none */
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM jobs WHERE labels ? 'github.delivery'"), 1);
    assert_int_equal(cluster_sql_long(c, "SELECT count(*) FROM github_deliveries WHERE state = 'ignored'"), 1);   /* the unconfigured repository */
}

/* Pull request 8 adds a file in Latin-1 and a test that reads it: its diff
 * cannot be a job's patch text (JSON, UTF-8), so it goes as patch_b64 and
 * the test sees the file byte for byte. Before, the intake dropped the patch
 * member and submitted the rest: the base's tests ran and the pull request
 * was accepted for changes never tested. */
static void test_pull_request_not_utf8_submitted_as_bytes(void **state)
{
    wh_t *t = *state;
    const char *args[] = { "webhook_latin1", NULL };
    assert_int_equal(api_fx_py(t->fx, "api_client.py", args), 0);
    cluster_t *c = t->fx->c;
    assert_true(cluster_wait_sql(c, "SELECT state <> 'queued' FROM github_deliveries WHERE delivery_id = '"
                                    DELIVERY "-latin1'", 120000));
    long ok = cluster_sql_long(c, "SELECT count(*) FROM github_deliveries d JOIN jobs j ON j.id = d.job_id WHERE "
                                  "d.delivery_id = '" DELIVERY "-latin1' AND d.state = 'submitted' AND "
                                  "j.spec ? 'patch_b64' AND NOT j.spec ? 'patch'");
    if (ok != 1)
        s_print(c, "SELECT 'delivery', state, error, job_id FROM github_deliveries");
    assert_int_equal(ok, 1);
    assert_true(cluster_wait_sql(c, "SELECT j.state = 'finished' FROM jobs j JOIN github_deliveries d ON "
                                    "d.job_id = j.id WHERE d.delivery_id = '" DELIVERY "-latin1'", 180000));
    long accepted = cluster_sql_long(c, "SELECT count(*) FROM jobs j JOIN github_deliveries d ON d.job_id = j.id "
                                        "WHERE d.delivery_id = '" DELIVERY "-latin1' AND j.verdict = 'accepted'");
    if (accepted != 1)
        s_print(c, "SELECT 'job', verdict, reason, id FROM jobs WHERE labels->>'github.pr' = '8'");
    assert_int_equal(accepted, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pull_request_to_verdict),
        cmocka_unit_test(test_pull_request_not_utf8_submitted_as_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
