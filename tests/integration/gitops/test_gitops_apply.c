/*
 * test_gitops_apply.c: gitops_apply on real repositories: a benign patch,
 * hunks that do not match, malformed patches, and every policy refusal
 * (symlinks out of the tree, alone and as chains; protected paths, in any
 * letter case, and the CI/automation defaults; write_paths, submodules,
 * mode changes of modified, added, copied and renamed files; case
 * collisions; bad paths). A refused or failed patch leaves the work tree
 * untouched.
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

/* Applies a patch made by `cmds` at c1 to a fresh workspace. */
static int apply_cmds(fx_t *fx, const char *cmds, const gitops_policy_t *pol, gitops_workspace_t **ws,
                      gitops_apply_report_t **rep)
{
    size_t len;
    char *patch = fx_patch(fx, fx->c1, cmds, &len);
    int rc;
    *ws = fx_ws(fx, fx->c1, 0);
    rc = gitops_apply(*ws, patch, len, pol, rep);
    free(patch);
    return rc;
}

static int has_violation(const gitops_apply_report_t *r, const char *path, gitops_violation_kind_t kind)
{
    for (size_t i = 0; i < r->violations.count; i++)
        if (!strcmp(r->violations.items[i].path, path) && r->violations.items[i].kind == kind)
            return 1;
    return 0;
}

static void assert_untouched(gitops_workspace_t *ws)
{
    fx_sh("cd %s && test \"$(cat README.md)\" = hello && test \"$(cat notes.txt)\" = docs && "
          "test \"$(LC_ALL=C ls -A | tr '\\n' ' ')\" = '.github .gitignore Makefile README.md notes.txt readme-link run.sh src '",
          gitops_workspace_workdir(ws));
}

static void test_benign_patch(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_workspace_t *ws;
    gitops_apply_report_t *r = NULL;

    assert_int_equal(apply_cmds(fx, "sed -i 's/two/TWO/' src/main.c && printf 'x = 2\\n' > src/new.py && "
                                    "git rm -q notes.txt && ln -s ../README.md src/readme", &pol, &ws, &r), 0);
    assert_non_null(r);
    assert_int_equal(r->outcome, GITOPS_APPLY_OK);
    assert_int_equal(r->files_changed, 4);
    assert_int_equal(r->violations.count, 0);
    assert_int_equal(strlen(r->tree_id), 40);
    fx_sh("cd %s && grep -q TWO src/main.c && test \"$(cat src/new.py)\" = 'x = 2' && test ! -e notes.txt && "
          "test \"$(readlink src/readme)\" = ../README.md", gitops_workspace_workdir(ws));
    /* The tree id is the tree of the patched content (the CLI agrees). */
    fx_sh("cd %s && git checkout -q -f %s && git clean -qfdx && sed -i 's/two/TWO/' src/main.c && "
          "printf 'x = 2\\n' > src/new.py && git rm -q notes.txt && ln -s ../README.md src/readme && git add -A && "
          "test \"$(git write-tree)\" = %s", fx->scratch, fx->c1, r->tree_id);
    /* Once per workspace. */
    gitops_apply_report_t *again = NULL;
    assert_int_equal(gitops_apply(ws, "", 0, &pol, &again), AL_ESTATE);
    assert_null(again);
    gitops_apply_report_destroy(&r);
    assert_null(r);
    gitops_workspace_destroy(&ws);
}

static void test_empty_patch(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_workspace_t *ws = fx_ws(fx, fx->c1, 0);
    gitops_apply_report_t *r = NULL;

    assert_int_equal(gitops_apply(ws, NULL, 0, &pol, &r), 0);
    assert_int_equal(r->outcome, GITOPS_APPLY_OK);
    assert_string_equal(r->tree_id, gitops_workspace_base_tree(ws));
    gitops_apply_report_destroy(&r);
    gitops_workspace_destroy(&ws);
}

/* A diff adding or deleting an empty file has a header and no hunk: `git diff`
 * ends it at the index line. libgit2 1.5 refuses such a header when another
 * file's diff follows (libgit2#6778, fixed upstream after 1.5): an ordinary
 * PR adding an empty __init__.py came out apply_failed. */
static void test_empty_files_added_and_deleted(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_workspace_t *ws;
    gitops_apply_report_t *r = NULL;

    if (apply_cmds(fx, "mkdir -p pkg && : > pkg/__init__.py && printf 'x = 1\\n' > pkg/mod.py && : > pkg/z.txt",
                   &pol, &ws, &r) != 0)
        fail_msg("apply: %s", al_err_msg());
    assert_int_equal(r->outcome, GITOPS_APPLY_OK);
    assert_int_equal(r->files_changed, 3);
    fx_sh("cd %s && test -f pkg/__init__.py && test ! -s pkg/__init__.py && test \"$(cat pkg/mod.py)\" = 'x = 1' && "
          "test -f pkg/z.txt && test ! -s pkg/z.txt", gitops_workspace_workdir(ws));
    gitops_apply_report_destroy(&r);
    gitops_workspace_destroy(&ws);
    /* and removed again, next to a change: the base holds an empty file */
    fx_sh("cd %s && git checkout -q -f %s && : > empty.txt && git add empty.txt && git -c user.name=t -c user.email=t@example.org commit -q -m empty && "
          "git push -q %s HEAD:refs/heads/with-empty", fx->scratch, fx->c1, fx->src);
    size_t len;
    char *base = fx_sh_out(&len, "cd %s && git rev-parse HEAD", fx->scratch);
    base[strcspn(base, "\n")] = '\0';
    char *patch = fx_patch(fx, base, "git rm -q empty.txt && sed -i 's/two/TWO/' src/main.c", &len);
    ws = fx_ws(fx, base, 0);
    assert_int_equal(gitops_apply(ws, patch, len, &pol, &r), 0);
    assert_int_equal(r->outcome, GITOPS_APPLY_OK);
    assert_int_equal(r->files_changed, 2);
    fx_sh("cd %s && test ! -e empty.txt && grep -q TWO src/main.c", gitops_workspace_workdir(ws));
    free(patch);
    free(base);
    gitops_apply_report_destroy(&r);
    gitops_workspace_destroy(&ws);
}

/* A unified diff without git headers, as `diff -ruN old new` writes it (and
 * many tools and coding agents): `git apply` and `patch -p1` apply it; it was
 * apply_failed ("invalid hunk header outside patch"). Added and deleted
 * files come from diff -N's epoch timestamps. The tree is the one git makes
 * of the same change. */
static void test_traditional_diff(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_apply_report_t *r = NULL;
    const char *change = "sed -i 's/two/TWO/' src/main.c && mkdir -p pkg && printf 'x = 1\\n' > pkg/new.py && "
                         "printf 'y\\n' > 'pkg/my file.txt' && rm notes.txt";
    size_t len;

    char *patch = fx_sh_out(&len, "cd %s && rm -rf ../trad && mkdir -p ../trad/old ../trad/new && "
                                  "git archive %s | tar -x -C ../trad/old && git archive %s | tar -x -C ../trad/new && "
                                  "cd ../trad/new && %s && cd .. && { diff -ruN old new; test $? = 1; }",
                            fx->scratch, fx->c1, fx->c1, change);
    gitops_workspace_t *ws = fx_ws(fx, fx->c1, 0);
    if (gitops_apply(ws, patch, len, &pol, &r) != 0)
        fail_msg("apply: %s (%s)", al_err_msg(), r && r->message ? r->message : "-");
    assert_int_equal(r->outcome, GITOPS_APPLY_OK);
    assert_int_equal(r->files_changed, 4);
    fx_sh("cd %s && git checkout -q -f %s && git clean -qfdx && %s && git add -A && test \"$(git write-tree)\" = %s",
          fx->scratch, fx->c1, change, r->tree_id);
    fx_sh("cd %s && grep -q TWO src/main.c && test \"$(cat pkg/new.py)\" = 'x = 1' && test ! -e notes.txt",
          gitops_workspace_workdir(ws));
    free(patch);
    gitops_apply_report_destroy(&r);
    gitops_workspace_destroy(&ws);
}

/* `git format-patch --stdout A..B` of two commits that change the same
 * file: the second diff applies over the first, as `git am` would. */
static void test_format_patch_series(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_apply_report_t *r = NULL;
    size_t len;

    char *patch = fx_sh_out(&len, "cd %s && git checkout -q -f %s && git clean -qfdx && "
                                  "sed -i 's/two/TWO/' src/main.c && git -c user.name=t -c user.email=t@example.org commit -qam one && "
                                  "sed -i 's/TWO/2/' src/main.c && printf 'z\\n' > z.txt && git add z.txt && "
                                  "git -c user.name=t -c user.email=t@example.org commit -qam two && "
                                  "git format-patch --stdout %s..HEAD",
                            fx->scratch, fx->c1, fx->c1);
    char *want = fx_sh_out(&len, "cd %s && git rev-parse HEAD^{tree}", fx->scratch);
    want[strcspn(want, "\n")] = '\0';
    gitops_workspace_t *ws = fx_ws(fx, fx->c1, 0);
    if (gitops_apply(ws, patch, strlen(patch), &pol, &r) != 0)
        fail_msg("apply: %s (%s)", al_err_msg(), r && r->message ? r->message : "-");
    assert_int_equal(r->outcome, GITOPS_APPLY_OK);
    assert_string_equal(r->tree_id, want);
    free(want);
    free(patch);
    gitops_apply_report_destroy(&r);
    gitops_workspace_destroy(&ws);
}

/* What `git apply --index` makes of patch at c1 in the scratch clone: its
 * tree id, or "failed". malloc'd. */
static char *git_apply_tree(fx_t *fx, const char *patch)
{
    char path[256];
    size_t len;
    snprintf(path, sizeof path, "%s/reference.patch", fx->root);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(patch, f);
    fclose(f);
    char *t = fx_sh_out(&len, "cd %s && git checkout -q -f %s && git clean -qfdx && "
                              "{ git apply --index %s 2>/dev/null && git write-tree || echo failed; }",
                        fx->scratch, fx->c1, path);
    t[strcspn(t, "\n")] = '\0';
    return t;
}

/* Hunks whose stated line is off: git apply (and patch(1)) find the
 * preimage nearest the stated line; libgit2 looks only there, so a patch
 * with every context line right came out apply_failed (relocate.c). Each
 * case must give what git apply gives: the same tree, or a failure. */
static void test_hunk_found_at_offset(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    const char *hdr = "diff --git a/src/main.c b/src/main.c\n--- a/src/main.c\n+++ b/src/main.c\n";
    char patches[9][512];
    /* 0: 4 lines too low; 1: stated past the end; 2: two hunks, both off */
    snprintf(patches[0], sizeof patches[0], "%s@@ -8,3 +8,3 @@\n     puts(\"one\");\n-    puts(\"two\");\n"
             "+    puts(\"TWO\");\n     puts(\"three\");\n", hdr);
    snprintf(patches[1], sizeof patches[1], "%s@@ -99,2 +99,3 @@\n     return 0;\n }\n+/* end */\n", hdr);
    snprintf(patches[2], sizeof patches[2], "%s@@ -5,3 +5,3 @@\n int main(void)\n-{\n+{ /* body */\n"
             "     puts(\"one\");\n@@ -9,3 +9,3 @@\n     puts(\"two\");\n-    puts(\"three\");\n+    puts(\"3\");\n     return 0;\n", hdr);
    /* 3: context found nowhere; 4: no trailing context, so it must match at
     * the end, and does not; 5: starts at line 1, so it must match there */
    snprintf(patches[3], sizeof patches[3], "%s@@ -4,3 +4,3 @@\n     puts(\"zero\");\n-    puts(\"two\");\n"
             "+    puts(\"TWO\");\n     puts(\"three\");\n", hdr);
    snprintf(patches[4], sizeof patches[4], "%s@@ -9,2 +9,2 @@\n     puts(\"one\");\n-    puts(\"two\");\n"
             "+    puts(\"TWO\");\n", hdr);
    snprintf(patches[5], sizeof patches[5], "%s@@ -1,2 +1,2 @@\n int main(void)\n-{\n+{ /* body */\n {\n", hdr);
    /* 6: a rename whose hunk is off: found in the old path's content; 7, 8:
     * a rename and a copy written by hand, without the `similarity index`
     * and `index` lines git writes (git apply needs neither; libgit2 1.5
     * refused them: "invalid patch header") */
    const char *moved = "@@ -8,3 +8,3 @@\n     puts(\"one\");\n-    puts(\"two\");\n+    puts(\"TWO\");\n"
                        "     puts(\"three\");\n";
    snprintf(patches[6], sizeof patches[6], "diff --git a/src/main.c b/src/app.c\nsimilarity index 80%%\n"
             "rename from src/main.c\nrename to src/app.c\nindex 1111111..2222222 100644\n"
             "--- a/src/main.c\n+++ b/src/app.c\n%s", moved);
    snprintf(patches[7], sizeof patches[7], "diff --git a/src/main.c b/src/app.c\nrename from src/main.c\n"
             "rename to src/app.c\n--- a/src/main.c\n+++ b/src/app.c\n%s", moved);
    snprintf(patches[8], sizeof patches[8], "diff --git a/src/main.c b/src/copy.c\ncopy from src/main.c\n"
             "copy to src/copy.c\n--- a/src/main.c\n+++ b/src/copy.c\n%s", moved);
    const int applies[] = { 1, 1, 1, 0, 0, 0, 1, 1, 1 };
    for (size_t i = 0; i < sizeof applies / sizeof applies[0]; i++) {
        char *want = git_apply_tree(fx, patches[i]);
        if ((strcmp(want, "failed") != 0) != applies[i])
            fail_msg("case %zu: git apply gives %s", i, want);
        gitops_workspace_t *ws = fx_ws(fx, fx->c1, 0);
        gitops_apply_report_t *r = NULL;
        int rc = gitops_apply(ws, patches[i], strlen(patches[i]), &pol, &r);
        assert_non_null(r);
        if (applies[i]) {
            if (rc != 0 || r->outcome != GITOPS_APPLY_OK)
                fail_msg("case %zu: %s", i, r->message ? r->message : al_err_msg());
            assert_string_equal(r->tree_id, want);
        } else {
            assert_int_equal(rc, AL_EINVAL);
            assert_int_equal(r->outcome, GITOPS_APPLY_FAILED);
            assert_untouched(ws);
        }
        free(want);
        gitops_apply_report_destroy(&r);
        gitops_workspace_destroy(&ws);
    }
}

/* The analyzers number a hunk's lines as its header states them; where
 * gitops_apply writes a moved hunk is what gitops_hunk_moves gives: the
 * added line stated at 9 is written at 5, as git apply writes it. */
static void test_hunk_moves_lines(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_hunk_moves_t *m = NULL;
    gitops_apply_report_t *r = NULL;
    static const char off[] = "diff --git a/src/main.c b/src/main.c\n--- a/src/main.c\n+++ b/src/main.c\n"
                              "@@ -8,3 +8,3 @@\n     puts(\"one\");\n-    puts(\"two\");\n+    puts(\"TWO\");\n"
                              "     puts(\"three\");\n";
    static const char placed[] = "diff --git a/src/main.c b/src/main.c\n--- a/src/main.c\n+++ b/src/main.c\n"
                                 "@@ -4,3 +4,3 @@\n     puts(\"one\");\n-    puts(\"two\");\n+    puts(\"TWO\");\n"
                                 "     puts(\"three\");\n";
    gitops_workspace_t *ws = fx_ws(fx, fx->c1, 0);
    assert_int_equal(gitops_hunk_moves_new(ws, off, strlen(off), &m), 0);
    assert_int_equal(gitops_hunk_moves_count(m), 1);
    assert_int_equal(gitops_hunk_moves_line(m, "src/main.c", 9), 5);
    assert_int_equal(gitops_hunk_moves_line(m, "src/main.c", 20), 20);
    assert_int_equal(gitops_hunk_moves_line(m, "src/other.c", 9), 9);
    gitops_hunk_moves_destroy(&m);
    assert_int_equal(gitops_apply(ws, off, strlen(off), &pol, &r), 0);
    fx_sh("cd %s && test \"$(sed -n 5p src/main.c)\" = '    puts(\"TWO\");'", gitops_workspace_workdir(ws));
    gitops_apply_report_destroy(&r);
    assert_int_equal(gitops_hunk_moves_new(ws, placed, strlen(placed), &m), 0);
    assert_int_equal(gitops_hunk_moves_count(m), 0);
    gitops_hunk_moves_destroy(&m);
    assert_int_equal(gitops_hunk_moves_new(ws, "not a patch\n", 12, &m), 0);
    assert_int_equal(gitops_hunk_moves_count(m), 0);
    assert_int_equal(gitops_hunk_moves_line(m, "src/main.c", 9), 9);
    gitops_hunk_moves_destroy(&m);
    gitops_workspace_destroy(&ws);
}

/* In a series the second diff of a file applies over the first one's
 * result, and a hunk that is off there is found over that result too; a
 * file deleted by the first diff and added again by the second starts from
 * nothing. The same tree as git apply. */
static void test_offset_in_a_series(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_apply_report_t *r = NULL;
    size_t len;
    const char *c = "git -c user.name=t -c user.email=t@example.org commit -qam";
    char *patch = fx_sh_out(&len, "cd %s && git checkout -q -f %s && git clean -qfdx && "
                                  "sed -i '1i /* one */\\n/* two */\\n/* three */' src/main.c && git rm -q notes.txt && "
                                  "%s first && sed -i 's/two\\\")/TWO\\\")/' src/main.c && printf 'new\\n' > notes.txt && "
                                  "git add notes.txt && %s second && git format-patch --stdout %s..HEAD | "
                                  "perl -pe 'if (/^Subject: .*second/) { $s = 1 } "
                                  "s/^@@ -(\\d+),(\\d+) \\+(\\d+)/\"@@ -\".($1+5).\",$2 +\".($3+5)/e if $s'",
                            fx->scratch, fx->c1, c, c, fx->c1);
    char *want = git_apply_tree(fx, patch);
    assert_string_not_equal(want, "failed");
    gitops_workspace_t *ws = fx_ws(fx, fx->c1, 0);
    if (gitops_apply(ws, patch, strlen(patch), &pol, &r) != 0)
        fail_msg("apply: %s (%s)", al_err_msg(), r && r->message ? r->message : "-");
    assert_string_equal(r->tree_id, want);
    fx_sh("cd %s && grep -q 'TWO\")' src/main.c && test \"$(cat notes.txt)\" = new", gitops_workspace_workdir(ws));
    free(want);
    free(patch);
    gitops_apply_report_destroy(&r);
    gitops_workspace_destroy(&ws);
}

static void test_hunk_mismatch(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_workspace_t *ws = fx_ws(fx, fx->c1, 0);
    gitops_apply_report_t *r = NULL;
    size_t len;
    /* Made against c2 (README has "world"), applied at c1. */
    char *patch = fx_patch(fx, fx->c2, "sed -i 's/world/WORLD/' README.md && sed -i 's/one/ONE/' src/main.c", &len);

    assert_int_equal(gitops_apply(ws, patch, len, &pol, &r), AL_EINVAL);
    assert_non_null(r);
    assert_int_equal(r->outcome, GITOPS_APPLY_FAILED);
    print_message("apply_failed message: %s\n", r->message);
    assert_string_equal(r->failed_path, "README.md");
    assert_int_equal(r->failed_hunk, 1);
    assert_non_null(strstr(r->message, "README.md"));
    assert_non_null(strstr(r->message, "hunk 1"));
    assert_non_null(strstr(r->message, "@@ -1,2 +1,2 @@"));
    assert_non_null(strstr(al_err_msg(), "README.md"));
    assert_untouched(ws);
    gitops_apply_report_destroy(&r);
    gitops_workspace_destroy(&ws);
    free(patch);
}

static void test_malformed_patches(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    const char *bad[] = {
        "this is not a patch\n",
        "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n",
        "diff --git a/missing.c b/missing.c\n--- a/missing.c\n+++ b/missing.c\n@@ -1 +1 @@\n-a\n+b\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        gitops_workspace_t *ws = fx_ws(fx, fx->c1, 0);
        gitops_apply_report_t *r = NULL;
        int rc = gitops_apply(ws, bad[i], strlen(bad[i]), &pol, &r);
        assert_int_equal(rc, AL_EINVAL);
        assert_non_null(r);
        assert_int_equal(r->outcome, GITOPS_APPLY_FAILED);
        assert_non_null(r->message);
        assert_untouched(ws);
        gitops_apply_report_destroy(&r);
        gitops_workspace_destroy(&ws);
    }
}

/* Hostile byte strings: each must give APPLY_FAILED or a refusal, never a
 * crash, a leak (ASan build) or a change of the work tree. */
static void test_hostile_patch_bytes(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    static const char nul[] = "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n"
                              "@@ -1 +1 @@\n-hello\n+he\0llo\n";
    char *longpath = malloc(20000), *p;
    const char *bad[] = {
        "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1,99999999999999 +1 @@\n-hello\n",
        "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -18446744073709551615 +1 @@\n",
        "diff --git a/x b/x\nnew file mode 100644\nindex 0000000..1111111\nGIT binary patch\nliteral 5\nzzzzz\n\n",
        "diff --git a/x b/x\nnew file mode 1777777\n--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+x\n",
        "diff --git a/x b/x\nnew file mode 100644\n--- /dev/null\n+++ b/x\n@@ -0,0 +1,5 @@\n+x\n",
        "diff --git a/README.md b/README.md\r\n--- a/README.md\r\n+++ b/README.md\r\n@@ -1 +1 @@\r\n-hello\r\n+bye\r\n",
        "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-hello\n+bye\n"
        "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-hello\n+again\n",
        longpath,
    };
    assert_non_null(longpath);
    p = longpath + sprintf(longpath, "diff --git a/");
    memset(p, 'a', 9000);
    sprintf(p + 9000, " b/x\n--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+x\n");
    for (size_t i = 0; i <= sizeof(bad) / sizeof(bad[0]); i++) {
        gitops_workspace_t *ws = fx_ws(fx, fx->c1, 0);
        gitops_apply_report_t *r = NULL;
        const char *patch = i < sizeof(bad) / sizeof(bad[0]) ? bad[i] : nul;
        size_t len = i < sizeof(bad) / sizeof(bad[0]) ? strlen(bad[i]) : sizeof(nul) - 1;
        int rc = gitops_apply(ws, patch, len, &pol, &r);
        if (rc != AL_EINVAL && rc != AL_EPOLICY)
            fail_msg("hostile patch %zu: rc %d (%s)", i, rc, al_err_msg());
        assert_non_null(r);
        assert_int_not_equal(r->outcome, GITOPS_APPLY_OK);
        assert_untouched(ws);
        gitops_apply_report_destroy(&r);
        gitops_workspace_destroy(&ws);
    }
    free(longpath);
}

static void refused_case(fx_t *fx, const char *cmds, const gitops_policy_t *pol, const char *path,
                         gitops_violation_kind_t kind)
{
    gitops_workspace_t *ws;
    gitops_apply_report_t *r = NULL;

    assert_int_equal(apply_cmds(fx, cmds, pol, &ws, &r), AL_EPOLICY);
    assert_non_null(r);
    assert_int_equal(r->outcome, GITOPS_APPLY_REFUSED);
    if (!has_violation(r, path, kind))
        fail_msg("no %s violation for %s (first: %s %s)", gitops_violation_kind_name(kind), path,
                 r->violations.count ? r->violations.items[0].path : "-",
                 r->violations.count ? gitops_violation_kind_name(r->violations.items[0].kind) : "-");
    assert_non_null(strstr(al_err_msg(), "refused"));
    assert_untouched(ws);
    gitops_apply_report_destroy(&r);
    gitops_workspace_destroy(&ws);
}

static void test_symlinks_refused(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    refused_case(fx, "ln -s /etc/passwd passwd", &pol, "passwd", GITOPS_VIOL_SYMLINK_ESCAPE);
    refused_case(fx, "mkdir -p a && ln -s ../../outside a/out", &pol, "a/out", GITOPS_VIOL_SYMLINK_ESCAPE);
    refused_case(fx, "ln -s src/../../x sneaky", &pol, "sneaky", GITOPS_VIOL_SYMLINK_ESCAPE);
    refused_case(fx, "ln -s src/.git/config gitcfg", &pol, "gitcfg", GITOPS_VIOL_SYMLINK_ESCAPE);
    /* A file replaced by a link leaving the tree. */
    refused_case(fx, "rm notes.txt && ln -s /etc/shadow notes.txt", &pol, "notes.txt", GITOPS_VIOL_SYMLINK_ESCAPE);
}

static void test_protected_refused(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    const char *const prot[] = { "secret/**" };

    refused_case(fx, "printf 'on: push\\n' > .github/workflows/x.yml", &pol, ".github/workflows/x.yml",
                 GITOPS_VIOL_PROTECTED);
    refused_case(fx, "git rm -q .github/workflows/ci.yml", &pol, ".github/workflows/ci.yml", GITOPS_VIOL_PROTECTED);
    refused_case(fx, "echo '* text' > .gitattributes", &pol, ".gitattributes", GITOPS_VIOL_PROTECTED);
    /* A file standing where a protected directory would be. */
    refused_case(fx, "echo x > .husky", &pol, ".husky", GITOPS_VIOL_PROTECTED);
    pol.protected_paths = prot;
    pol.n_protected_paths = 1;
    refused_case(fx, "mkdir secret && echo k > secret/key", &pol, "secret/key", GITOPS_VIOL_PROTECTED);
}

static void test_write_paths(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    const char *const wp[] = { "src/**", "*.md" };
    gitops_workspace_t *ws;
    gitops_apply_report_t *r = NULL;

    pol.write_paths = wp;
    pol.n_write_paths = 2;
    refused_case(fx, "echo x >> src/util.py && echo y >> Makefile", &pol, "Makefile", GITOPS_VIOL_OUTSIDE_WRITE);
    /* Inside write_paths: applies. */
    assert_int_equal(apply_cmds(fx, "echo x >> src/util.py && echo y >> README.md && echo z > src/deep.md", &pol,
                                &ws, &r), 0);
    assert_int_equal(r->outcome, GITOPS_APPLY_OK);
    gitops_apply_report_destroy(&r);
    gitops_workspace_destroy(&ws);
}

static void test_submodule_refused(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "git init -q vendor/lib && git -C vendor/lib -c user.name=t -c user.email=t@t "
             "commit -q --allow-empty -m x");
    refused_case(fx, cmd, &pol, "vendor/lib", GITOPS_VIOL_SUBMODULE);
    refused_case(fx, "printf '[submodule \"x\"]\\n\\tpath = x\\n\\turl = /tmp/x\\n' > .gitmodules", &pol, ".gitmodules",
                 GITOPS_VIOL_SUBMODULE);
}

static void test_mode_change(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_workspace_t *ws;
    gitops_apply_report_t *r = NULL;
    struct stat st;
    char p[512];

    refused_case(fx, "chmod +x src/util.py", &pol, "src/util.py", GITOPS_VIOL_MODE_CHANGE);
    pol.allow_mode_change = 1;
    if (apply_cmds(fx, "chmod +x src/util.py && chmod -x run.sh", &pol, &ws, &r) != 0)
        fail_msg("apply: %s", al_err_msg());
    assert_int_equal(r->outcome, GITOPS_APPLY_OK);
    assert_int_equal(r->n_mode_changes, 2);
    assert_string_equal(r->mode_changes[0].path, "run.sh");
    assert_int_equal(r->mode_changes[0].old_mode, 0100755);
    assert_int_equal(r->mode_changes[0].new_mode, 0100644);
    assert_string_equal(r->mode_changes[1].path, "src/util.py");
    assert_int_equal(r->mode_changes[1].new_mode, 0100755);
    snprintf(p, sizeof(p), "%s/src/util.py", gitops_workspace_workdir(ws));
    assert_int_equal(stat(p, &st), 0);
    assert_true(st.st_mode & 0100);
    gitops_apply_report_destroy(&r);
    gitops_workspace_destroy(&ws);
}

/* Issue 10: links judged by where their chain really leads. Each link of
 * d/a -> .., d/b -> a/.., d/k -> b/../x stays inside the tree on its own;
 * d/b leaves it (a/.. is the root's parent), and so does d/k through it. A
 * link whose chain lands on a protected path is refused too. */
static void test_symlink_chains_refused(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    refused_case(fx, "mkdir -p d && ln -s .. d/a && ln -s a/.. d/b && ln -s b/../x d/k", &pol, "d/b",
                 GITOPS_VIOL_SYMLINK_ESCAPE);
    refused_case(fx, "mkdir -p d && ln -s .. d/a && ln -s a/.. d/b && ln -s b/../x d/k", &pol, "d/k",
                 GITOPS_VIOL_SYMLINK_ESCAPE);
    /* through a link already in the tree: src/up -> .. is added, then used */
    refused_case(fx, "ln -s .. src/up && mkdir -p src/deep && ln -s ../up/.. src/deep/out", &pol, "src/deep/out",
                 GITOPS_VIOL_SYMLINK_ESCAPE);
    refused_case(fx, "ln -s x loop1 && ln -s loop1 x", &pol, "loop1", GITOPS_VIOL_SYMLINK_ESCAPE);
    refused_case(fx, "mkdir -p docs && ln -s ../.github/workflows/ci.yml docs/ci", &pol, "docs/ci",
                 GITOPS_VIOL_PROTECTED);
}

/* Protected globs ignore letter case; the default list covers CI and
 * automation beyond GitHub's. */
static void test_protected_case_and_defaults(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    static const char *const cases[][2] = {
        { "mkdir -p .GitHub/workflows && echo x > .GitHub/workflows/x.yml", ".GitHub/workflows/x.yml" },
        { "echo x > JENKINSFILE", "JENKINSFILE" },
        { "mkdir -p ci && echo x > ci/Jenkinsfile", "ci/Jenkinsfile" },
        { "mkdir -p .gitlab/ci && echo x > .gitlab/ci/deploy.yml", ".gitlab/ci/deploy.yml" },
        { "mkdir -p .circleci && echo x > .circleci/config.yml", ".circleci/config.yml" },
        { "echo x > azure-pipelines.yml", "azure-pipelines.yml" },
        { "mkdir -p .buildkite && echo x > .buildkite/pipeline.yml", ".buildkite/pipeline.yml" },
        { "echo x > .travis.yml", ".travis.yml" },
        { "echo x > .drone.yml", ".drone.yml" },
        { "echo x > Taskfile.yml", "Taskfile.yml" },
        { "mkdir -p .devcontainer && echo x > .devcontainer/devcontainer.json", ".devcontainer/devcontainer.json" },
        { "mkdir -p .vscode && echo x > .vscode/tasks.json", ".vscode/tasks.json" },
        { "echo x > lefthook.yml", "lefthook.yml" },
        { "echo x > .overcommit.yml", ".overcommit.yml" },
        { "mkdir -p .githooks && echo x > .githooks/pre-commit", ".githooks/pre-commit" },
        { "echo x > .pre-commit-config.yaml", ".pre-commit-config.yaml" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        refused_case(fx, cases[i][0], &pol, cases[i][1], GITOPS_VIOL_PROTECTED);
}

/* Modes of every delta are seen. A new file that is executable (added, or a
 * copy of an executable) is applied and reported in mode_changes: real
 * projects add scripts all the time, and the paths analyzer reports it
 * (paths.new_executable). An existing file that gains or loses the bit (also
 * through a rename) is a mode change the policy refuses unless
 * allow_mode_change; a mode git never writes is refused outright. */
static void test_new_and_copied_modes(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_workspace_t *ws;
    gitops_apply_report_t *r = NULL;
    static const char rename_exec[] = "diff --git a/src/util.py b/src/tool.py\nold mode 100644\nnew mode 100755\n"
                                      "similarity index 100%\nrename from src/util.py\nrename to src/tool.py\n";
    static const char copy_exec[] = "diff --git a/run.sh b/run2.sh\nold mode 100755\nnew mode 100755\n"
                                    "similarity index 100%\ncopy from run.sh\ncopy to run2.sh\n";
    static const char setuid[] = "diff --git a/x b/x\nnew file mode 104755\n--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+x\n";
    const char *refused[] = { rename_exec, setuid };
    const char *paths[] = { "src/tool.py", "x" };

    /* a new script and a copy of one: applied, reported */
    if (apply_cmds(fx, "printf '#!/bin/sh\\nid\\n' > tools.sh && chmod +x tools.sh", &pol, &ws, &r) != 0)
        fail_msg("new executable refused: %s", al_err_msg());
    assert_int_equal(r->violations.count, 0);
    assert_int_equal(r->n_mode_changes, 1);
    assert_string_equal(r->mode_changes[0].path, "tools.sh");
    assert_int_equal(r->mode_changes[0].new_mode, 0100755);
    gitops_apply_report_destroy(&r);
    gitops_workspace_destroy(&ws);
    ws = fx_ws(fx, fx->c1, 0);
    if (gitops_apply(ws, copy_exec, strlen(copy_exec), &pol, &r) != 0)
        fail_msg("copy of an executable refused: %s", al_err_msg());
    assert_int_equal(r->violations.count, 0);
    gitops_apply_report_destroy(&r);
    gitops_workspace_destroy(&ws);
    /* an existing file made executable (directly or through a rename), and setuid: refused */
    refused_case(fx, "chmod +x notes.txt", &pol, "notes.txt", GITOPS_VIOL_MODE_CHANGE);
    for (size_t i = 0; i < 2; i++) {
        ws = fx_ws(fx, fx->c1, 0);
        int rc = gitops_apply(ws, refused[i], strlen(refused[i]), &pol, &r);
        assert_non_null(r);
        if (rc == AL_EPOLICY) {
            if (!has_violation(r, paths[i], GITOPS_VIOL_MODE_CHANGE))
                fail_msg("patch %zu: no mode_change violation for %s", i, paths[i]);
        } else if (i == 0 || rc != AL_EINVAL) { /* libgit2 may refuse the setuid mode outright */
            fail_msg("patch %zu: rc %d (%s), want a mode_change refusal", i, rc, al_err_msg());
        }
        assert_untouched(ws);
        gitops_apply_report_destroy(&r);
        gitops_workspace_destroy(&ws);
    }
    /* allowed by the policy: applied, and the change is reported */
    pol.allow_mode_change = 1;
    if (apply_cmds(fx, "chmod +x notes.txt", &pol, &ws, &r) != 0)
        fail_msg("apply: %s", al_err_msg());
    assert_int_equal(r->n_mode_changes, 1);
    assert_string_equal(r->mode_changes[0].path, "notes.txt");
    gitops_apply_report_destroy(&r);
    gitops_workspace_destroy(&ws);
}

/* Paths equal but for letter case (a file, or a directory of the path) are
 * one path on a case-insensitive checkout: refused. */
static void test_case_collisions(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    refused_case(fx, "echo x > readme.md", &pol, "readme.md", GITOPS_VIOL_CASE_COLLISION);
    refused_case(fx, "mkdir -p SRC && echo x > SRC/other.c", &pol, "SRC", GITOPS_VIOL_CASE_COLLISION);
    refused_case(fx, "echo a > Guide.md && echo b > guide.md", &pol, "guide.md", GITOPS_VIOL_CASE_COLLISION);
}

static void test_bad_paths_never_written(void **state)
{
    fx_t *fx = *state;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    const char *bad[] = {
        "diff --git a/../escape b/../escape\nnew file mode 100644\n--- /dev/null\n+++ b/../escape\n@@ -0,0 +1 @@\n+x\n",
        "diff --git a/.git/config b/.git/config\nnew file mode 100644\n--- /dev/null\n+++ b/.git/config\n"
        "@@ -0,0 +1 @@\n+x\n",
        "diff --git a/src/.GIT/hooks/x b/src/.GIT/hooks/x\nnew file mode 100755\n--- /dev/null\n"
        "+++ b/src/.GIT/hooks/x\n@@ -0,0 +1 @@\n+x\n",
        /* the same without git headers (patch_traditional.h) */
        "--- /dev/null\n+++ b/../escape\t2024-01-01 00:00:00 +0000\n@@ -0,0 +1 @@\n+x\n",
        "--- a//../escape\n+++ b//../escape\n@@ -0,0 +1 @@\n+x\n",
        "--- /dev/null\n+++ b/.git/config\n@@ -0,0 +1 @@\n+x\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        gitops_workspace_t *ws = fx_ws(fx, fx->c1, 0);
        gitops_apply_report_t *r = NULL;
        char p[512];
        int rc = gitops_apply(ws, bad[i], strlen(bad[i]), &pol, &r);
        if (rc != AL_EPOLICY && rc != AL_EINVAL)
            fail_msg("patch %zu: rc %d %s", i, rc, al_err_msg());
        assert_non_null(r);
        assert_int_not_equal(r->outcome, GITOPS_APPLY_OK);
        snprintf(p, sizeof(p), "%s/../escape", gitops_workspace_workdir(ws));
        assert_false(fx_exists(p));
        assert_untouched(ws);
        gitops_apply_report_destroy(&r);
        gitops_workspace_destroy(&ws);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_benign_patch),
        cmocka_unit_test(test_empty_patch),
        cmocka_unit_test(test_empty_files_added_and_deleted),
        cmocka_unit_test(test_traditional_diff),
        cmocka_unit_test(test_format_patch_series),
        cmocka_unit_test(test_hunk_mismatch),
        cmocka_unit_test(test_hunk_found_at_offset),
        cmocka_unit_test(test_hunk_moves_lines),
        cmocka_unit_test(test_offset_in_a_series),
        cmocka_unit_test(test_malformed_patches),
        cmocka_unit_test(test_hostile_patch_bytes),
        cmocka_unit_test(test_symlinks_refused),
        cmocka_unit_test(test_protected_refused),
        cmocka_unit_test(test_write_paths),
        cmocka_unit_test(test_submodule_refused),
        cmocka_unit_test(test_mode_change),
        cmocka_unit_test(test_bad_paths_never_written),
        cmocka_unit_test(test_symlink_chains_refused),
        cmocka_unit_test(test_protected_case_and_defaults),
        cmocka_unit_test(test_new_and_copied_modes),
        cmocka_unit_test(test_case_collisions),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
