/*
 * test_stage_ahead.c: the next stage's sandbox made on its own thread
 * (worker/stage_ahead.h): a create's error reaches the taker with its
 * message; a made sandbox is handed out once and works from the taker's
 * thread; one never taken is destroyed with the stage_ahead. Real ns
 * sandboxes (root); the ns cases skip without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/stage_ahead.h"
#include "common/error.h"
#include "common/log.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sandbox_spec_t s_spec(const char *driver)
{
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = driver;
    spec.task_id = "test-ahead";
    spec.limits.memory_mb = 128;
    spec.limits.disk_mb = 16;
    return spec;
}

/* Cgroup directories of this process's ns sandboxes ("airlock-ns-<pid>-<n>";
 * one per sandbox under cgroup v2, one per controller under v1). */
static int s_ns_cgroups(void)
{
    char prefix[48], cmd[160], line[16] = "";
    snprintf(prefix, sizeof prefix, "airlock-ns-%d-", (int)getpid());
    snprintf(cmd, sizeof cmd, "find /sys/fs/cgroup -maxdepth 5 -type d -name '%s*' | wc -l", prefix);
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(line, sizeof line, p))
        line[0] = '\0';
    if (p)
        pclose(p);
    return atoi(line);
}

/* A stage_ahead making an ns sandbox (skips without the driver); *before:
 * s_ns_cgroups() before it started. */
static stage_ahead_t *s_ns_ahead(int *before)
{
    if (!sandbox_driver_available("ns")) {
        print_message("SKIP: ns driver unavailable: %s\n", al_err_msg());
        skip();
    }
    *before = s_ns_cgroups();
    sandbox_spec_t spec = s_spec("ns");   /* copied; its strings are literals */
    stage_ahead_t *a = stage_ahead_start(NULL, &spec);
    assert_non_null(a);
    return a;
}

static void test_create_error_reaches_the_taker(void **state)
{
    (void)state;
    sandbox_spec_t spec = s_spec("no-such-driver");
    stage_ahead_t *a = stage_ahead_start(NULL, &spec);
    assert_non_null(a);
    sandbox_t *sb = (sandbox_t *)&spec;   /* must come back NULL */
    int rc = stage_ahead_take(a, &sb);
    assert_true(rc < 0);
    assert_null(sb);
    assert_non_null(strstr(al_err_msg(), "no-such-driver"));
    stage_ahead_destroy(&a);
    assert_null(a);
    stage_ahead_destroy(&a);   /* NULL-safe */
}

static void test_taken_once_and_usable(void **state)
{
    (void)state;
    int before;
    stage_ahead_t *a = s_ns_ahead(&before);
    sandbox_t *sb = NULL, *again = NULL;
    assert_int_equal(stage_ahead_take(a, &sb), AL_OK);
    assert_non_null(sb);
    assert_int_equal(stage_ahead_take(a, &again), AL_ESTATE);
    assert_null(again);
    const char *argv[] = { "sh", "-c", "echo made-ahead", NULL };
    sandbox_exec_req_t rq = { .argv = argv, .timeout_ms = 30000 };
    sandbox_exec_result_t res;
    assert_int_equal(sandbox_exec(sb, &rq, &res), 0);
    assert_true(res.exited);
    assert_int_equal(res.exit_code, 0);
    assert_true(s_ns_cgroups() > before);
    sandbox_destroy(&sb);
    stage_ahead_destroy(&a);
    assert_int_equal(s_ns_cgroups(), before);
}

static void test_never_taken_is_destroyed(void **state)
{
    (void)state;
    int before;
    stage_ahead_t *a = s_ns_ahead(&before);
    stage_ahead_destroy(&a);   /* may still be making it: waits, then destroys it */
    assert_int_equal(s_ns_cgroups(), before);
}

int main(void)
{
    al_log_init("test_stage_ahead", AL_LOG_WARN, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_error_reaches_the_taker),
        cmocka_unit_test(test_taken_once_and_usable),
        cmocka_unit_test(test_never_taken_is_destroyed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
