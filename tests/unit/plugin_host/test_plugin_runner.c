/*
 * test_plugin_runner.c: plugin_host_run with real child processes. A good
 * plugin's findings come back intact (paths, line numbers, modes, flags,
 * file content sizes) with redacted evidence; plugins that segfault, loop,
 * allocate without bound, flood findings, fail, exit early or corrupt the
 * stream each give one plugin_error finding with the right status, and this
 * process lives on to check it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/error.h"
#include "worker/plugin_host/plugin_host.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char k_patch[] =
    "diff --git a/config.txt b/config.txt\n"
    "new file mode 100644\n"
    "index 0000000..1111111\n"
    "--- /dev/null\n"
    "+++ b/config.txt\n"
    "@@ -0,0 +1,3 @@\n"
    "+name=demo\n"
    "+SECRET=abcdef123456\n"
    "+end\n"
    "diff --git a/src/main.c b/src/main.c\n"
    "index 1111111..2222222 100644\n"
    "--- a/src/main.c\n"
    "+++ b/src/main.c\n"
    "@@ -1,3 +1,4 @@\n"
    " int main(void)\n"
    " {\n"
    "+    /* SECRET token here */\n"
    "     return 0;\n"
    "diff --git a/run.sh b/run.sh\n"
    "old mode 100644\n"
    "new mode 100755\n"
    "diff --git a/link b/link\n"
    "new file mode 120000\n"
    "index 0000000..3333333\n"
    "--- /dev/null\n"
    "+++ b/link\n"
    "@@ -0,0 +1 @@\n"
    "+/etc/passwd\n"
    "\\ No newline at end of file\n";

static char s_ws[64];

static void write_file(const char *rel, const char *content)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", s_ws, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static int setup(void **state)
{
    char path[256];
    snprintf(s_ws, sizeof s_ws, "/tmp/pht_ws_XXXXXX");
    if (!mkdtemp(s_ws))
        return -1;
    snprintf(path, sizeof path, "%s/src", s_ws);
    mkdir(path, 0755);
    write_file("config.txt", "name=demo\nSECRET=abcdef123456\nend\n");
    write_file("src/main.c", "int main(void)\n{\n    /* SECRET token here */\n    return 0;\n}\n");
    write_file("run.sh", "#!/bin/sh\n");
    snprintf(path, sizeof path, "%s/link", s_ws);
    return symlink("/etc/passwd", path);
}

static int teardown(void **state)
{
    const char *rel[] = { "config.txt", "src/main.c", "run.sh", "link", "src", "" };
    char path[256];
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", s_ws, rel[i]);
        if (remove(path) != 0 && errno != ENOENT)
            return -1;
    }
    return 0;
}

static plugin_set_t *set_of(const char *const *names, size_t n, const plugin_limits_t *lim)
{
    plugin_set_t *s = plugin_set_new(lim);
    assert_non_null(s);
    if (plugin_set_add_names(s, PHT_DIR, names, n) != 0)
        fail_msg("set: %s", al_err_msg());
    return s;
}

static const analysis_finding_t *find(const analysis_result_t *r, const char *rule, const char *file)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].rule_id, rule) == 0
            && (!file || (r->findings[i].file && strcmp(r->findings[i].file, file) == 0)))
            return &r->findings[i];
    return NULL;
}

static void test_good_findings_intact(void **state)
{
    const char *names[] = { "pht_good" };
    plugin_set_t *s = set_of(names, 1, NULL);
    analysis_result_t *r = NULL;
    assert_int_equal(plugin_host_run(s, k_patch, strlen(k_patch), s_ws, &r), 0);
    assert_true(r->patch_parsed);
    assert_int_equal(r->n_files, 4);
    assert_int_equal(r->n_plugins, 1);
    assert_int_equal(r->plugins[0].status, PLUGIN_STATUS_OK);
    assert_string_equal(r->plugins[0].plugin, "good");
    /* 4 file findings + 2 secret lines + 1 patch finding */
    assert_int_equal(r->n_findings, 7);
    assert_int_equal(r->plugins[0].n_findings, 7);

    const analysis_finding_t *f = find(r, "test.secret", "config.txt");
    assert_non_null(f);
    assert_string_equal(f->plugin, "good");
    assert_int_equal(f->severity, AIRLOCK_SEV_HIGH);
    assert_int_equal(f->line, 2);
    assert_string_equal(f->message, "line mentions a secret");
    assert_string_equal(f->evidence, "SECR********");
    f = find(r, "test.secret", "src/main.c");
    assert_non_null(f);
    assert_int_equal(f->line, 3);
    assert_non_null(f->evidence);
    assert_null(strstr(f->evidence, "token"));
    for (size_t i = 0; i < r->n_findings; i++)
        assert_true(!r->findings[i].evidence || !strstr(r->findings[i].evidence, "abcdef123456"));

    f = find(r, "test.file", "config.txt"); /* added, 3 lines, 34 bytes of content */
    assert_string_equal(f->message, "flags=0x1 old=0 new=100644 added=3 content=34");
    assert_int_equal(f->line, 0);
    assert_null(f->evidence);
    f = find(r, "test.file", "src/main.c");
    assert_string_equal(f->message, "flags=0 old=100644 new=100644 added=1 content=61");
    f = find(r, "test.file", "run.sh"); /* mode change only: MODE_CHANGED | EXECUTABLE */
    assert_string_equal(f->message, "flags=0x180 old=100644 new=100755 added=0 content=10");
    f = find(r, "test.file", "link"); /* symlink: no content read through it */
    char want[128];
    snprintf(want, sizeof want, "flags=0x11 old=0 new=120000 added=1 content=%zu", (size_t)-1);
    assert_string_equal(f->message, want);
    f = find(r, "test.patch", NULL);
    assert_null(f->file);
    snprintf(want, sizeof want, "patch_len=%zu", strlen(k_patch));
    assert_string_equal(f->message, want);
    assert_int_equal(analysis_result_max_severity(r), AIRLOCK_SEV_HIGH);
    analysis_result_destroy(&r);
    assert_null(r);

    /* without a workspace no content; an empty patch has no files */
    assert_int_equal(plugin_host_run(s, k_patch, strlen(k_patch), NULL, &r), 0);
    assert_string_equal(find(r, "test.file", "run.sh")->message, "flags=0x180 old=100644 new=100755 added=0 content=18446744073709551615");
    analysis_result_destroy(&r);
    assert_int_equal(plugin_host_run(s, "", 0, NULL, &r), 0);
    assert_int_equal(r->n_files, 0);
    assert_int_equal(r->n_findings, 1);
    analysis_result_destroy(&r);
    /* a patch libgit2 cannot parse: plugins still run on the text */
    const char junk[] = "this is not a diff\n+++ nor this\n";
    assert_int_equal(plugin_host_run(s, junk, strlen(junk), NULL, &r), 0);
    assert_int_equal(r->plugins[0].status, PLUGIN_STATUS_OK);
    analysis_result_destroy(&r);
    assert_int_equal(plugin_host_run(s, NULL, 3, NULL, &r), AL_EINVAL);
    plugin_set_destroy(&s);
}

static const struct {
    const char *file;
    plugin_status_t status;
    const char *message;
} k_bad[] = {
    { "pht_segv", PLUGIN_STATUS_CRASHED, "plugin 'segv' was killed by signal" },
    { "pht_flood", PLUGIN_STATUS_LIMIT, "plugin 'flood' emitted more than 1000 findings (999000 dropped)" },
    { "pht_fail", PLUGIN_STATUS_FAILED, "plugin 'fail' analyze returned 5" },
    { "pht_quit", PLUGIN_STATUS_PROTOCOL, "plugin 'quit' exited (status 0) before completing" },
    { "pht_garbage", PLUGIN_STATUS_PROTOCOL, "plugin 'garbage' sent a malformed stream" },
    { "pht_bigwire", PLUGIN_STATUS_LIMIT, "plugin 'bigwire' sent more than 4194304 bytes and was killed" },
};

static const analysis_plugin_status_t *status_of(const analysis_result_t *r, const char *name)
{
    for (size_t i = 0; i < r->n_plugins; i++)
        if (strcmp(r->plugins[i].plugin, name) == 0)
            return &r->plugins[i];
    return NULL;
}

static void test_broken_plugins(void **state)
{
    const char *names[16];
    size_t n = 0;
    names[n++] = "pht_good";
    for (size_t i = 0; i < sizeof k_bad / sizeof k_bad[0]; i++)
        names[n++] = k_bad[i].file;
    plugin_limits_t lim = PLUGIN_LIMITS_INIT;
    lim.memory_bytes = 64u << 20;
    lim.timeout_ms = 60000; /* a bound, not a measurement: none of these hang */
    lim.parallel = 3;       /* several children supervised at once, batches of 3 */
    plugin_set_t *s = set_of(names, n, &lim);
    analysis_result_t *r = NULL;
    assert_int_equal(plugin_host_run(s, k_patch, strlen(k_patch), s_ws, &r), 0);
    assert_int_equal(r->n_plugins, n);
    assert_int_equal(status_of(r, "good")->status, PLUGIN_STATUS_OK);
    assert_int_equal(find(r, "test.secret", "config.txt")->line, 2);
    size_t errors = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].rule_id, "plugin_error") == 0) {
            errors++;
            assert_int_equal(r->findings[i].severity, AIRLOCK_SEV_HIGH);
        }
    assert_int_equal(errors, sizeof k_bad / sizeof k_bad[0]);
    for (size_t i = 0; i < sizeof k_bad / sizeof k_bad[0]; i++) {
        const char *name = k_bad[i].file + 4;
        const analysis_plugin_status_t *st = status_of(r, name);
        assert_non_null(st);
        if (st->status != k_bad[i].status)
            fail_msg("%s: status %s, want %s", name, plugin_status_name(st->status),
                     plugin_status_name(k_bad[i].status));
        int seen = 0;
        for (size_t k = 0; k < r->n_findings; k++)
            if (strcmp(r->findings[k].plugin, name) == 0 && strcmp(r->findings[k].rule_id, "plugin_error") == 0) {
                seen = 1;
                if (!strstr(r->findings[k].message, k_bad[i].message))
                    fail_msg("%s: message '%s' lacks '%s'", name, r->findings[k].message, k_bad[i].message);
            }
        assert_true(seen);
    }
    /* the flood's first 1000 findings were kept, each redacted */
    assert_int_equal(status_of(r, "flood")->n_findings, 1000);
    assert_string_equal(find(r, "flood.x", "f")->evidence, "evid********");
    assert_int_not_equal(status_of(r, "segv")->signal, 0);
    analysis_result_destroy(&r);
    plugin_set_destroy(&s);
}

static void test_hanging_plugin(void **state)
{
    const char *names[] = { "pht_loop", "pht_good" };
    plugin_limits_t lim = PLUGIN_LIMITS_INIT;
    lim.timeout_ms = 300;
    lim.parallel = 2; /* good finishes while loop runs into its deadline */
    plugin_set_t *s = set_of(names, 2, &lim);
    analysis_result_t *r = NULL;
    assert_int_equal(plugin_host_run(s, k_patch, strlen(k_patch), NULL, &r), 0);
    const analysis_plugin_status_t *st = status_of(r, "loop");
    assert_int_equal(st->status, PLUGIN_STATUS_TIMEOUT);
    const analysis_finding_t *f = find(r, "plugin_error", NULL);
    assert_non_null(f);
    assert_string_equal(f->plugin, "loop");
    assert_string_equal(f->message, "plugin 'loop' timed out after 300 ms and was killed");
    assert_int_equal(status_of(r, "good")->status, PLUGIN_STATUS_OK);
    assert_non_null(find(r, "test.secret", "config.txt"));
    analysis_result_destroy(&r);
    plugin_set_destroy(&s);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Runaway allocation hits RLIMIT_AS: malloc fails, the plugin aborts. Under
 * ASan the sanitizer's own out-of-memory path may spin instead of dying, so
 * there the CPU limit or the timeout ends it: plugin_error either way. */
static void test_runaway_allocation(void **state)
{
    const char *names[] = { "pht_alloc", "pht_good" };
    plugin_limits_t lim = PLUGIN_LIMITS_INIT;
    lim.memory_bytes = 64u << 20;
    lim.cpu_s = 2;
    lim.timeout_ms = 20000;
#ifdef UNDER_ASAN
    lim.timeout_ms = 5000; /* the sanitizer's OOM path tends to stall, not die */
#endif
    plugin_set_t *s = set_of(names, 2, &lim);
    analysis_result_t *r = NULL;
    assert_int_equal(plugin_host_run(s, k_patch, strlen(k_patch), NULL, &r), 0);
    const analysis_plugin_status_t *st = status_of(r, "alloc");
    const analysis_finding_t *f = find(r, "plugin_error", NULL);
    assert_non_null(f);
    assert_string_equal(f->plugin, "alloc");
#ifdef UNDER_ASAN
    assert_true(st->status == PLUGIN_STATUS_CRASHED || st->status == PLUGIN_STATUS_TIMEOUT
                || st->status == PLUGIN_STATUS_PROTOCOL);
#else
    assert_int_equal(st->status, PLUGIN_STATUS_CRASHED);
    assert_int_equal(st->signal, SIGABRT);
    assert_non_null(strstr(f->message, "plugin 'alloc' was killed by signal 6 (SIGABRT)"));
#endif
    assert_int_equal(status_of(r, "good")->status, PLUGIN_STATUS_OK);
    analysis_result_destroy(&r);
    plugin_set_destroy(&s);
}

/* After init the child runs under a seccomp filter: files, sockets, fork,
 * exec, executable mappings and stdout all fail with EPERM. */
static void test_seccomp(void **state)
{
    const char *names[] = { "pht_escape" };
    plugin_set_t *s = set_of(names, 1, NULL);
    analysis_result_t *r = NULL;
    char want[128];
    assert_int_equal(plugin_host_run(s, k_patch, strlen(k_patch), NULL, &r), 0);
    assert_int_equal(r->plugins[0].status, PLUGIN_STATUS_OK);
    const analysis_finding_t *f = find(r, "escape.result", NULL);
    assert_non_null(f);
    snprintf(want, sizeof want, "open=%d socket=%d fork=%d exec=%d mmapx=%d stdout=%d", EPERM, EPERM, EPERM,
             EPERM, EPERM, EPERM);
    assert_string_equal(f->message, want);
    analysis_result_destroy(&r);
    plugin_set_destroy(&s);
}

/* The host offers the patch no way to switch findings off: allowlist files
 * and inline "allow" markers added by the patch change nothing. */
static void test_no_allow_mechanism(void **state)
{
    static const char patch[] =
        "diff --git a/.airlock-allow b/.airlock-allow\n"
        "new file mode 100644\n"
        "index 0000000..1111111\n"
        "--- /dev/null\n"
        "+++ b/.airlock-allow\n"
        "@@ -0,0 +1,2 @@\n"
        "+test.secret\n"
        "+*\n"
        "diff --git a/.gitleaksignore b/.gitleaksignore\n"
        "new file mode 100644\n"
        "index 0000000..1111111\n"
        "--- /dev/null\n"
        "+++ b/.gitleaksignore\n"
        "@@ -0,0 +1 @@\n"
        "+app.env:test.secret:1\n"
        "diff --git a/app.env b/app.env\n"
        "new file mode 100644\n"
        "index 0000000..2222222\n"
        "--- /dev/null\n"
        "+++ b/app.env\n"
        "@@ -0,0 +1 @@\n"
        "+SECRET=hunter2hunter2 # airlock:allow test.secret  nosec  gitleaks:allow\n";
    const char *names[] = { "pht_good" };
    plugin_set_t *s = set_of(names, 1, NULL);
    analysis_result_t *r = NULL;
    assert_int_equal(plugin_host_run(s, patch, strlen(patch), NULL, &r), 0);
    assert_int_equal(r->n_files, 3);
    const analysis_finding_t *f = find(r, "test.secret", "app.env");
    assert_non_null(f);
    assert_int_equal(f->severity, AIRLOCK_SEV_HIGH);
    assert_int_equal(f->line, 1);
    assert_string_equal(f->evidence, "SECR********");
    analysis_result_destroy(&r);
    plugin_set_destroy(&s);
}

/* RLIMIT_CPU ends a spinning plugin even when the wall-clock bound is far. */
static void test_cpu_limit(void **state)
{
    const char *names[] = { "pht_loop" };
    plugin_limits_t lim = PLUGIN_LIMITS_INIT;
    lim.cpu_s = 1;
    lim.timeout_ms = 120000;
    plugin_set_t *s = set_of(names, 1, &lim);
    analysis_result_t *r = NULL;
    assert_int_equal(plugin_host_run(s, k_patch, strlen(k_patch), NULL, &r), 0);
    assert_int_equal(r->plugins[0].status, PLUGIN_STATUS_CRASHED);
    assert_int_equal(r->plugins[0].signal, SIGXCPU);
    const analysis_finding_t *f = find(r, "plugin_error", NULL);
    assert_non_null(f);
    assert_string_equal(f->message, "plugin 'loop' was killed by signal 24 (SIGXCPU): CPU limit");
    analysis_result_destroy(&r);
    plugin_set_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_findings_intact),
        cmocka_unit_test(test_broken_plugins),
        cmocka_unit_test(test_hanging_plugin),
        cmocka_unit_test(test_runaway_allocation),
        cmocka_unit_test(test_seccomp),
        cmocka_unit_test(test_no_allow_mechanism),
        cmocka_unit_test(test_cpu_limit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
