/*
 * test_sandbox_knobs.c: the sandbox drivers' knobs are settings with one
 * meaning per name: every knob is in airlock-worker's table (so --help,
 * settings files and --set reach it), a knob reads the worker's setting once
 * the worker handed its configuration over and AIRLOCK_<KEY> before, and the
 * git mirror cache and the guest kernel cache have names of their own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/sandbox/sandbox_knobs.h"
#include "worker/settings.h"

static const al_config_def_t *s_find(const char *key)
{
    for (size_t i = 0; i < worker_settings_count; i++)
        if (strcmp(worker_settings[i].key, key) == 0)
            return &worker_settings[i];
    return NULL;
}

static void test_every_knob_is_a_worker_setting(void **state)
{
    (void)state;
    assert_true(sandbox_knob_count >= 15);
    for (size_t i = 0; i < sandbox_knob_count; i++) {
        const al_config_def_t *d = s_find(sandbox_knob_defs[i].key);
        if (!d)
            fail_msg("knob %s is not in worker_settings", sandbox_knob_defs[i].key);
        assert_non_null(d->help);
        assert_true(strlen(d->help) > 10);
    }
    /* each key once */
    for (size_t i = 0; i < worker_settings_count; i++)
        for (size_t j = i + 1; j < worker_settings_count; j++)
            if (strcmp(worker_settings[i].key, worker_settings[j].key) == 0)
                fail_msg("setting %s twice", worker_settings[i].key);
}

static void test_two_caches_two_names(void **state)
{
    (void)state;
    assert_non_null(s_find("mirror_dir"));
    assert_non_null(s_find("kernel_cache_dir"));
    assert_string_not_equal(s_find("mirror_dir")->help, s_find("kernel_cache_dir")->help);
    assert_non_null(strstr(s_find("cache_dir")->help, "deprecated"));
}

static void test_help_lists_knobs(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    al_config_print_help(worker_settings, worker_settings_count, f);
    fclose(f);
    for (size_t i = 0; i < sandbox_knob_count; i++)
        if (!strstr(buf, sandbox_knob_defs[i].key))
            fail_msg("--help does not list %s", sandbox_knob_defs[i].key);
    free(buf);
}

static void test_env_then_worker_setting(void **state)
{
    (void)state;
    setenv("AIRLOCK_MICROVM_ACCEL", "tcg", 1);
    setenv("AIRLOCK_KEEP_VM_STATE", "", 1);
    assert_string_equal(sandbox_knob("microvm_accel"), "tcg");
    assert_null(sandbox_knob("keep_vm_state"));   /* empty = unset */
    assert_null(sandbox_knob("gvisor_platform") ? "set" : NULL);

    al_config_t *cfg = al_config_new(worker_settings, worker_settings_count);
    assert_non_null(cfg);
    assert_int_equal(al_config_set(cfg, "microvm_accel", "kvm"), 0);
    sandbox_knobs_use(cfg);
    assert_string_equal(sandbox_knob("microvm_accel"), "kvm");   /* the worker's setting wins */
    assert_null(sandbox_knob("runsc"));
    sandbox_knobs_use(NULL);
    al_config_destroy(&cfg);
    assert_string_equal(sandbox_knob("microvm_accel"), "tcg");
    unsetenv("AIRLOCK_MICROVM_ACCEL");
    unsetenv("AIRLOCK_KEEP_VM_STATE");
}

int main(void)
{
    unsetenv("AIRLOCK_GVISOR_PLATFORM");
    unsetenv("AIRLOCK_RUNSC");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_knob_is_a_worker_setting),
        cmocka_unit_test(test_two_caches_two_names),
        cmocka_unit_test(test_help_lists_knobs),
        cmocka_unit_test(test_env_then_worker_setting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
