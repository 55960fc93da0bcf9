/*
 * test_plugin_loader.c: plugin_host_load and plugin_set_add refuse each
 * broken descriptor with a message naming the field and both values; a
 * plugin crashing in its constructor is refused through the probe child
 * while this process lives on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/error.h"
#include "worker/plugin_host/plugin_host.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *file;
    const char *expect;
} k_broken[] = {
    { "pht_abi7.so", "pht_abi7.so: abi_version is 7, host supports 2" },
    /* a plugin built against ABI 1 (airlock_file_t had another stride) */
    { "pht_abi1.so", "pht_abi1.so: abi_version is 1, host supports 2" },
    { "pht_short.so", "pht_short.so: struct_size is 56, ABI 2 needs at least 120" },
    { "pht_unknown_cap.so", "capabilities is 0x10000000001, host knows 0xf (unknown bits 0x10000000000)" },
    { "pht_nosym.so", "pht_nosym.so: symbol airlock_plugin_descriptor is missing" },
    { "pht_null_analyze.so", "pht_null_analyze.so: analyze is NULL" },
    { "pht_reserved.so", "pht_reserved.so: reserved[3] is 0x" },
    { "pht_does_not_exist.so", "pht_does_not_exist.so: cannot load" },
};

static void test_load_refusals(void **state)
{
    for (size_t i = 0; i < sizeof k_broken / sizeof k_broken[0]; i++) {
        plugin_t *p = (plugin_t *)1;
        int rc = plugin_host_load(NULL, &p);
        assert_int_equal(rc, AL_EINVAL);
        assert_null(p);
        char path[512];
        snprintf(path, sizeof path, "%s/%s", PHT_DIR, k_broken[i].file);
        rc = plugin_host_load(path, &p);
        if (rc != AL_EPLUGIN || p || !strstr(al_err_msg(), k_broken[i].expect))
            fail_msg("%s: rc=%d msg='%s', want '%s'", k_broken[i].file, rc, al_err_msg(),
                     k_broken[i].expect);
    }
}

static void test_load_good(void **state)
{
    plugin_t *p = NULL;
    assert_int_equal(plugin_host_load(PHT_DIR "/pht_good.so", &p), 0);
    const airlock_plugin_t *d = plugin_descriptor(p);
    assert_string_equal(d->name, "good");
    assert_string_equal(d->version, "1.0.0");
    assert_int_equal(d->capabilities, AIRLOCK_CAP_PATCH | AIRLOCK_CAP_FILES);
    assert_string_equal(plugin_path(p), PHT_DIR "/pht_good.so");
    plugin_destroy(&p);
    assert_null(p);
    plugin_destroy(&p);
    plugin_destroy(NULL);
}

/* The same refusals through the probe child, plus a constructor crash. */
static void test_set_refusals(void **state)
{
    plugin_set_t *s = plugin_set_new(NULL);
    assert_non_null(s);
    for (size_t i = 0; i < sizeof k_broken / sizeof k_broken[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", PHT_DIR, k_broken[i].file);
        int rc = plugin_set_add(s, path);
        if (rc != AL_EPLUGIN || !strstr(al_err_msg(), k_broken[i].expect))
            fail_msg("%s: rc=%d msg='%s'", k_broken[i].file, rc, al_err_msg());
    }
    assert_int_equal(plugin_set_add(s, PHT_DIR "/pht_ctor_crash.so"), AL_EPLUGIN);
    assert_non_null(strstr(al_err_msg(), "pht_ctor_crash.so: killed by signal"));
    assert_int_equal(plugin_set_count(s), 0);
    assert_int_equal(plugin_set_add(s, NULL), AL_EINVAL);
    assert_int_equal(plugin_set_add(NULL, PHT_DIR "/pht_good.so"), AL_EINVAL);
    assert_int_equal(plugin_set_add(s, PHT_DIR "/pht_good.so"), 0);
    assert_int_equal(plugin_set_add(s, PHT_DIR "/pht_good.so"), AL_EEXISTS);
    assert_int_equal(plugin_set_count(s), 1);
    assert_string_equal(plugin_set_name(s, 0), "good");
    assert_null(plugin_set_name(s, 1));
    const char *bad[] = { "../etc/x" };
    assert_int_equal(plugin_set_add_names(s, PHT_DIR, bad, 1), AL_EINVAL);
    const char *ok[] = { "pht_fail" };
    assert_int_equal(plugin_set_add_names(s, PHT_DIR, ok, 1), 0);
    assert_string_equal(plugin_set_name(s, 1), "fail");
    plugin_set_destroy(&s);
    assert_null(s);
    plugin_set_destroy(&s);
}

static void test_redact(void **state)
{
    char buf[32];
    assert_string_equal(plugin_evidence_redact(buf, sizeof buf, "AKIAIOSFODNN7EXAMPLE", 20), "AKIA********");
    assert_string_equal(plugin_evidence_redact(buf, sizeof buf, "abc", 3), "********");
    assert_string_equal(plugin_evidence_redact(buf, sizeof buf, "ab\ncdefg", 8), "ab********");
    assert_string_equal(plugin_evidence_redact(buf, sizeof buf, "a\x01" "bcdefgh", 9), "a?********");
    assert_string_equal(plugin_evidence_redact(buf, 16, "", 0), "********");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_refusals),
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_set_refusals),
        cmocka_unit_test(test_redact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
