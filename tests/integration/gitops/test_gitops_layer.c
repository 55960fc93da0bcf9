/*
 * test_gitops_layer.c: a layered workspace (overlay over a shared base tree,
 * layer.c) gives the same answers as a plain one. Each case applies the same
 * patch to both, runs the same shell commands in both work trees, and
 * compares everything the pipeline reads: the workspace diff (every field of
 * every change), the policy over it, the run diff for the analyzers, the
 * result tree, the exported test tree (content, types and modes) and the
 * result diff text. Cases cover deletions, renames, mode changes, a file
 * replaced by a directory and back, whole directories removed and remade
 * (opaque directories), nested repositories, FIFOs, and a run that changes
 * nothing. Also: the base tree is shared (checked out once) and never written.
 *
 * Needs root and overlayfs (mounts); otherwise exits 77.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/error.h"
#include "gitops_fixture.h"

typedef struct {
    gitops_workspace_t *ws;
    char dir[256];
} side_t;

static gitops_workspace_t *layered_ws(fx_t *fx, const char *base, char *dir, size_t size)
{
    gitops_source_t src = GITOPS_SOURCE_INIT;
    gitops_layer_opts_t lo = GITOPS_LAYER_OPTS_INIT;
    gitops_workspace_t *ws = NULL;
    char bases[256];

    fx_dir(fx, dir, size, "lws");
    snprintf(bases, sizeof bases, "%s/bases", fx->root);
    src.url = fx->src;
    src.base = base;
    src.cache_dir = fx->cache;
    src.task_id = "test";
    lo.bases_dir = bases;
    lo.upper_mb = 64;
    lo.owner_uid = 0;
    lo.owner_gid = 0;
    if (gitops_workspace_new_layered(&ws, &src, dir, &lo) != 0)
        fail_msg("gitops_workspace_new_layered: %s", al_err_msg());
    assert_true(gitops_workspace_layered(ws));
    return ws;
}

static void apply(gitops_workspace_t *ws, const char *patch, size_t len)
{
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_apply_report_t *r = NULL;
    pol.allow_mode_change = 1;
    if (gitops_apply(ws, patch, len, &pol, &r) != 0)
        fail_msg("apply: %s", al_err_msg());
    gitops_apply_report_destroy(&r);
}

static void assert_changes_equal(const gitops_changes_t *a, const gitops_changes_t *b)
{
    for (size_t i = 0; i < a->count && i < b->count; i++) {
        const gitops_change_t *x = &a->items[i], *y = &b->items[i];
        if (strcmp(x->path, y->path) || x->status != y->status || x->old_mode != y->old_mode ||
            x->new_mode != y->new_mode || x->old_size != y->old_size || x->new_size != y->new_size ||
            strcmp(x->old_id, y->old_id) || strcmp(x->new_id, y->new_id) ||
            !x->symlink_target != !y->symlink_target ||
            (x->symlink_target && strcmp(x->symlink_target, y->symlink_target)))
            fail_msg("change %zu: plain %s %s %o->%o %s | layered %s %s %o->%o %s", i, x->path,
                     gitops_change_status_name(x->status), x->old_mode, x->new_mode, x->new_id, y->path,
                     gitops_change_status_name(y->status), y->old_mode, y->new_mode, y->new_id);
    }
    if (a->count != b->count)
        fail_msg("plain has %zu changes, layered %zu", a->count, b->count);
}

static char *run_diff(gitops_workspace_t *ws)
{
    char *text = NULL;
    size_t len = 0;
    if (gitops_run_diff_text(ws, &text, &len) != 0)
        fail_msg("run diff: %s", al_err_msg());
    assert_int_equal(strlen(text), len);
    return text;
}

/* Files, types, modes and content of two exported trees agree. */
static void assert_trees_equal(const char *a, const char *b)
{
    const char *list = "cd %s && find . -mindepth 1 -printf '%%P %%y %%m %%l\\n' | LC_ALL=C sort";
    char *la = fx_sh_out(NULL, list, a), *lb = fx_sh_out(NULL, list, b);
    if (strcmp(la, lb))
        fail_msg("exported trees differ:\nplain:\n%s\nlayered:\n%s", la, lb);
    free(la);
    free(lb);
    fx_sh("diff -r --no-dereference %s %s", a, b);
}

/* A layered tree's `.git` (the sandbox repository's place) holds the base
 * pack from the lower layer and nothing else; then it goes, as after a stage
 * (stage_exec.c), and the rest must equal the plain tree. */
static void assert_only_base_pack(const char *dir)
{
    char *g = fx_sh_out(NULL, "cd %s/.git && find . -mindepth 1 -printf '%%P %%y\\n' | LC_ALL=C sort | "
                              "sed 's/pack-[0-9a-f]*[.]/pack-X./'", dir);
    assert_string_equal(g, "objects d\nobjects/pack d\nobjects/pack/pack-X.idx f\nobjects/pack/pack-X.pack f\n");
    free(g);
    char dotgit[512];
    snprintf(dotgit, sizeof dotgit, "%s/.git", dir);
    assert_int_equal(gitops_dir_remove(dotgit), 0);
}

/* Both workspaces after patch + run; compares every answer. Returns the
 * number of workspace changes. */
static size_t compare(fx_t *fx, const char *patch_cmds, const char *run)
{
    size_t len = 0;
    char *patch = patch_cmds ? fx_patch(fx, fx->c1, patch_cmds, &len) : NULL;
    gitops_workspace_t *plain = fx_ws(fx, fx->c1, 1);
    char ldir[256], ea[300], eb[300], ta[41], tb[41];
    gitops_workspace_t *lay = layered_ws(fx, fx->c1, ldir, sizeof ldir);
    gitops_changes_t *ca = NULL, *cb = NULL;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_violations_t *va = NULL, *vb = NULL;

    apply(plain, patch ? patch : "", len);
    apply(lay, patch ? patch : "", len);
    if (run) {
        fx_sh("cd %s && %s", gitops_workspace_workdir(plain), run);
        fx_sh("cd %s && %s", gitops_workspace_workdir(lay), run);
    }
    if (gitops_diff_workspace(plain, &ca) != 0 || gitops_diff_workspace(lay, &cb) != 0)
        fail_msg("diff: %s", al_err_msg());
    assert_changes_equal(ca, cb);
    assert_int_equal(gitops_policy_check_changes(ca, &pol, &va), 0);
    assert_int_equal(gitops_policy_check_changes(cb, &pol, &vb), 0);
    assert_int_equal(va->count, vb->count);
    char *ra = run_diff(plain), *rb = run_diff(lay);
    assert_string_equal(ra, rb);
    assert_int_equal(gitops_result_tree(plain, ta), 0);
    if (gitops_result_tree(lay, tb) != 0)
        fail_msg("layered result tree: %s", al_err_msg());
    assert_string_equal(ta, tb);
    fx_dir(fx, ea, sizeof ea, "export");
    fx_dir(fx, eb, sizeof eb, "export");
    assert_int_equal(gitops_export_tree(plain, ta, ea), 0);
    if (gitops_export_tree(lay, tb, eb) != 0)
        fail_msg("layered export: %s", al_err_msg());
    assert_only_base_pack(eb);
    assert_trees_equal(ea, eb);
    char *da = NULL, *db = NULL;
    assert_int_equal(gitops_diff_text(plain, ta, &da, NULL), 0);
    assert_int_equal(gitops_diff_text(lay, tb, &db, NULL), 0);
    assert_string_equal(da, db);
    size_t n = ca->count;
    free(da), free(db), free(ra), free(rb), free(patch);
    gitops_violations_destroy(&va);
    gitops_violations_destroy(&vb);
    gitops_changes_destroy(&ca);
    gitops_changes_destroy(&cb);
    gitops_workspace_destroy(&plain);
    gitops_workspace_destroy(&lay);   /* unmounts: the directory is plain again */
    assert_int_equal(gitops_dir_remove(ldir), 0);
    return n;
}

#define PATCH_BASIC "sed -i 's/two/TWO/' src/main.c && printf 'x = 2\\n' > src/new.py"

static void test_layer_run_stage_mix(void **state)
{
    /* test_gitops_diff.c's run stage: appends, deletions, ignored and
     * untracked files, link <-> file, escaping link, nested .git, chmod. */
    size_t n = compare(*state, PATCH_BASIC,
                       "echo more >> notes.txt && rm Makefile && echo left > leftover.txt && echo dbg > debug.log && "
                       "mkdir -p build/obj && echo o > build/obj/x.o && rm readme-link && echo plain > readme-link && "
                       "rm src/util.py && ln -s ../run.sh src/util.py && ln -s /etc esc && "
                       "echo 'on: pull' > .github/workflows/x.yml && mkdir -p vendor/.git && "
                       "echo c > vendor/.git/config && echo v > vendor/v.c && chmod +x notes.txt");
    assert_true(n >= 10);
}

static void test_layer_patch_renames_deletes_modes(void **state)
{
    /* The patch itself renames, deletes, changes a mode and replaces a file
     * by a directory: the apply step writes these into the upper layer. */
    size_t n = compare(*state,
                       "git mv src/util.py src/helpers.py && git rm -q notes.txt && chmod -x run.sh && "
                       "git rm -q Makefile && mkdir Makefile && echo 'all:' > Makefile/rules.mk && "
                       "git rm -q readme-link && ln -s src/main.c readme-link",
                       NULL);
    assert_true(n >= 6);
}

static void test_layer_run_dirs_replaced(void **state)
{
    /* Whole directories removed and made again (opaque directories), a
     * directory turned into a file and a file into a directory, a rename by
     * the run, a FIFO, a file deleted and written back identical. */
    size_t n = compare(*state, PATCH_BASIC,
                       "rm -rf .github && mkdir -p .github/other && echo y > .github/other/a.yml && "
                       "rm -rf src && echo 'not a dir' > src && "
                       "rm README.md && mkdir README.md && echo inside > README.md/x && "
                       "mv run.sh run2.sh && mkfifo pipe && "
                       "cp .gitignore /tmp/gi.$$ && rm .gitignore && cp /tmp/gi.$$ .gitignore && rm /tmp/gi.$$");
    assert_true(n >= 8);
}

static void test_layer_run_changes_nothing(void **state)
{
    /* Touched but equal (a copy-up with the same content and mode), and a
     * file made and removed again: no change at all, result = applied tree. */
    size_t n = compare(*state, PATCH_BASIC, "touch README.md && chmod 644 README.md && echo t > tmp && rm tmp");
    assert_int_equal(n, 2);
    assert_int_equal(compare(*state, NULL, NULL), 0);
}

/* A sparse file takes no room in the upper tmpfs (64 MiB here) but its every
 * byte in the result, and on microvm's disk: the diff refuses files that
 * hold more than the layer's size in all, as a limit (resource_exceeded). */
static void test_layer_sparse_files_over_the_disk_refused(void **state)
{
    fx_t *fx = *state;
    char ldir[256];
    gitops_workspace_t *lay = layered_ws(fx, fx->c1, ldir, sizeof ldir);
    apply(lay, "", 0);
    fx_sh("cd %s && truncate -s 40M a.bin && truncate -s 40M b.bin", gitops_workspace_workdir(lay));
    gitops_changes_t *c = NULL;
    int rc = gitops_diff_workspace(lay, &c);
    if (rc != AL_ELIMIT || !strstr(al_err_msg(), ".bin"))
        fail_msg("expected AL_ELIMIT naming a file, got %s '%s'", al_err_name(rc), al_err_msg());
    gitops_changes_destroy(&c);
    gitops_workspace_destroy(&lay);
    assert_int_equal(gitops_dir_remove(ldir), 0);
}

static void test_layer_base_shared_and_untouched(void **state)
{
    fx_t *fx = *state;
    char d1[256], d2[256], bases[300];
    gitops_workspace_t *a = layered_ws(fx, fx->c1, d1, sizeof d1);
    gitops_workspace_t *b = layered_ws(fx, fx->c1, d2, sizeof d2);

    fx_sh("cd %s && echo changed > README.md && rm -rf src && mkdir src", gitops_workspace_workdir(a));
    /* b still sees the base; the base cache holds one entry, unchanged */
    char *rd = fx_sh_out(NULL, "cat %s/README.md && ls %s/src", gitops_workspace_workdir(b), gitops_workspace_workdir(b));
    assert_string_equal(rd, "hello\nmain.c\nutil.py\n");
    free(rd);
    snprintf(bases, sizeof bases, "%s/bases", fx->root);
    char *ls = fx_sh_out(NULL, "ls %s | grep -v lock | wc -l && cat %s/*/tree/README.md", bases, bases);
    assert_string_equal(ls, "1\nhello\n");
    free(ls);
    gitops_workspace_destroy(&a);
    gitops_workspace_destroy(&b);
    assert_int_equal(gitops_dir_remove(d1), 0);
    assert_int_equal(gitops_dir_remove(d2), 0);
}

/* Objects in the pack files of dir/.git/objects/pack (`git show-index`). */
static long pack_objects(const char *pack_dir)
{
    char *n = fx_sh_out(NULL, "cat %s/*.idx | git show-index | wc -l", pack_dir);
    long v = strtol(n, NULL, 10);
    free(n);
    return v;
}

/* The base's objects are packed once into the base cache; each stage's
 * sandbox repository reads that pack through the overlay and packs only the
 * commit and what its tree adds (here: root and src trees, main.c and
 * new.py). Before: every stage packed the whole base into its .git. */
static void s_packed_once(fx_t *fx, const char *base)
{
    size_t len = 0;
    char *patch = fx_patch(fx, fx->c1, PATCH_BASIC, &len);
    char d[2][256], bases[300], pack[600], upper[600];
    gitops_workspace_t *ws[2];
    snprintf(bases, sizeof bases, "%s/bases", fx->root);
    struct stat first = { 0 };
    for (int i = 0; i < 2; i++) {
        ws[i] = layered_ws(fx, base, d[i], sizeof d[i]);
        apply(ws[i], patch, len);
        const char *work = gitops_workspace_workdir(ws[i]);
        if (gitops_sandbox_repo(ws[i], work, gitops_workspace_tracked_tree(ws[i])) != 0)
            fail_msg("sandbox repo: %s", al_err_msg());
        char *one = fx_sh_out(NULL, "ls %s/*/git/.git/objects/pack/*.pack", bases);
        assert_true(strlen(one) > 1);
        snprintf(pack, sizeof pack, "%.*s", (int)strcspn(one, "\n"), one);
        assert_string_equal(one + strlen(pack), "\n");   /* exactly one base pack */
        free(one);
        struct stat st;
        assert_int_equal(stat(pack, &st), 0);
        if (i == 0)
            first = st;
        else   /* the second job found it: the same file, not written again */
            assert_true(st.st_ino == first.st_ino && st.st_mtime == first.st_mtime);
        /* the stage's own pack (upper layer) holds only what the patch added */
        snprintf(upper, sizeof upper, "%s/layer-work/upper/.git/objects/pack", d[i]);
        assert_int_equal(pack_objects(upper), 5);
        /* and git inside sees a whole repository: every object of HEAD and the
         * index, the applied change staged, nothing else */
        fx_sh("cd %s && git fsck --no-dangling --no-progress 2>&1 | (! grep .) && git diff --quiet && test \"$(git diff --cached --name-only)\" = "
              "\"$(printf 'src/main.c\\nsrc/new.py')\" && git cat-file -e HEAD:README.md", work);
    }
    char base_pack_dir[600];
    snprintf(base_pack_dir, sizeof base_pack_dir, "%.*s", (int)(strrchr(pack, '/') - pack), pack);
    assert_true(pack_objects(base_pack_dir) > 5);   /* every tree and blob of the base */
    fx_sh("git verify-pack %s/*.idx", base_pack_dir);   /* checksums, CRCs, every delta's base inside */
    for (int i = 0; i < 2; i++) {
        gitops_workspace_destroy(&ws[i]);
        assert_int_equal(gitops_dir_remove(d[i]), 0);
    }
    free(patch);
}

static void test_layer_base_packed_once(void **state)
{
    fx_t *fx = *state;
    s_packed_once(fx, fx->c1);   /* the source's objects are loose: each one deflated */
}

static void test_layer_base_pack_reuses_source_packs(void **state)
{
    /* The source packed, with deltas (two near-equal big files in the base
     * tree): the base pack copies stored entries, a delta against another
     * object of the base rewritten to its new distance, and must verify and
     * still hold a delta (inflating and deflating would have stored both
     * whole). */
    fx_t *fx = *state;
    fx_sh("cd %s && git checkout -q -b big %s && seq 1 20000 > big1.txt && (seq 1 20000; echo end) > big2.txt && "
          "git add big1.txt big2.txt && git -c user.email=t@e -c user.name=t commit -qm big && "
          "git repack -adq -f --window=50 && git count-objects -v | grep -qx 'count: 0'", fx->src, fx->c1);
    s_packed_once(fx, "big");
    char *v = fx_sh_out(NULL, "git verify-pack -v %s/bases/*/git/.git/objects/pack/*.idx | grep -c 'chain length = '",
                        fx->root);
    assert_true(atoi(v) >= 1);
    free(v);
}

static void test_layer_base_entry_without_pack_refilled(void **state)
{
    /* A base cache entry written before the base pack existed (tree and ok,
     * no git/) is filled again, not used without its pack. */
    fx_t *fx = *state;
    char d[256];
    gitops_workspace_t *ws = layered_ws(fx, fx->c1, d, sizeof d);
    gitops_workspace_destroy(&ws);
    assert_int_equal(gitops_dir_remove(d), 0);
    fx_sh("rm -rf %s/bases/*/git && test -f %s/bases/*/ok", fx->root, fx->root);
    ws = layered_ws(fx, fx->c1, d, sizeof d);
    fx_sh("ls %s/bases/*/git/.git/objects/pack/pack-*.pack >/dev/null && test -f %s/.git/objects/pack/pack-*.idx",
          fx->root, gitops_workspace_workdir(ws));
    gitops_workspace_destroy(&ws);
    assert_int_equal(gitops_dir_remove(d), 0);
}

static void test_layer_sweep_after_crash(void **state)
{
    /* A worker killed mid-task leaves its overlays mounted; the next start
     * sweeps everything below its task directories (and nothing else). */
    fx_t *fx = *state;
    char d[256], tasks[300];
    gitops_workspace_t *ws = layered_ws(fx, fx->c1, d, sizeof d);
    snprintf(tasks, sizeof tasks, "%s/lws", fx->root);
    assert_int_equal(gitops_layer_sweep(tasks), 0);   /* "lws-1" is not below "lws/" */
    assert_int_equal(gitops_layer_sweep(fx->root), 2); /* the upper tmpfs and the overlay */
    fx_sh("! grep -q ' %s' /proc/self/mountinfo", d);
    gitops_workspace_destroy(&ws);   /* its own unmount now finds nothing: a warning, no harm */
    assert_int_equal(gitops_dir_remove(d), 0);
}

/* Root and overlayfs, or skip: a test that cannot run says why. */
static int s_can_layer(void)
{
    char dir[] = "/tmp/gitops-layer-probe-XXXXXX";
    if (geteuid() != 0 || !mkdtemp(dir))
        return 0;
    int ok = mount("probe", dir, "tmpfs", 0, "size=1m") == 0;
    if (ok)
        umount2(dir, MNT_DETACH);
    FILE *f = fopen("/proc/filesystems", "r");
    char line[128];
    int ovl = 0;
    while (f && fgets(line, sizeof line, f))
        ovl |= strstr(line, "overlay") != NULL;
    if (f)
        fclose(f);
    rmdir(dir);
    return ok && (ovl || system("modprobe overlay 2>/dev/null") == 0);
}

int main(void)
{
    if (!s_can_layer()) {
        fprintf(stderr, "SKIP: layered workspaces need root, mounts and overlayfs\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_layer_run_stage_mix, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_layer_patch_renames_deletes_modes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_layer_run_dirs_replaced, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_layer_run_changes_nothing, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_layer_sparse_files_over_the_disk_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_layer_base_shared_and_untouched, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_layer_sweep_after_crash, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_layer_base_packed_once, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_layer_base_pack_reuses_source_packs, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_layer_base_entry_without_pack_refilled, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
