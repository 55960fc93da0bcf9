/*
 * test_worker_pools.c: the worker's warm pools by flavor (worker/sandbox_pools.c)
 * on real microVMs (TCG here).
 *
 * A flavor's first sandbox is created at once and its pool fills behind it;
 * the next take is a hit, a sandbox is never handed out twice, a second flavor
 * idles the least recently used one when only one may keep sandboxes ready,
 * the memory budget clips a flavor's size (to none when not one fits), and
 * specs that are never pooled (ns) are created directly; stages with egress
 * take from the same pool and are bound to their task's real proxy when taken
 * (an allowed host answers, a denied one is refused). Skips (77) without the
 * microvm driver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/sandbox_pools.h"
#include "common/error.h"
#include "egress_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 600000u

static char s_dir[] = "/tmp/airlock-test-pools-XXXXXX";
static char s_pool_dir[sizeof s_dir + 8];

static sandbox_spec_t s_spec(unsigned memory_mb)
{
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = "microvm";
    spec.task_id = "test-pools";
    spec.limits.disk_mb = 64;
    spec.limits.memory_mb = memory_mb;
    spec.state_dir = s_dir;
    return spec;
}

static void s_discard(void *ctx, int stream, const char *data, size_t len)
{
    (void)ctx, (void)stream, (void)data, (void)len;
}

/* Runs sh -c script in sb; its exit code. */
static int s_sh(sandbox_t *sb, const char *script)
{
    const char *argv[] = { "sh", "-c", script, NULL };
    sandbox_exec_req_t rq = { .argv = argv, .timeout_ms = 120000, .on_output = s_discard };
    sandbox_exec_result_t res;
    assert_int_equal(sandbox_exec(sb, &rq, &res), 0);
    assert_true(res.exited);
    return res.exit_code;
}

static sandbox_pools_t *s_pools(unsigned per_flavor, unsigned flavors, unsigned memory_mb)
{
    sandbox_pools_config_t c = { .per_flavor = per_flavor, .flavors = flavors, .memory_mb = memory_mb,
                                 .state_dir = s_pool_dir };
    sandbox_pools_t *p = sandbox_pools_new(&c);
    assert_non_null(p);
    return p;
}

static void test_miss_then_hit_never_twice(void **state)
{
    (void)state;
    sandbox_pools_t *pools = s_pools(1, 2, 2048);
    sandbox_spec_t spec = s_spec(0);
    sandbox_t *a = NULL, *b = NULL;
    assert_int_equal(sandbox_pools_create(pools, &spec, &a), 0);
    assert_int_equal(sandbox_info(a)->from_pool, 0);      /* the flavor's first: created */
    assert_int_equal(sandbox_pools_wait_ready(pools, &spec, 1, READY_TIMEOUT_MS), 0);
    assert_int_equal(sandbox_pools_create(pools, &spec, &b), 0);
    assert_int_equal(sandbox_info(b)->from_pool, 1);
    assert_ptr_not_equal(a, b);
    /* one sandbox's writes are not in the other's */
    assert_int_equal(s_sh(a, "echo mine > /tmp/mark"), 0);
    assert_int_equal(s_sh(b, "test ! -e /tmp/mark"), 0);
    sandbox_pools_stats_t st;
    sandbox_pools_stats(pools, &st);
    assert_int_equal(st.flavors, 1);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 1);
    sandbox_destroy(&a);
    sandbox_destroy(&b);
    sandbox_pools_destroy(&pools);
    assert_null(pools);
}

static void test_second_flavor_idles_the_first(void **state)
{
    (void)state;
    sandbox_pools_t *pools = s_pools(1, 1, 2048);
    sandbox_spec_t small = s_spec(0), big = s_spec(384);
    sandbox_t *sb = NULL;
    assert_int_equal(sandbox_pools_create(pools, &small, &sb), 0);
    sandbox_destroy(&sb);
    assert_int_equal(sandbox_pools_wait_ready(pools, &small, 1, READY_TIMEOUT_MS), 0);
    assert_int_equal(sandbox_pools_create(pools, &big, &sb), 0);   /* the new flavor takes the room */
    assert_int_equal(sandbox_info(sb)->limits.memory_mb, 384);
    sandbox_destroy(&sb);
    assert_int_equal(sandbox_pools_wait_ready(pools, &big, 1, READY_TIMEOUT_MS), 0);
    sandbox_pools_stats_t st;
    sandbox_pools_stats(pools, &st);
    assert_int_equal(st.flavors, 2);
    assert_int_equal(st.ready, 1);                                 /* only the big flavor's */
    assert_int_equal(sandbox_pools_wait_ready(pools, &small, 1, 1), AL_ETIMEOUT);
    sandbox_pools_destroy(&pools);
}

/* The budget clips a flavor's size to what fits: one of two here. */
static void test_budget_clips_the_size(void **state)
{
    (void)state;
    sandbox_pools_t *pools = s_pools(2, 2, 300);   /* 2 x 256 MiB do not fit, 1 does */
    sandbox_spec_t spec = s_spec(0);
    assert_int_equal(sandbox_pools_warm(pools, &spec), 0);
    assert_int_equal(sandbox_pools_wait_ready(pools, &spec, 1, READY_TIMEOUT_MS), 0);
    sandbox_pools_stats_t st;
    sandbox_pools_stats(pools, &st);
    assert_int_equal(st.ready, 1);
    assert_int_equal(sandbox_pools_wait_ready(pools, &spec, 2, 1), AL_ETIMEOUT);
    sandbox_pools_destroy(&pools);
}

static void test_over_budget_and_unpooled_specs(void **state)
{
    (void)state;
    sandbox_pools_t *pools = s_pools(2, 2, 200);   /* not even one 256 MiB sandbox fits */
    sandbox_spec_t spec = s_spec(0);
    sandbox_t *sb = NULL;
    assert_int_equal(sandbox_pools_create(pools, &spec, &sb), 0);
    assert_int_equal(sandbox_info(sb)->from_pool, 0);
    sandbox_destroy(&sb);
    assert_int_equal(sandbox_pools_wait_ready(pools, &spec, 1, 1), AL_ETIMEOUT);
    if (sandbox_driver_available("ns")) {
        sandbox_spec_t ns = SANDBOX_SPEC_INIT;
        ns.driver = "ns";
        assert_int_equal(sandbox_pools_create(pools, &ns, &sb), 0);
        assert_int_equal(sandbox_info(sb)->from_pool, 0);
        sandbox_destroy(&sb);
        sandbox_pools_stats_t st;
        sandbox_pools_stats(pools, &st);
        assert_int_equal(st.direct, 1);
        assert_int_equal(st.ready, 0);
    }
    sandbox_pools_destroy(&pools);
}

typedef struct {
    char out[4096];
    size_t len;
} cap_t;

static void s_capture(void *ctx, int stream, const char *data, size_t len)
{
    cap_t *c = ctx;
    if (stream != 1)
        return;
    size_t n = len < sizeof c->out - 1 - c->len ? len : sizeof c->out - 1 - c->len;
    memcpy(c->out + c->len, data, n);
    c->len += n;
    c->out[c->len] = '\0';
}

/* Two stages of one task with egress, each a pool hit: both bound to the
 * task's proxy when taken; through http_proxy the allowed host's real HTTP
 * server answers and a host off the allowlist gets the proxy's 403. */
static void test_egress_stages_from_the_pool(void **state)
{
    (void)state;
    fx_t *fx = fx_alloc();
    fx_start(fx, NULL);
    char token[EGRESS_TOKEN_MAX];
    assert_int_equal(egress_token_make(FX_KEY, sizeof FX_KEY, FX_TASK, 3600, token, sizeof token), 0);
    sandbox_pools_t *pools = s_pools(1, 1, 4096);
    sandbox_spec_t spec = s_spec(0);
    spec.task_id = FX_TASK;
    spec.egress_socket = fx->path;
    spec.egress_token = token;
    assert_int_equal(sandbox_pools_warm(pools, &spec), 0);
    char py[1024];
    snprintf(py, sizeof py,
             "import urllib.request, urllib.error\n"
             "for url in ('http://allowed.test:%u/hello', 'http://denied.test/'):\n"
             "    try:\n"
             "        print(url.split('/')[2].split(':')[0], urllib.request.urlopen(url, timeout=60).read().decode())\n"
             "    except urllib.error.HTTPError as e:\n"
             "        print(url.split('/')[2], e.code)\n",
             (unsigned)fx->srv.port);
    for (int stage = 0; stage < 2; stage++) {
        assert_int_equal(sandbox_pools_wait_ready(pools, &spec, 1, READY_TIMEOUT_MS), 0);
        sandbox_t *sb = NULL;
        assert_int_equal(sandbox_pools_create(pools, &spec, &sb), 0);
        assert_int_equal(sandbox_info(sb)->from_pool, 1);
        const char *argv[] = { "python3", "-c", py, NULL };
        cap_t cap = { .len = 0 };
        sandbox_exec_req_t rq = { .argv = argv, .timeout_ms = 240000, .on_output = s_capture, .ctx = &cap };
        sandbox_exec_result_t res;
        assert_int_equal(sandbox_exec(sb, &rq, &res), 0);
        print_message("stage %d: %s", stage, cap.out);
        assert_true(res.exited);
        assert_int_equal(res.exit_code, 0);
        assert_string_equal(cap.out, "allowed.test hello\ndenied.test 403\n");
        sandbox_destroy(&sb);
    }
    sandbox_pools_stats_t st;
    sandbox_pools_stats(pools, &st);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.misses, 0);
    sandbox_pools_destroy(&pools);
    fx_stop(fx);
}

int main(void)
{
    if (!sandbox_driver_available("microvm")) {
        printf("SKIP: microvm driver unavailable: %s\n", al_err_msg());
        return 77;
    }
    if (!mkdtemp(s_dir))
        return 1;
    snprintf(s_pool_dir, sizeof s_pool_dir, "%s/pool", s_dir);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_miss_then_hit_never_twice),
        cmocka_unit_test(test_second_flavor_idles_the_first),
        cmocka_unit_test(test_budget_clips_the_size),
        cmocka_unit_test(test_over_budget_and_unpooled_specs),
        cmocka_unit_test(test_egress_stages_from_the_pool),
    };
    if (getenv("AIRLOCK_TEST_FILTER"))   /* run one case by hand: AIRLOCK_TEST_FILTER=test_name */
        cmocka_set_test_filter(getenv("AIRLOCK_TEST_FILTER"));
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(s_pool_dir);
    rmdir(s_dir);
    return rc;
}
