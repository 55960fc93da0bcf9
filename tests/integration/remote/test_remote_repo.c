/*
 * test_remote_repo.c: jobs whose `repo` is an http:// URL, end to end: a
 * private PostgreSQL, airlockd, a worker (host driver) holding a credentials
 * file, and a real git server on loopback (git http-backend) with an
 * anonymous and a password-protected path. Public and private repositories
 * are accepted; a wrong credential and an unreachable host give
 * `sandbox_error` naming the cause; the password appears nowhere in the
 * database or the worker's log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster.h"
#include "git_server.h"

#define PASSWORD "remote-test-Pa55word"

typedef struct {
    cluster_t *c;
    git_server_t *srv;
    int port;
    char dir[300];
} rr_t;

static void s_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

static int setup(void **state)
{
    static rr_t t;
    snprintf(t.dir, sizeof t.dir, "/tmp/airlock-remote-XXXXXX");
    if (!mkdtemp(t.dir))
        return -1;
    /* the worker reads these settings from its environment (AIRLOCK_<KEY>) */
    char creds[400], env[400];
    snprintf(creds, sizeof creds, "%s/credentials", t.dir);
    setenv("AIRLOCK_GIT_ALLOW_HTTP", "true", 1);
    snprintf(env, sizeof env, "%s", creds);
    setenv("AIRLOCK_GIT_CREDENTIALS", env, 1);
    /* the server first: the credentials file names its port */
    char srv[400], pw[400], bad[400], auth[600], auth2[600], log[400];
    snprintf(srv, sizeof srv, "%s/srv", t.dir);
    snprintf(pw, sizeof pw, "%s/pw", t.dir);
    snprintf(bad, sizeof bad, "%s/pw-wrong", t.dir);
    snprintf(log, sizeof log, "%s/requests.log", t.dir);
    s_sh("mkdir -p %s/public %s/private && printf '" PASSWORD "\\n' > %s && printf 'nope\\n' > %s && "
         "chmod 600 %s %s", srv, srv, pw, bad, pw, bad);
    snprintf(auth, sizeof auth, "/private/:bot:%s", pw);
    snprintf(auth2, sizeof auth2, "/wrong/:bot:%s", pw);
    const char *auths[] = { auth, auth2, NULL };
    git_server_opts_t o = { srv, auths, log, NULL, NULL, NULL };
    if (git_server_start(&t.srv, &o) != 0)
        return -1;
    t.port = git_server_port(t.srv);
    FILE *f = fopen(creds, "w");
    fprintf(f, "http://127.0.0.1:%d/private/ basic bot %s\nhttp://127.0.0.1:%d/wrong/ basic bot %s\n",
            t.port, pw, t.port, bad);
    fclose(f);
    cluster_opts_t co = { .workers = 1, .slots = 2, .heartbeat_ms = 200, .lease_ms = 5000 };
    if (cluster_start(&t.c, &co) != 0) {
        fprintf(stderr, "cluster: %s\n", "start failed");
        return -1;
    }
    const char *repo = cluster_repo(t.c);
    s_sh("git clone -q --bare %s %s/public/calc.git && cp -a %s/public/calc.git %s/private/calc.git && "
         "mkdir -p %s/wrong && cp -a %s/public/calc.git %s/wrong/calc.git", repo, srv, srv, srv, srv, srv, srv);
    *state = &t;
    return 0;
}

static int teardown(void **state)
{
    rr_t *t = *state;
    cluster_stop(&t->c);
    git_server_stop(&t->srv);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", t->dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Submits a job for url and waits for its verdict; returns the CLI's exit
 * code and the reason (malloc'd) from the database. */
static int s_job(rr_t *t, const char *name, const char *url, char **reason)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.json", cluster_dir(t->c), name);
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"repo\": \"%s\", \"base\": \"master\", \"test\": \"python3 test_calc.py\", "
               "\"policy\": {\"analyzers\": []}, \"labels\": {\"case\": \"%s\"}}\n", url, name);
    fclose(f);
    const char *args[] = { "submit", path, "--wait", NULL };
    int code = cluster_cli(t->c, NULL, args);
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT reason FROM jobs WHERE labels->>'case' = '%s'", name);
    PGresult *r = PQexec(cluster_db(t->c), sql);
    *reason = strdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    print_message("%s: exit %d reason: %s\n", name, code, *reason);
    return code;
}

static void s_url(rr_t *t, char *out, size_t n, const char *path)
{
    snprintf(out, n, "http://127.0.0.1:%d/%s/calc.git", t->port, path);
}

static void test_public_and_private(void **state)
{
    rr_t *t = *state;
    char url[300], *reason = NULL;
    s_url(t, url, sizeof url, "public");
    assert_int_equal(s_job(t, "public", url, &reason), 0);   /* accepted */
    free(reason);
    s_url(t, url, sizeof url, "private");
    assert_int_equal(s_job(t, "private", url, &reason), 0);
    free(reason);
}

static void test_wrong_credential(void **state)
{
    rr_t *t = *state;
    char url[300], *reason = NULL;
    s_url(t, url, sizeof url, "wrong");
    assert_int_equal(s_job(t, "wrong", url, &reason), 16);   /* sandbox_error */
    assert_non_null(strstr(reason, "workspace: "));
    assert_non_null(strstr(reason, "authentication failed for http://127.0.0.1"));
    free(reason);
}

static void test_unreachable(void **state)
{
    rr_t *t = *state;
    char url[300], *reason = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/public/calc.git", git_server_unused_port());
    assert_int_equal(s_job(t, "unreachable", url, &reason), 16);
    assert_non_null(strstr(reason, "workspace: "));
    assert_true(strstr(reason, "onnect") != NULL || strstr(reason, "refused") != NULL);
    free(reason);
}

/* The password went to the server and nowhere else. */
static void test_secret_not_stored(void **state)
{
    rr_t *t = *state;
    long n = cluster_sql_long(t->c,
        "SELECT count(*) FROM (SELECT spec::text AS t FROM jobs UNION ALL SELECT reason FROM jobs "
        "UNION ALL SELECT data::text FROM task_events UNION ALL SELECT summary::text FROM results "
        "UNION ALL SELECT detail::text FROM audit_log UNION ALL SELECT convert_from(content, 'UTF8') "
        "FROM artifacts WHERE content IS NOT NULL) x WHERE t LIKE '%" PASSWORD "%'");
    assert_int_equal(n, 0);
    assert_true(cluster_sql_long(t->c, "SELECT count(*) FROM task_events") > 0);
    s_sh("! grep -rqa '" PASSWORD "' %s/w0.log %s/airlockd.log", cluster_dir(t->c), cluster_dir(t->c));
    s_sh("grep -q 'GET /private/calc.git/info/refs auth=ok 200' %s/requests.log", t->dir);
    s_sh("grep -q 'GET /wrong/calc.git/info/refs auth=bad 401' %s/requests.log", t->dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public_and_private),
        cmocka_unit_test(test_wrong_credential),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_secret_not_stored),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
