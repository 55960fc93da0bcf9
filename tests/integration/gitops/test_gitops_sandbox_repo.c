/*
 * test_gitops_sandbox_repo.c: the `.git` a stage's sandbox gets
 * (gitops_sandbox_repo), checked with the real git CLI as a test suite would
 * use it: HEAD is the true base commit, the applied change is staged, `git
 * diff --exit-code` sees only later edits, tags at the base describe it, and
 * there is nothing else (no history, remotes, hooks, credentials).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/error.h"
#include "gitops_fixture.h"

#define GIT "git -c safe.directory='*'"

/* A workspace at base with `cmds` applied as a patch, exported to a fresh
 * directory next to a sandbox repository staging the applied tree. */
static gitops_workspace_t *applied(fx_t *fx, const char *base, const char *cmds, char *dir, size_t size)
{
    size_t len = 0;
    char *patch = fx_patch(fx, base, cmds, &len);
    gitops_workspace_t *ws = fx_ws(fx, base, 1);
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_apply_report_t *r = NULL;
    assert_int_equal(gitops_apply(ws, patch, len, &pol, &r), 0);
    gitops_apply_report_destroy(&r);
    free(patch);
    fx_dir(fx, dir, size, "sbx");
    assert_int_equal(gitops_export_tree(ws, gitops_workspace_tracked_tree(ws), dir), 0);
    assert_int_equal(gitops_sandbox_repo(ws, dir, gitops_workspace_tracked_tree(ws)), 0);
    return ws;
}

static void test_head_index_and_diff(void **state)
{
    fx_t *fx = *state;
    char dir[256];
    gitops_workspace_t *ws = applied(fx, fx->c2, "sed -i 's/two/TWO/' src/main.c && printf 'n\\n' > new.txt",
                                     dir, sizeof dir);
    char *head = fx_sh_out(NULL, "cd %s && " GIT " rev-parse HEAD", dir);
    assert_memory_equal(head, fx->c2, 40);
    free(head);
    /* The change is staged; the work tree equals the index. */
    char *st = fx_sh_out(NULL, "cd %s && " GIT " status --porcelain", dir);
    assert_string_equal(st, "A  new.txt\nM  src/main.c\n");
    free(st);
    fx_sh("cd %s && " GIT " diff --exit-code && " GIT " diff --cached --quiet; test $? = 1", dir);
    fx_sh("cd %s && " GIT " diff --cached src/main.c | grep -q '^+    puts(\"TWO\");'", dir);
    /* What the stage writes afterwards is what `git diff --exit-code` reports. */
    fx_sh("cd %s && echo more >> README.md && ! " GIT " diff --exit-code --quiet", dir);
    /* Only the base commit: shallow, no parents reachable, fsck clean. */
    char *log = fx_sh_out(NULL, "cd %s && " GIT " log --format=%%H | wc -l && cat .git/shallow", dir);
    char want[64];
    snprintf(want, sizeof want, "1\n%s\n", fx->c2);
    assert_string_equal(log, want);
    free(log);
    fx_sh("cd %s && " GIT " fsck --no-progress --no-dangling 2>&1", dir);
    gitops_workspace_destroy(&ws);
}

static void test_tags_and_nothing_else(void **state)
{
    fx_t *fx = *state;
    char dir[256];
    gitops_workspace_t *ws = applied(fx, fx->c1, "printf 'x\\n' > x.txt", dir, sizeof dir);
    char *d = fx_sh_out(NULL, "cd %s && " GIT " describe --tags", dir);
    assert_string_equal(d, "v1\n");
    free(d);
    /* No remotes, no hooks, no config beyond core, no shallow for a root commit. */
    char *cfg = fx_sh_out(NULL, "cd %s && " GIT " config --local --list | cut -d. -f1 | sort -u; "
                                "test -e .git/hooks && echo hooks; test -e .git/shallow && echo shallow; true",
                          dir);
    assert_string_equal(cfg, "core\n");
    free(cfg);
    /* A second stage gets a fresh one: an existing .git is refused, never reused. */
    assert_int_equal(gitops_sandbox_repo(ws, dir, gitops_workspace_tracked_tree(ws)), AL_EGIT);
    gitops_workspace_destroy(&ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head_index_and_diff),
        cmocka_unit_test(test_tags_and_nothing_else),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
