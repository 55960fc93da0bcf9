/*
 * test_environments.c: job environments end to end with real processes: a
 * private PostgreSQL, airlockd, workers (ns, and microvm when usable), the
 * airlock CLI building images with mmdebstrap from Debian's archive and
 * uploading them, workers fetching and verifying them from airlockd.
 *
 * A Python project whose tests need pytest (not installed on the host) is
 * accepted on the "toolchain" environment (tests/integration/environments/
 * toolchain.json) and fails on the default one; the second job on a worker
 * reuses the cached image (no fetch; both times printed); an imported tree
 * gets its variables; an unknown name is refused at submit; a tampered image
 * is refused by the worker (sandbox_error naming it); a bad spec and a build
 * that cannot succeed fail with clear messages.
 *
 * Built images are cached in $AIRLOCK_TEST_ENV_CACHE (default
 * /var/cache/airlock/test-envs), shared with test_toolchain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plcluster.h"
#include "common/error.h"
#include "worker/sandbox/sandbox.h"

#define SPEC AIRLOCK_SOURCE_DIR "/tests/integration/environments/toolchain.json"

typedef struct {
    cluster_t *c;
    pl_worker_t ns, vm;
    char repo[400];
    char digest[80];
    const char *store;      /* built-image cache */
} group_t;

static group_t g;

/* The CLI with the cluster's client settings; stdout+stderr in *out. */
static int s_cli(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_cli(char **out, const char *fmt, ...)
{
    char args[2048], cmd[4096], env[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    assert_int_equal(cluster_cli_env(g.c, env, sizeof env), 0);
    snprintf(cmd, sizeof cmd, "%s AIRLOCK_CLIENT_TIMEOUT_MS=60000 %s/cli/airlock %s 2>&1", env, AIRLOCK_BUILD_DIR,
             args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, len = 0, n;
    char *buf = calloc(1, cap);
    while ((n = fread(buf + len, 1, cap - 1 - len, p)) > 0)
        len += n;
    int st = pclose(p);
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int group_setup(void **state)
{
    (void)state;
    const char *store = getenv("AIRLOCK_TEST_ENV_CACHE");
    g.store = store && store[0] ? store : "/var/cache/airlock/test-envs";
    if (access("/usr/bin/mmdebstrap", X_OK) != 0) {
        fprintf(stderr, "environments: mmdebstrap is not installed\n");
        return -1;
    }
    cluster_opts_t o = { .workers = 0, .slots = 1, .heartbeat_ms = 200, .lease_ms = 60000 };
    int rc = cluster_start(&g.c, &o);
    snprintf(g.repo, sizeof g.repo, "%s/pyrepo", g.c ? cluster_dir(g.c) : "");
    if (rc == AL_OK)
        rc = pl_sh("set -e; mkdir -p /var/cache/airlock '%s'; cd '%s'; git init -q; "
                   "printf 'def add(a, b):\\n    return a + b\\n' > calc.py; "
                   "printf 'import pytest\\nimport calc\\n\\n@pytest.mark.parametrize(\"a,b,c\", [(1, 2, 3), (2, 2, 4)])\\n"
                   "def test_add(a, b, c):\\n    assert calc.add(a, b) == c\\n' > test_calc.py; "
                   "git add .; git -c user.email=t@example.org -c user.name=t commit -qm init",
                   g.repo, g.repo);
    if (rc == AL_OK)
        rc = pl_worker_start(g.c, &g.ns, "env-ns", "ns", AIRLOCK_PLUGIN_DIR, "");
    if (rc == AL_OK && sandbox_driver_available("microvm"))
        rc = pl_worker_start(g.c, &g.vm, "env-vm", "microvm", AIRLOCK_PLUGIN_DIR, "");
    if (rc != AL_OK) {
        fprintf(stderr, "environments group setup: %s\n", al_err_msg());
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    pl_worker_stop(&g.vm);
    pl_worker_stop(&g.ns);
    cluster_stop(&g.c);
    return 0;
}

/* Runs a job and returns its id; asserts the verdict. */
static char *s_job(const char *name, const char *env, const char *driver, const char *test, const char *want)
{
    json_t *job = json_pack("{s:s, s:s, s:s, s:s, s:{s:[]}}", "repo", g.repo, "base", "HEAD", "test", test, "driver",
                            driver, "policy", "analyzers");
    if (env)
        json_object_set_new(job, "environment", json_string(env));
    char *id = pl_submit(g.c, name, job);
    json_decref(job);
    if (!id)
        fail_msg("%s: submit failed (logs in %s)", name, cluster_dir(g.c));
    char *verdict = pl_wait_verdict(g.c, id);
    if (strcmp(verdict, want) != 0) {
        char *reason = pl_sql_text(g.c, "SELECT coalesce(reason, '') FROM jobs WHERE id = '%s'", id);
        char *out = pl_sql_text(g.c, "SELECT string_agg(s.output_redacted, E'\\n') FROM stage_runs s JOIN jobs j "
                                     "ON j.task_id = s.task_id WHERE j.id = '%s'", id);
        fail_msg("%s: verdict %s, want %s (%s)\n%s\n(logs in %s)", name, verdict, want, reason ? reason : "?",
                 out ? out : "", cluster_dir(g.c));
    }
    free(verdict);
    return id;
}

static long s_env_stage_field(const char *id, const char *field)
{
    char sql[600];
    snprintf(sql, sizeof sql, "SELECT coalesce(max((e.data->>'%s')::bigint), -1) FROM task_events e JOIN jobs j "
             "ON j.task_id = e.task_id WHERE j.id = '%%s' AND e.kind = 'stage.end' AND e.data->>'stage' = 'environment'",
             field);
    return pl_sql_long(g.c, sql, id);
}

static void build_register_list(void **state)
{
    (void)state;
    char *out = NULL;
    int rc = s_cli(&out, "--json env build '%s' --cache '%s'", SPEC, g.store);
    if (rc != 0)
        fail_msg("env build: exit %d: %s", rc, out);
    json_t *o = json_loads(strrchr(out, '{'), 0, NULL);
    assert_non_null(o);
    snprintf(g.digest, sizeof g.digest, "%s", json_string_value(json_object_get(o, "digest")));
    printf("env build: %s (image %lld bytes, root %lld bytes; build %.1f s, upload %.1f s)\n", g.digest,
           (long long)json_integer_value(json_object_get(o, "size_bytes")),
           (long long)json_integer_value(json_object_get(o, "tree_bytes")),
           json_real_value(json_object_get(o, "build_s")), json_real_value(json_object_get(o, "upload_s")));
    json_decref(o);
    free(out);
    /* the same image again: airlockd has it, nothing is sent */
    assert_int_equal(s_cli(&out, "--json env build '%s' --cache '%s'", SPEC, g.store), 0);
    assert_non_null(strstr(out, "\"uploaded\":false"));
    free(out);
    assert_int_equal(s_cli(&out, "--json env list"), 0);
    assert_non_null(strstr(out, "\"name\":\"toolchain\""));
    assert_non_null(strstr(out, g.digest));
    free(out);
    /* registered in PostgreSQL, audited */
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM v_environments WHERE name = 'toolchain' AND digest = '%s' "
                                      "AND size_bytes > 0", g.digest), 1);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM audit_log WHERE action = 'environment.registered' AND "
                                      "detail->>'digest' = '%s'", g.digest), 2);
}

/* pytest is in the environment, not on the host: the environment is what ran. */
static void s_pytest(pl_worker_t *w, const char *driver)
{
    char *first = s_job("pytest-1", "toolchain", driver, "python3 -m pytest -q -p no:cacheprovider", "accepted");
    char *second = s_job("pytest-2", "toolchain", driver, "python3 -m pytest -q -p no:cacheprovider", "accepted");
    char sql[600];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM stage_runs s JOIN jobs j ON j.task_id = s.task_id WHERE j.id = "
             "'%%s' AND s.stage = 'test' AND s.environment = '%s' AND s.sandbox_driver = '%s'", g.digest, driver);
    assert_int_equal(pl_sql_long(g.c, sql, first), 1);
    assert_int_equal(pl_sql_long(g.c, sql, second), 1);
    char *summary = pl_sql_text(g.c, "SELECT summary->>'environment' FROM results WHERE job_id = '%s' AND "
                                     "authoritative", second);
    assert_string_equal(summary, g.digest);
    free(summary);
    long fetch1 = s_env_stage_field(first, "fetch_ms"), fetch2 = s_env_stage_field(second, "fetch_ms");
    char *t1 = pl_sql_text(g.c, "SELECT summary->>'stage_ms' FROM results WHERE job_id = '%s' AND authoritative", first);
    char *t2 = pl_sql_text(g.c, "SELECT summary->>'stage_ms' FROM results WHERE job_id = '%s' AND authoritative", second);
    printf("[%s on %s] first job: fetch+unpack %ld ms (%s)\n[%s on %s] second job: fetch %ld ms (%s)\n", driver,
           w->name, fetch1, t1, driver, w->name, fetch2, t2);
    assert_true(fetch1 > 0);    /* the first job on this worker fetched the image */
    assert_int_equal(fetch2, 0);  /* the second took it from the cache */
    free(t1), free(t2), free(first), free(second);
}

static void pytest_on_ns(void **state)
{
    (void)state;
    s_pytest(&g.ns, "ns");
    /* the default environment has no pytest: the same tests fail there */
    char *id = s_job("pytest-default", NULL, "ns", "python3 -m pytest -q -p no:cacheprovider", "tests_failed");
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM stage_runs s JOIN jobs j ON j.task_id = s.task_id WHERE "
                                      "j.id = '%s' AND s.environment = 'host' AND s.output_redacted LIKE "
                                      "'%%No module named pytest%%'", id), 1);
    free(id);
}

static void pytest_on_microvm(void **state)
{
    (void)state;
    if (!g.vm.pid) {
        printf("SKIP pytest_on_microvm: microvm unavailable here\n");
        skip();
    }
    s_pytest(&g.vm, "microvm");
}

/* A tree made elsewhere (here: the built image's own tar), with variables. */
static void import_with_variables(void **state)
{
    (void)state;
    char *out = NULL, blob[600];
    snprintf(blob, sizeof blob, "%s/cli-blob.tar.zst", cluster_dir(g.c));
    assert_int_equal(pl_sh("cp \"$(ls -t '%s'/*.tar.zst | head -1)\" '%s'", g.store, blob), AL_OK);
    int rc = s_cli(&out, "env import '%s' --name imported --env GREETING=hello --source 'test import'", blob);
    if (rc != 0)
        fail_msg("env import: %s", out);
    free(out);
    char *id = s_job("imported", "imported", "ns", "test \"$GREETING\" = hello && python3 -c 'import pytest'",
                     "accepted");
    free(id);
}

static void unknown_environment_refused_at_submit(void **state)
{
    (void)state;
    char path[600], *out = NULL;
    snprintf(path, sizeof path, "%s/unknown-env.json", cluster_dir(g.c));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"repo\": \"%s\", \"base\": \"HEAD\", \"test\": \"true\", \"environment\": \"no-such-env\"}", g.repo);
    fclose(f);
    assert_int_equal(s_cli(&out, "submit '%s'", path), 1);
    assert_non_null(strstr(out, "environment: 'no-such-env' is not a registered environment"));
    free(out);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM jobs WHERE spec->>'environment' = 'no-such-env' "
                                      "OR spec::text LIKE '%%no-such-env%%'", ""), 0);
}

/* An image altered in the database after upload: the worker refuses it. */
static void tampered_image_refused(void **state)
{
    (void)state;
    char *out = NULL, dir[600];
    snprintf(dir, sizeof dir, "%s/tiny-root", cluster_dir(g.c));
    assert_int_equal(pl_sh("mkdir -p '%s/etc' '%s/bin' && echo tiny > '%s/etc/os-release'", dir, dir, dir), AL_OK);
    assert_int_equal(s_cli(&out, "--json env import '%s' --name tiny", dir), 0);
    free(out);
    char *digest = pl_sql_text(g.c, "SELECT digest FROM environment_names WHERE name = '%s'", "tiny");
    assert_non_null(digest);
    char sql[400];
    snprintf(sql, sizeof sql, "WITH u AS (UPDATE environment_chunks SET data = overlay(data placing "
             "'\\xff'::bytea from 40) WHERE digest = '%s' AND offset_bytes = 0 RETURNING 1) SELECT count(*) FROM u",
             digest);
    assert_int_equal(cluster_sql_long(g.c, sql), 1);
    char *id = s_job("tampered", "tiny", "ns", "true", "sandbox_error");
    char *reason = pl_sql_text(g.c, "SELECT reason FROM jobs WHERE id = '%s'", id);
    if (!strstr(reason, digest) || !strstr(reason, "refused"))
        fail_msg("reason does not name the refused image: %s", reason);
    free(reason), free(id), free(digest);
}

static void bad_specs_fail_clearly(void **state)
{
    (void)state;
    char path[600], *out = NULL;
    snprintf(path, sizeof path, "%s/bad-env.json", cluster_dir(g.c));
    FILE *f = fopen(path, "w");
    fputs("{\"name\": \"bad\", \"packages\": [\"make; rm -rf /\"]}", f);
    fclose(f);
    assert_int_equal(s_cli(&out, "env build '%s'", path), 1);
    assert_non_null(strstr(out, "packages[0]: must be a Debian package name"));
    free(out);
    f = fopen(path, "w");
    fputs("{\"name\": \"missing-package\", \"packages\": [\"airlock-no-such-package\"]}", f);
    fclose(f);
    assert_int_equal(s_cli(&out, "env build '%s'", path), 1);
    if (!strstr(out, "mmdebstrap failed") || !strstr(out, "build.log"))
        fail_msg("unclear build failure: %s", out);
    /* the work directory is kept for the user, and named: this test is the user, it removes it */
    const char *kept = strstr(out, "work directory kept: ");
    if (!kept)
        fail_msg("the kept work directory is not named: %s", out);
    char dir[512];
    snprintf(dir, sizeof dir, "%.*s", (int)strcspn(kept + 21, "\n"), kept + 21);
    assert_int_equal(access(dir, F_OK), 0);
    assert_int_equal(pl_sh("rm -rf '%s'", dir), 0);
    free(out);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM environment_names WHERE name = '%s'", "missing-package"),
                     0);
}

int main(void)
{
    if (access("/usr/bin/mmdebstrap", X_OK) != 0) {
        printf("SKIP: mmdebstrap is not installed (scripts/setup installs it)\n");
        return 77;
    }
    if (!sandbox_driver_available("ns")) {
        printf("SKIP: the ns driver is unavailable: %s\n", al_err_msg());
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(build_register_list),
        cmocka_unit_test(pytest_on_ns),
        cmocka_unit_test(pytest_on_microvm),
        cmocka_unit_test(import_with_variables),
        cmocka_unit_test(unknown_environment_refused_at_submit),
        cmocka_unit_test(tampered_image_refused),
        cmocka_unit_test(bad_specs_fail_clearly),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
