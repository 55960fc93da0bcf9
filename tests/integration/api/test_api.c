/*
 * test_api.c: airlockd's HTTP API driven by a real HTTP client (python3
 * http.client, api_client.py) against real processes: private PostgreSQL,
 * airlockd with api_endpoint, a worker. Each case is one scenario of the
 * client: submit, stream events to the verdict, resume with Last-Event-ID,
 * SARIF valid against the official 2.1.0 schema, check-run payloads (50
 * annotations per request), authentication and tenants (401, 403, 404),
 * invalid jobs (400 naming the field), oversize bodies (413), idempotency
 * keys, cancel; /metrics parsed by python3-prometheus-client with counters
 * moving as a job finishes; the Grafana dashboard's SQL run against the
 * database; the Prometheus alerting rules checked and unit-tested by promtool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "api_fixture.h"

static int setup(void **state)
{
    api_fx_t *fx = NULL;
    if (api_fx_start(&fx, NULL) != 0)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    api_fx_t *fx = *state;
    api_fx_stop(&fx);
    return 0;
}

static void s_scenario(void **state, const char *name)
{
    const char *args[] = { name, NULL };
    assert_int_equal(api_fx_py(*state, "api_client.py", args), 0);
}

static void test_submit_stream_sarif(void **state) { s_scenario(state, "flow"); }
static void test_checks_pages(void **state) { s_scenario(state, "checks_pages"); }
static void test_auth(void **state) { s_scenario(state, "auth"); }
static void test_bad_requests(void **state) { s_scenario(state, "errors"); }
static void test_cancel(void **state) { s_scenario(state, "cancel"); }
static void test_metrics(void **state) { s_scenario(state, "metrics"); }
static void test_dashboard_sql(void **state) { s_scenario(state, "dashboard"); }

/* The alerting rules are valid and their unit tests (promtool test rules)
 * fire each alert on its anomaly and stay quiet otherwise. */
static void test_alert_rules(void **state)
{
    (void)state;
    if (system("command -v promtool >/dev/null") != 0) {
        print_message("promtool (Debian package prometheus) not installed: scripts/setup installs it\n");
        fail();
    }
    assert_int_equal(system("cd " AIRLOCK_SOURCE_DIR "/deploy/prometheus && promtool check rules airlock-alerts.yml "
                            "&& promtool test rules alerts-test.yml"), 0);
}

/* SIGTERM with an event stream open: airlockd ends the stream, stops its
 * API thread and exits cleanly (under ASan: no error or leak in its log). */
static void test_graceful_stop(void **state)
{
    api_fx_t *fx = *state;
    char cmd[2048], out[400], log[400];
    snprintf(out, sizeof out, "%s/hold.out", fx->dir);
    snprintf(log, sizeof log, "%s/airlockd.log", cluster_dir(fx->c));
    snprintf(cmd, sizeof cmd, AIRLOCK_PYTHON " %s/tests/integration/api/api_client.py %s hold > %s 2>&1 &",
             AIRLOCK_SOURCE_DIR, fx->config, out);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "grep -q holding %s", out);
    int holding = 0;
    for (int i = 0; i < 1200 && !holding; i++) {   /* polling a file with a deadline */
        holding = system(cmd) == 0;
        if (!holding)
            usleep(100 * 1000);
    }
    assert_true(holding);
    cluster_airlockd_kill(fx->c, SIGTERM);   /* waits for it */
    snprintf(cmd, sizeof cmd, "grep -q 'event=airlockd.stopping' %s && ! grep -q 'Sanitizer\\|runtime error' %s",
             log, log);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "for i in $(seq 100); do grep -q 'stream closed' %s && exit 0; sleep 0.1; done; "
             "exit 1", out);
    assert_int_equal(system(cmd), 0);   /* the client saw its stream end */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submit_stream_sarif),
        cmocka_unit_test(test_checks_pages),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_dashboard_sql),
        cmocka_unit_test(test_alert_rules),
        cmocka_unit_test(test_graceful_stop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
