/*
 * test_plugin_exec.c: an analyzer child is a fresh exec of the analyzer
 * host (airlock-analyzer), not a fork of the caller. A fork of a
 * multithreaded worker inherits locks other threads hold at that moment
 * (allocator, stdio, libraries) and hangs on the first one the plugin
 * touches, and it holds a copy of the worker's memory (keys, tokens). Here
 * another thread of this process holds a mutex of the plugin's own library
 * (loaded here for the purpose) while that plugin, whose init takes the
 * mutex, is probed and run; the child's executable and environment are
 * reported by the plugin itself, and so are its credentials (nobody, when
 * started by root); a missing analyzer host is a clear error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/error.h"
#include "worker/plugin_host/plugin_host.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char k_patch[] = "diff --git a/a.txt b/a.txt\n"
                              "new file mode 100644\n"
                              "index 0000000..1111111\n"
                              "--- /dev/null\n"
                              "+++ b/a.txt\n"
                              "@@ -0,0 +1 @@\n"
                              "+hello\n";

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int held, release;
} holder_t;

static void holder_ready(void *arg)
{
    holder_t *h = arg;
    pthread_mutex_lock(&h->mu);
    h->held = 1;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

static void holder_wait(void *arg)
{
    holder_t *h = arg;
    pthread_mutex_lock(&h->mu);
    while (!h->release)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
}

typedef void (*hold_fn)(void (*)(void *), void (*)(void *), void *);
static hold_fn s_hold;

static void *hold_plugin_mutex(void *arg)
{
    s_hold(holder_ready, holder_wait, arg);
    return NULL;
}

static const analysis_finding_t *find(const analysis_result_t *r, const char *rule)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].rule_id, rule) == 0)
            return &r->findings[i];
    return NULL;
}

/* Probes and runs pht_fresh. Returns the result, or NULL with why[] set;
 * asserts nothing, so that a caller holding a lock can release it first. */
static analysis_result_t *run_fresh(char *why, size_t size)
{
    plugin_limits_t lim = PLUGIN_LIMITS_INIT;
    lim.timeout_ms = 8000; /* a hung child is killed well before ctest's timeout */
    plugin_set_t *s = plugin_set_new(&lim);
    const char *names[] = { "pht_fresh" };
    analysis_result_t *r = NULL;
    if (!s || plugin_set_add_names(s, PHT_DIR, names, 1) != 0)
        snprintf(why, size, "probe: %s", al_err_msg());
    else if (plugin_host_run(s, k_patch, strlen(k_patch), NULL, &r) != 0)
        snprintf(why, size, "run: %s", al_err_msg());
    else if (r->n_plugins != 1 || r->plugins[0].status != PLUGIN_STATUS_OK) {
        snprintf(why, size, "run: status %s: %s", plugin_status_name(r->plugins[0].status),
                 r->n_findings ? r->findings[0].message : "");
        analysis_result_destroy(&r);
    }
    plugin_set_destroy(&s);
    return r;
}

static void test_lock_held_by_another_thread(void **state)
{
    holder_t h = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
    void *lib = dlopen(PHT_DIR "/pht_fresh.so", RTLD_NOW | RTLD_LOCAL);
    assert_non_null(lib);
    *(void **)&s_hold = dlsym(lib, "pht_fresh_hold");
    assert_non_null(s_hold);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hold_plugin_mutex, &h), 0);
    pthread_mutex_lock(&h.mu);
    while (!h.held)
        pthread_cond_wait(&h.cv, &h.mu);
    pthread_mutex_unlock(&h.mu);

    char why[600] = "";
    analysis_result_t *r = run_fresh(why, sizeof why);

    pthread_mutex_lock(&h.mu);
    h.release = 1;
    pthread_cond_broadcast(&h.cv);
    pthread_mutex_unlock(&h.mu);
    pthread_join(t, NULL);
    dlclose(lib);
    if (!r)
        fail_msg("%s", why);
    assert_non_null(find(r, "test.exe"));
    analysis_result_destroy(&r);
}

static void test_child_is_the_analyzer_host(void **state)
{
    char why[600] = "";
    setenv("AIRLOCK_TEST_SECRET", "must-not-reach-the-child", 1);
    analysis_result_t *r = run_fresh(why, sizeof why);
    if (!r)
        fail_msg("%s", why);
    const analysis_finding_t *exe = find(r, "test.exe"), *env = find(r, "test.env");
    assert_non_null(exe);
    assert_non_null(env);
    const char *base = strrchr(exe->message, '/');
    assert_non_null(base);
    assert_string_equal(base + 1, "airlock-analyzer");
    assert_string_equal(env->message, "0"); /* none of the caller's environment */
    analysis_result_destroy(&r);
    unsetenv("AIRLOCK_TEST_SECRET");
}

/* Started by root, the plugin runs as nobody: no groups, no capabilities. */
static void test_plugin_runs_unprivileged(void **state)
{
    if (geteuid() != 0) {
        print_message("skipped: not root, nothing to drop\n");
        skip();
    }
    char why[600] = "";
    analysis_result_t *r = run_fresh(why, sizeof why);
    if (!r)
        fail_msg("%s", why);
    const analysis_finding_t *cred = find(r, "test.cred");
    assert_non_null(cred);
    assert_string_equal(cred->message, "uid=65534 gid=65534 groups=0 capeff=0000000000000000");
    analysis_result_destroy(&r);
}

static void test_missing_host_is_a_clear_error(void **state)
{
    plugin_set_t *s = plugin_set_new(NULL);
    assert_non_null(s);
    assert_int_equal(plugin_set_helper(s, "/nonexistent/airlock-analyzer"), 0);
    assert_int_equal(plugin_set_add(s, PHT_DIR "/pht_fresh.so"), AL_EPLUGIN);
    assert_non_null(strstr(al_err_msg(), "/nonexistent/airlock-analyzer"));
    assert_int_equal(plugin_set_count(s), 0);
    assert_int_equal(plugin_set_helper(s, NULL), AL_EINVAL);
    plugin_set_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_held_by_another_thread),
        cmocka_unit_test(test_child_is_the_analyzer_host),
        cmocka_unit_test(test_plugin_runs_unprivileged),
        cmocka_unit_test(test_missing_host_is_a_clear_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
