/*
 * test_api.c: airlockd's HTTP API driven by a real HTTP client (python3
 * http.client, api_client.py) against real processes: private PostgreSQL,
 * airlockd with api_endpoint, a worker. Each case is one scenario of the
 * client: submit, stream events to the verdict, resume with Last-Event-ID,
 * SARIF valid against the official 2.1.0 schema, check-run payloads (50
 * annotations per request), authentication and tenants (401, 403, 404),
 * invalid jobs (400 naming the field), oversize bodies (413), idempotency
 * keys, cancel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submit_stream_sarif),
        cmocka_unit_test(test_checks_pages),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_cancel),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
