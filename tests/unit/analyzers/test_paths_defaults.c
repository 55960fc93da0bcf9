/*
 * test_paths_defaults.c: the `paths` analyzer's protected-path matcher
 * (plugins/paths/paths_match.c, which cannot link the job spec) agrees with
 * the job spec's default list (jobspec_default_protected, what worker/gitops
 * enforces): for every default glob, paths it matches - at the root, below a
 * directory for unanchored globs, inside "dir/ **" directories, and in other
 * letter case - are protected for the analyzer too (1 exact, 2 folded), and
 * ordinary paths are not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/jobspec/jobspec.h"
#include "paths.h"

/* Sample paths for one glob: its literal (with ** -> a/b.yml). */
static int samples(const char *glob, char out[4][512])
{
    char lit[400];
    const char *dstar = strstr(glob, "/**");
    int n = 0;
    if (dstar)
        snprintf(lit, sizeof lit, "%.*s/workflows/x.yml", (int)(dstar - glob), glob);
    else
        snprintf(lit, sizeof lit, "%s", glob);
    snprintf(out[n++], 512, "%s", lit);
    if (!strchr(glob, '/'))
        snprintf(out[n++], 512, "sub/dir/%s", lit); /* unanchored: any depth */
    snprintf(out[n], 512, "%s", lit);
    for (char *c = out[n]; *c; c++)
        *c = (*c >= 'a' && *c <= 'z') ? (char)(*c - 32) : (*c >= 'A' && *c <= 'Z') ? (char)(*c + 32) : *c;
    n++;
    return n;
}

static void test_defaults_agree(void **state)
{
    (void)state;
    size_t k = 0;
    for (; jobspec_default_protected[k]; k++) {
        char p[4][512];
        int n = samples(jobspec_default_protected[k], p);
        for (int i = 0; i < n; i++) {
            if (jobspec_glob_match(jobspec_default_protected[k], p[i]) != 1 && i < n - 1)
                fail_msg("sample %s does not match its own glob %s", p[i], jobspec_default_protected[k]);
            if (paths_protected(p[i]) == 0)
                fail_msg("%s (glob %s) is protected by the job spec, not by the paths analyzer", p[i],
                         jobspec_default_protected[k]);
        }
    }
    assert_true(k >= 40);
}

static void test_ordinary_paths(void **state)
{
    static const char *const plain[] = {"src/main.c", "README.md", "docs/ci.md", "Makefile",
                                        "github/x.yml", "tasks.json", "src/.vscode.c", "gitlab.py",
                                        "lib/Taskfile.go", "jenkins/README"};
    (void)state;
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (paths_protected(plain[i]) != 0)
            fail_msg("%s should not be protected", plain[i]);
    assert_int_equal(paths_protected(".vscode/tasks.json"), 1);
    assert_int_equal(paths_protected(".VSCode/Tasks.json"), 2);
    assert_int_equal(paths_protected("ci/Jenkinsfile"), 1);
    assert_int_equal(paths_protected("jenkinsfile"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_agree),
        cmocka_unit_test(test_ordinary_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
