/*
 * test_limits_caps.c: the worker-level ceilings on a job's policy.limits
 * (settings max_memory_mb, max_disk_mb, max_timeout_s; pipeline_limits_check):
 * a job parsed from JSON asking more than the worker allows is refused with
 * the field, both values and the setting named; at the ceiling it passes;
 * 0 means no ceiling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/pipeline.h"
#include "common/error.h"
#include "common/jobspec/jobspec.h"

#include <stdio.h>
#include <string.h>

static jobspec_t *s_job(const char *limits)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"repo\":\"/srv/repos/demo.git\",\"base\":\"main\",\"test\":\"make test\","
             "\"policy\":{\"limits\":%s}}", limits);
    jobspec_t *j = NULL;
    if (jobspec_parse(json, strlen(json), &j) != AL_OK)
        fail_msg("job: %s", al_err_msg());
    return j;
}

static void test_within_and_at_the_ceiling(void **state)
{
    (void)state;
    pipeline_config_t cfg = { .max_memory_mb = 2048, .max_disk_mb = 4096, .max_timeout_s = 600 };
    jobspec_t *j = s_job("{\"memory_mb\":2048,\"disk_mb\":4096,\"timeout_s\":600}");
    assert_int_equal(pipeline_limits_check(&cfg, &j->policy.limits), 0);
    jobspec_destroy(&j);
}

static void test_above_is_refused(void **state)
{
    (void)state;
    pipeline_config_t cfg = { .max_memory_mb = 2048, .max_disk_mb = 4096, .max_timeout_s = 600 };
    const char *cases[][2] = {
        { "{\"memory_mb\":65536}", "policy.limits.memory_mb 65536 is above this worker's max_memory_mb 2048" },
        { "{\"disk_mb\":1048576}", "policy.limits.disk_mb 1048576 is above this worker's max_disk_mb 4096" },
        { "{\"timeout_s\":86400}", "policy.limits.timeout_s 86400 is above this worker's max_timeout_s 600" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jobspec_t *j = s_job(cases[i][0]);
        assert_int_equal(pipeline_limits_check(&cfg, &j->policy.limits), AL_EINVAL);
        assert_string_equal(al_err_msg(), cases[i][1]);
        jobspec_destroy(&j);
    }
}

static void test_zero_is_no_ceiling(void **state)
{
    (void)state;
    pipeline_config_t cfg = { 0 };
    jobspec_t *j = s_job("{\"memory_mb\":65536,\"disk_mb\":1048576,\"timeout_s\":86400}");
    assert_int_equal(pipeline_limits_check(&cfg, &j->policy.limits), 0);
    jobspec_destroy(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_within_and_at_the_ceiling),
        cmocka_unit_test(test_above_is_refused),
        cmocka_unit_test(test_zero_is_no_ceiling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
