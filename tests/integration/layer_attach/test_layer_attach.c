/*
 * test_layer_attach.c: a layered workspace (gitops, an overlay over a shared
 * base tree) attached to a real sandbox of LAYER_DRIVER (ns or gvisor, one
 * test each: test_ns_layer, test_gvisor_layer) as its /workspace: the workload edits,
 * deletes and replaces base files as its own unprivileged user, its writes
 * land in the upper layer only, the workspace diff sees exactly them, the base
 * tree (and another task on the same base) is untouched, and the sandbox's
 * own repository works inside and never reaches the diff. That repository
 * reads the base's objects from the base cache's one pack (a lower layer):
 * the stage adds a second, small pack, never a copy of the base.
 * Runs as root with overlayfs and the driver; skips with a message otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "layer_fixture.h"
#include "sb_run.h"
#include "worker/gitops/gitops.h"
#include "worker/sandbox/sandbox.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LAYER_DRIVER
#error "LAYER_DRIVER names the sandbox driver (CMakeLists.txt)"
#endif

static char s_root[] = "/tmp/airlock-layer-XXXXXX";

static gitops_workspace_t *s_ws(const char *name)
{
    gitops_workspace_t *ws = layer_fixture_ws(LAYER_DRIVER, s_root, name, 16);
    if (!ws)
        fail_msg("layered workspace: %s", al_err_msg());
    return ws;
}

static const gitops_change_t *s_find(const gitops_changes_t *c, const char *path)
{
    for (size_t i = 0; i < c->count; i++)
        if (!strcmp(c->items[i].path, path))
            return &c->items[i];
    fail_msg("no change for %s", path);
    return NULL;
}

static void test_workload_writes_into_the_layer(void **state)
{
    (void)state;
    gitops_workspace_t *ws = s_ws("t1"), *other = s_ws("t2");
    const char *work = gitops_workspace_workdir(ws);
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = LAYER_DRIVER;
    spec.task_id = "test-" LAYER_DRIVER "-layer";
    spec.limits.memory_mb = 128;
    spec.limits.disk_mb = 16;
    sandbox_t *sb = NULL;
    if (sandbox_create(&sb, &spec) != 0)
        fail_msg("sandbox_create: %s", al_err_msg());
    assert_int_equal(gitops_sandbox_repo(ws, work, gitops_workspace_tracked_tree(ws)), 0);
    if (sandbox_workspace_attach(sb, work) != 0)
        fail_msg("attach: %s", al_err_msg());
    sb_run_t r;
    sb_run_sh(sb, &r, "id -u; sed -i s/one/ONE/ a.txt && rm lib/gone.c && rm b.txt && mkdir b.txt && "
                      "echo in > b.txt/x && echo new > new.txt && git status --porcelain | sort && "
                      "git count-objects -v | grep '^packs:' && git cat-file -p HEAD:lib/gone.c", 20000, NULL);
    if (r.rc != 0)
        fail_msg("workload: rc=%d out=%s err=%s", r.rc, r.out, r.err);
    /* the workload's uid, and git inside sees base + the stage's edits */
    assert_non_null(strstr(r.out, "1000\n"));
    assert_non_null(strstr(r.out, " D lib/gone.c\n"));
    assert_non_null(strstr(r.out, " M a.txt\n"));
    assert_non_null(strstr(r.out, "?? new.txt\n"));
    /* two packs: the base pack + the stage's; a base blob read from the base pack */
    assert_non_null(strstr(r.out, "packs: 2\ng\n"));
    sb_run_free(&r);
    sb_run_sh(sb, &r, "git add a.txt && git -c user.email=a@example.org -c user.name=a commit -qm local && "
                      "test \"$(git log --format=%H | wc -l)\" = 2", 20000, NULL);
    if (r.rc != 0 || !r.res.exited || r.res.exit_code != 0)
        fail_msg("git commit in the layer: exit %d out=%s err=%s", r.res.exit_code, r.out, r.err);
    sb_run_free(&r);
    sandbox_destroy(&sb);
    char dotgit[256];
    snprintf(dotgit, sizeof dotgit, "%s/.git", work);
    assert_int_equal(gitops_dir_remove(dotgit), 0);   /* as stage_exec does after the stage */

    gitops_changes_t *c = NULL;
    if (gitops_diff_workspace(ws, &c) != 0)
        fail_msg("diff: %s", al_err_msg());
    assert_int_equal(c->count, 5);   /* a.txt, b.txt (deleted), b.txt/x, lib/gone.c, new.txt */
    assert_int_equal(s_find(c, "a.txt")->status, GITOPS_CHANGE_MODIFIED);
    assert_int_equal(s_find(c, "lib/gone.c")->status, GITOPS_CHANGE_DELETED);
    assert_int_equal(s_find(c, "new.txt")->status, GITOPS_CHANGE_UNTRACKED);
    gitops_changes_destroy(&c);
    /* the other task on the same base sees the base, the base tree is intact */
    assert_int_equal(layer_fixture_sh("grep -qx one %s/t2/work/a.txt && test -f %s/t2/work/lib/gone.c && "
                                      "grep -qx one %s/bases/*/tree/a.txt", s_root), 0);
    gitops_workspace_destroy(&ws);
    gitops_workspace_destroy(&other);
}

int main(void)
{
    if (geteuid() != 0 || !sandbox_driver_available(LAYER_DRIVER)) {
        fprintf(stderr, "SKIP: needs root and the " LAYER_DRIVER " driver (%s)\n", al_err_msg());
        return 77;
    }
    if (layer_fixture_init(s_root, "printf 'one\\n' > a.txt && printf 'b\\n' > b.txt && "
                                   "mkdir lib && echo g > lib/gone.c") != 0) {
        fprintf(stderr, "test_" LAYER_DRIVER "_layer: %s\n", al_err_msg());
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workload_writes_into_the_layer),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    return layer_fixture_remove(s_root) == 0 ? rc : 1;
}
