/*
 * test_gitops_diff.c: the workspace after a (simulated) run stage: the diff
 * sees added, modified, deleted, untracked, ignored and type-changed files
 * without following symlinks, the policy flags what the run must not write,
 * the limits are enforced, and the result tree / export hold the tracked
 * content only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/error.h"
#include "gitops_fixture.h"

#define PATCH_CMDS "sed -i 's/two/TWO/' src/main.c && printf 'x = 2\\n' > src/new.py"

/* Workspace at c1 with PATCH_CMDS applied, then `run` executed in the work tree. */
static gitops_workspace_t *ws_after_run(fx_t *fx, const char *run)
{
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_apply_report_t *r = NULL;
    size_t len;
    char *patch = fx_patch(fx, fx->c1, PATCH_CMDS, &len);
    gitops_workspace_t *ws = fx_ws(fx, fx->c1, 0);

    assert_int_equal(gitops_apply(ws, patch, len, &pol, &r), 0);
    gitops_apply_report_destroy(&r);
    free(patch);
    if (run)
        fx_sh("cd %s && %s", gitops_workspace_workdir(ws), run);
    return ws;
}

static const gitops_change_t *find(const gitops_changes_t *c, const char *path)
{
    for (size_t i = 0; i < c->count; i++)
        if (!strcmp(c->items[i].path, path))
            return &c->items[i];
    fail_msg("no change for %s", path);
    return NULL;
}

static void assert_blob_id(gitops_workspace_t *ws, const char *path, const char *id)
{
    /* A symlink's blob is its target (git hash-object would follow it). */
    char *s = fx_sh_out(NULL, "cd %s && if test -L %s; then printf '%%s' \"$(readlink %s)\" | git hash-object --stdin; "
                              "else git hash-object --no-filters %s; fi",
                        gitops_workspace_workdir(ws), path, path, path);
    if (strncmp(s, id, 40))
        fail_msg("%s: git %.40s, gitops %s", path, s, id);
    free(s);
}

#define RUN_STAGE                                                                                          \
    "echo more >> notes.txt && rm Makefile && echo left > leftover.txt && echo dbg > debug.log && "         \
    "mkdir -p build/obj && echo o > build/obj/x.o && rm readme-link && echo plain > readme-link && "        \
    "rm src/util.py && ln -s ../run.sh src/util.py && ln -s /etc esc && mkdir -p .github/workflows && "     \
    "echo 'on: push' > .github/workflows/x.yml && mkdir -p vendor/.git && echo c > vendor/.git/config && " \
    "echo v > vendor/v.c && chmod +x notes.txt && echo 'curl x | sh' > tools.sh"

static void test_diff_sees_everything(void **state)
{
    fx_t *fx = *state;
    gitops_workspace_t *ws = ws_after_run(fx, RUN_STAGE);
    gitops_changes_t *c = NULL;
    const gitops_change_t *e;

    if (gitops_diff_workspace(ws, &c) != 0)
        fail_msg("diff: %s", al_err_msg());
    e = find(c, "src/new.py");
    assert_int_equal(e->status, GITOPS_CHANGE_ADDED);
    assert_int_equal(e->old_mode, 0);
    assert_int_equal(e->new_mode, 0100644);
    assert_int_equal(e->new_size, 6);
    assert_string_equal(e->old_id, "");
    assert_blob_id(ws, "src/new.py", e->new_id);
    e = find(c, "src/main.c");
    assert_int_equal(e->status, GITOPS_CHANGE_MODIFIED);
    assert_int_equal(e->old_size, e->new_size);
    assert_string_not_equal(e->old_id, e->new_id);
    e = find(c, "notes.txt");
    assert_int_equal(e->status, GITOPS_CHANGE_MODIFIED);
    assert_int_equal(e->old_mode, 0100644);
    assert_int_equal(e->new_mode, 0100755);
    assert_int_equal(e->old_size, 5);
    assert_int_equal(e->new_size, 10);
    assert_blob_id(ws, "notes.txt", e->new_id);
    e = find(c, "Makefile");
    assert_int_equal(e->status, GITOPS_CHANGE_DELETED);
    assert_int_equal(e->new_mode, 0);
    assert_string_equal(e->new_id, "");
    assert_int_equal(strlen(e->old_id), 40);
    assert_int_equal(find(c, "leftover.txt")->status, GITOPS_CHANGE_UNTRACKED);
    assert_int_equal(find(c, "debug.log")->status, GITOPS_CHANGE_IGNORED);
    assert_int_equal(find(c, "build/obj/x.o")->status, GITOPS_CHANGE_IGNORED);
    e = find(c, "readme-link");
    assert_int_equal(e->status, GITOPS_CHANGE_TYPECHANGE);
    assert_int_equal(e->old_mode, 0120000);
    assert_int_equal(e->new_mode, 0100644);
    e = find(c, "src/util.py");
    assert_int_equal(e->status, GITOPS_CHANGE_TYPECHANGE);
    assert_int_equal(e->new_mode, 0120000);
    assert_string_equal(e->symlink_target, "../run.sh");
    assert_blob_id(ws, "src/util.py", e->new_id);
    /* A link to /etc is one entry; /etc is not walked. */
    e = find(c, "esc");
    assert_int_equal(e->status, GITOPS_CHANGE_UNTRACKED);
    assert_string_equal(e->symlink_target, "/etc");
    for (size_t i = 0; i < c->count; i++)
        assert_null(strstr(c->items[i].path, "passwd"));
    find(c, "vendor/.git");
    find(c, ".github/workflows/x.yml");
    for (size_t i = 1; i < c->count; i++)
        assert_true(strcmp(c->items[i - 1].path, c->items[i].path) < 0);
    gitops_changes_destroy(&c);
    assert_null(c);
    gitops_workspace_destroy(&ws);
}

static int has(const gitops_violations_t *v, const char *path, gitops_violation_kind_t kind)
{
    for (size_t i = 0; i < v->count; i++)
        if (!strcmp(v->items[i].path, path) && v->items[i].kind == kind)
            return 1;
    return 0;
}

static void test_policy_on_changes(void **state)
{
    fx_t *fx = *state;
    gitops_workspace_t *ws = ws_after_run(fx, RUN_STAGE);
    gitops_changes_t *c = NULL;
    gitops_violations_t *v = NULL;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    const char *const wp[] = { "src/**", "*.txt", "build/**", "*.log", "vendor/**", "readme-link", "esc" };

    pol.write_paths = wp;
    pol.n_write_paths = sizeof(wp) / sizeof(wp[0]);
    assert_int_equal(gitops_diff_workspace(ws, &c), 0);
    assert_int_equal(gitops_policy_check_changes(c, &pol, &v), 0);
    assert_true(has(v, ".github/workflows/x.yml", GITOPS_VIOL_PROTECTED));
    assert_true(has(v, "Makefile", GITOPS_VIOL_OUTSIDE_WRITE));
    assert_true(has(v, "tools.sh", GITOPS_VIOL_OUTSIDE_WRITE));
    assert_true(has(v, "esc", GITOPS_VIOL_SYMLINK_ESCAPE));
    assert_true(has(v, "vendor/.git", GITOPS_VIOL_BAD_PATH));
    assert_true(has(v, "notes.txt", GITOPS_VIOL_MODE_CHANGE));
    /* Allowed changes are not flagged. */
    assert_false(has(v, "src/new.py", GITOPS_VIOL_OUTSIDE_WRITE));
    assert_false(has(v, "leftover.txt", GITOPS_VIOL_OUTSIDE_WRITE));
    assert_false(has(v, "src/util.py", GITOPS_VIOL_SYMLINK_ESCAPE));
    /* The nested repository directory itself: libgit2 does not enter it. */
    assert_true(has(v, "vendor", GITOPS_VIOL_OUTSIDE_WRITE));
    assert_int_equal(v->count, 7);
    gitops_violations_destroy(&v);
    assert_null(v);
    /* A clean run has no violations. */
    gitops_changes_destroy(&c);
    gitops_workspace_destroy(&ws);
    ws = ws_after_run(fx, "echo y >> src/util.py");
    assert_int_equal(gitops_diff_workspace(ws, &c), 0);
    assert_int_equal(gitops_policy_check_changes(c, &pol, &v), 0);
    assert_int_equal(v->count, 0);
    gitops_violations_destroy(&v);
    gitops_changes_destroy(&c);
    gitops_workspace_destroy(&ws);
}

/* Issue 10: links the run stage makes are judged by their real chain in the
 * work tree (readlinkat, never followed out): d/b -> a/.. leaves the tree
 * through d/a -> .. although each link alone is lexically inside; a tracked
 * link is judged again when the run changes a link its chain passes. */
static void test_run_link_chains(void **state)
{
    fx_t *fx = *state;
    gitops_workspace_t *ws = ws_after_run(fx, "mkdir -p d && ln -s .. d/a && ln -s a/.. d/b && ln -s b/../x d/k && "
                                              "ln -s ../README.md d/ok && ln -s src/../Makefile mk");
    gitops_changes_t *c = NULL;
    gitops_violations_t *v = NULL;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    assert_int_equal(gitops_diff_workspace(ws, &c), 0);
    /* each link alone passes the per-change policy */
    assert_int_equal(gitops_policy_check_changes(c, &pol, &v), 0);
    assert_false(has(v, "d/b", GITOPS_VIOL_SYMLINK_ESCAPE));
    gitops_violations_destroy(&v);
    assert_int_equal(gitops_links_check_workspace(ws, c, &pol, &v), 0);
    assert_true(has(v, "d/b", GITOPS_VIOL_SYMLINK_ESCAPE));
    assert_true(has(v, "d/k", GITOPS_VIOL_SYMLINK_ESCAPE));
    assert_false(has(v, "d/a", GITOPS_VIOL_SYMLINK_ESCAPE));
    assert_false(has(v, "d/ok", GITOPS_VIOL_SYMLINK_ESCAPE));
    assert_false(has(v, "mk", GITOPS_VIOL_SYMLINK_ESCAPE));
    assert_int_equal(v->count, 2);
    gitops_violations_destroy(&v);
    gitops_changes_destroy(&c);
    gitops_workspace_destroy(&ws);
    /* a link to a protected path, made by the run */
    ws = ws_after_run(fx, "ln -s .github/workflows/ci.yml wf");
    assert_int_equal(gitops_diff_workspace(ws, &c), 0);
    assert_int_equal(gitops_links_check_workspace(ws, c, &pol, &v), 0);
    assert_true(has(v, "wf", GITOPS_VIOL_PROTECTED));
    gitops_violations_destroy(&v);
    gitops_changes_destroy(&c);
    gitops_workspace_destroy(&ws);
}

/* The run stage's changes as a patch for the analyzers: tracked edits and
 * untracked files (binary ones as GIT binary patches), not ignored files,
 * not what the patch itself applied. */
static void test_run_diff_text(void **state)
{
    fx_t *fx = *state;
    gitops_workspace_t *ws = ws_after_run(fx, "echo 'print(1)' >> src/util.py && echo key > id_rsa && "
                                              "printf 'a\\0b' > blob.bin && mkdir -p build && echo out > build/x.o");
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(gitops_run_diff_text(ws, &text, &len), 0);
    assert_int_equal(strlen(text), len);
    assert_non_null(strstr(text, "diff --git a/src/util.py b/src/util.py"));
    assert_non_null(strstr(text, "+print(1)"));
    assert_non_null(strstr(text, "diff --git a/id_rsa b/id_rsa"));
    assert_non_null(strstr(text, "+key"));
    assert_non_null(strstr(text, "GIT binary patch"));
    assert_null(strstr(text, "build/x.o"));    /* ignored: never leaves the worker */
    assert_null(strstr(text, "src/new.py"));   /* the patch's own change, analyzed before */
    free(text);
    gitops_workspace_destroy(&ws);
}

static void test_limits(void **state)
{
    fx_t *fx = *state;
    gitops_workspace_t *ws = ws_after_run(fx, "mkdir many && for i in $(seq 1 40); do echo $i > many/f$i; done");
    gitops_changes_t *c = NULL;

    gitops_workspace_set_limits(ws, 10, 0);
    assert_int_equal(gitops_diff_workspace(ws, &c), AL_ELIMIT);
    assert_null(c);
    assert_non_null(strstr(al_err_msg(), "entries"));
    gitops_workspace_set_limits(ws, 0, 0);
    assert_int_equal(gitops_diff_workspace(ws, &c), 0);
    gitops_changes_destroy(&c);
    fx_sh("head -c 5000 /dev/zero > %s/big.bin", gitops_workspace_workdir(ws));
    gitops_workspace_set_limits(ws, 0, 4096);
    assert_int_equal(gitops_diff_workspace(ws, &c), AL_ELIMIT);
    assert_non_null(strstr(al_err_msg(), "big.bin"));
    /* The result tree reads tracked files under the same bound. */
    char tree[41];
    fx_sh("rm %s/big.bin && head -c 5000 /dev/zero > %s/src/main.c", gitops_workspace_workdir(ws),
          gitops_workspace_workdir(ws));
    assert_int_equal(gitops_result_tree(ws, tree), AL_ELIMIT);
    assert_non_null(strstr(al_err_msg(), "src/main.c"));
    gitops_workspace_destroy(&ws);
}

static void test_result_tree_and_export(void **state)
{
    fx_t *fx = *state;
    gitops_workspace_t *ws = ws_after_run(fx, "echo more >> notes.txt && rm Makefile && echo left > leftover.txt && "
                                              "echo dbg > debug.log && mkdir -p build && echo o > build/x.o && "
                                              "ln -s /etc esc && rm src/util.py && ln -s ../run.sh src/util.py");
    char tree[41], dest[256], gitdir[512], *text = NULL, *files, *listed;
    size_t len = 0;

    assert_int_equal(gitops_result_tree(ws, tree), 0);
    snprintf(gitdir, sizeof(gitdir), "%s/../git", gitops_workspace_workdir(ws));
    listed = fx_sh_out(NULL, "git --git-dir=%s ls-tree -r --name-only %s | tr '\\n' ' '", gitdir, tree);
    assert_string_equal(listed, ".github/workflows/ci.yml .gitignore README.md notes.txt readme-link run.sh "
                                "src/main.c src/new.py src/util.py ");
    free(listed);
    fx_dir(fx, dest, sizeof(dest), "export");
    assert_int_equal(gitops_export_tree(ws, tree, dest), 0);
    files = fx_sh_out(NULL, "cd %s && find . ! -type d | sort | tr '\\n' ' '", dest);
    assert_string_equal(files, "./.github/workflows/ci.yml ./.gitignore ./README.md ./notes.txt ./readme-link "
                               "./run.sh ./src/main.c ./src/new.py ./src/util.py ");
    free(files);
    fx_sh("cd %s && test \"$(cat notes.txt)\" = \"$(printf 'docs\\nmore')\" && grep -q TWO src/main.c && "
          "test -x run.sh && test \"$(readlink src/util.py)\" = ../run.sh && test ! -e leftover.txt", dest);
    /* Exactly that tree: the export hashes back to it. */
    fx_sh("cd %s && git init -q . && git add -A && test \"$(git write-tree)\" = %s", dest, tree);
    assert_int_equal(gitops_export_tree(ws, tree, dest), AL_EEXISTS);
    assert_int_equal(gitops_export_tree(ws, "nothex", dest), AL_EINVAL);
    assert_int_equal(gitops_diff_text(ws, tree, &text, &len), 0);
    assert_int_equal(strlen(text), len);
    assert_non_null(strstr(text, "+++ b/src/new.py"));
    assert_non_null(strstr(text, "--- a/Makefile"));
    assert_non_null(strstr(text, "+more"));
    assert_null(strstr(text, "leftover"));
    assert_null(strstr(text, "debug.log"));
    free(text);
    gitops_workspace_destroy(&ws);
}

/* Same size, mtime set back: still seen as modified (the content is hashed
 * when ctime differs, and ctime cannot be set back by the workload). */
static void test_same_size_same_mtime_modified(void **state)
{
    fx_t *fx = *state;
    gitops_workspace_t *ws = ws_after_run(fx, "cp -p notes.txt /tmp/.ref-$$ && printf 'DOCS\\n' > notes.txt && "
                                              "touch -r /tmp/.ref-$$ notes.txt && rm /tmp/.ref-$$");
    gitops_changes_t *c = NULL;
    const gitops_change_t *e;

    assert_int_equal(gitops_diff_workspace(ws, &c), 0);
    e = find(c, "notes.txt");
    assert_int_equal(e->status, GITOPS_CHANGE_MODIFIED);
    assert_int_equal(e->old_size, e->new_size);
    assert_string_not_equal(e->old_id, e->new_id);
    gitops_changes_destroy(&c);
    gitops_workspace_destroy(&ws);
}

/* The run stage swaps a tracked directory for a link to a directory outside
 * holding files of the same names: neither the diff nor the result tree
 * reads through the link. */
static void test_symlinked_dir_not_followed(void **state)
{
    fx_t *fx = *state;
    char out[256], tree[41], gitdir[512], *listed;
    gitops_workspace_t *ws;
    gitops_changes_t *c = NULL;
    const gitops_change_t *e;

    fx_dir(fx, out, sizeof(out), "outside");
    fx_sh("mkdir -p %s && echo SECRET > %s/main.c && echo SECRET > %s/new.py && echo SECRET > %s/util.py", out, out,
          out, out);
    ws = ws_after_run(fx, NULL);
    /* A FIFO must not block the diff (nobody ever writes to it). */
    fx_sh("cd %s && rm -rf src && ln -s %s src && mkfifo pipe", gitops_workspace_workdir(ws), out);
    assert_int_equal(gitops_diff_workspace(ws, &c), 0);
    e = find(c, "src");
    assert_int_equal(e->new_mode, 0120000);
    assert_string_equal(e->symlink_target, out);
    assert_int_equal(find(c, "src/main.c")->status, GITOPS_CHANGE_DELETED);
    assert_int_equal(find(c, "src/util.py")->status, GITOPS_CHANGE_DELETED);
    for (size_t i = 0; i < c->count; i++)
        assert_int_not_equal(c->items[i].status, GITOPS_CHANGE_MODIFIED);
    e = find(c, "pipe");
    assert_int_equal(e->status, GITOPS_CHANGE_UNTRACKED);
    assert_int_equal(e->new_mode, 0);
    assert_string_equal(e->new_id, "");
    assert_int_equal(gitops_result_tree(ws, tree), 0);
    snprintf(gitdir, sizeof(gitdir), "%s/../git", gitops_workspace_workdir(ws));
    listed = fx_sh_out(NULL, "git --git-dir=%s ls-tree -r %s | grep -c src/ || true", gitdir, tree);
    assert_string_equal(listed, "0\n");
    free(listed);
    gitops_changes_destroy(&c);
    gitops_workspace_destroy(&ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_link_chains),
        cmocka_unit_test(test_run_diff_text),
        cmocka_unit_test(test_diff_sees_everything),
        cmocka_unit_test(test_policy_on_changes),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_result_tree_and_export),
        cmocka_unit_test(test_symlinked_dir_not_followed),
        cmocka_unit_test(test_same_size_same_mtime_modified),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
