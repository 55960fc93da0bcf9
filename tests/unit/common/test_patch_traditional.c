/*
 * test_patch_traditional.c: patch_traditional_to_git gives each traditional
 * file diff the git header git apply would read it as (names, -p1, added and
 * deleted files from /dev/null and diff -N's epoch) and leaves git's own
 * format, hunk lines and everything else as they were.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "patch_pass_asserts.h"

#include "common/patch_traditional.h"
#include "common/patch_text.h"

#define assert_git(in, want) assert_pass_gives(patch_traditional_to_git, in, want)
#define assert_untouched(in) assert_pass_leaves(patch_traditional_to_git, in)

static void test_diff_u_with_timestamps(void **state)
{
    (void)state;
    assert_git("--- old/pay.cfg\t2024-01-01 00:00:00.000000000 +0100\n"
               "+++ new/pay.cfg\t2024-01-02 00:00:00.000000000 +0100\n"
               "@@ -1 +1,2 @@\n currency=eur\n+rate=2\n",
               "diff --git a/pay.cfg b/pay.cfg\n--- a/pay.cfg\n+++ b/pay.cfg\n"
               "@@ -1 +1,2 @@\n currency=eur\n+rate=2\n");
}

static void test_diff_ruN_added_and_deleted(void **state)
{
    (void)state;
    assert_git("diff -ruN a/src/new.c b/src/new.c\n"
               "--- a/src/new.c\t1970-01-01 00:00:00.000000000 +0000\n"
               "+++ b/src/new.c\t2026-12-07 22:25:37.734744262 +0000\n"
               "@@ -0,0 +1 @@\n+int x;\n"
               "diff -ruN a/old.txt b/old.txt\n"
               "--- a/old.txt\t2026-12-07 22:25:37.734744262 +0000\n"
               "+++ b/old.txt\t1969-12-31 19:00:00.000000000 -0500\n"
               "@@ -1,2 +0,0 @@\n-one\n-two\n",
               "diff -ruN a/src/new.c b/src/new.c\n"
               "diff --git a/src/new.c b/src/new.c\nnew file mode 100644\n--- /dev/null\n+++ b/src/new.c\n"
               "@@ -0,0 +1 @@\n+int x;\n"
               "diff -ruN a/old.txt b/old.txt\n"
               "diff --git a/old.txt b/old.txt\ndeleted file mode 100644\n--- a/old.txt\n+++ /dev/null\n"
               "@@ -1,2 +0,0 @@\n-one\n-two\n");
}

static void test_dev_null_sides(void **state)
{
    (void)state;
    assert_git("--- /dev/null\n+++ b/x.py\n@@ -0,0 +1 @@\n+x = 1\n"
               "--- a/y.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-y = 1\n",
               "diff --git a/x.py b/x.py\nnew file mode 100644\n--- /dev/null\n+++ b/x.py\n@@ -0,0 +1 @@\n+x = 1\n"
               "diff --git a/y.py b/y.py\ndeleted file mode 100644\n--- a/y.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-y = 1\n");
}

/* An epoch timestamp alone does not make a file new: its range must be
 * empty (a file really dated 1970 that is modified stays modified). */
static void test_epoch_with_lines_is_a_change(void **state)
{
    (void)state;
    assert_git("--- a/f\t1970-01-01 00:00:00 +0000\n+++ b/f\t1970-01-01 00:00:00 +0000\n@@ -1 +1 @@\n-a\n+b\n",
               "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n");
}

/* Inside a hunk a removed line may start `--- ` (an SQL comment): hunks are
 * counted, so it stays a line; the next file's header is converted. */
static void test_hunk_lines_that_look_like_headers(void **state)
{
    (void)state;
    assert_git("--- a/q.sql\n+++ b/q.sql\n@@ -1,3 +1,1 @@\n--- old comment\n-+++ more\n select 1;\n"
               "--- a/r.sql\n+++ b/r.sql\n@@ -1 +1 @@\n-x\n+y\n",
               "diff --git a/q.sql b/q.sql\n--- a/q.sql\n+++ b/q.sql\n@@ -1,3 +1,1 @@\n--- old comment\n-+++ more\n"
               " select 1;\n"
               "diff --git a/r.sql b/r.sql\n--- a/r.sql\n+++ b/r.sql\n@@ -1 +1 @@\n-x\n+y\n");
}

static void test_git_format_untouched(void **state)
{
    (void)state;
    assert_untouched("diff --git a/f b/f\nindex 1111111..2222222 100644\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n");
    assert_untouched("From 1 Mon Sep 17 00:00:00 2001\nSubject: x\n---\n f | 2 +-\n\n"
                     "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n-- \n2.39.2\n");
    assert_untouched("not a patch\n");
    assert_untouched("--- a/f\n+++ b/f\nno hunk\n");
    assert_untouched("");
}

/* git apply keeps the old name unless the new one is a proper prefix of
 * it; a name without a directory has nothing to strip and is left for
 * libgit2 to refuse. */
static void test_names(void **state)
{
    (void)state;
    assert_git("--- a/x.c.orig\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n",
               "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n");
    assert_git("--- a//deep//x.c\n+++ b/deep/x.c\n@@ -1 +1 @@\n-a\n+b\n",
               "diff --git a/deep/x.c b/deep/x.c\n--- a/deep/x.c\n+++ b/deep/x.c\n@@ -1 +1 @@\n-a\n+b\n");
    assert_untouched("--- x.c.orig\n+++ x.c\n@@ -1 +1 @@\n-a\n+b\n");
}

static void test_quoted_and_spaced_names(void **state)
{
    (void)state;
    assert_git("--- a/my file.txt\t2024-01-01 00:00:00 +0000\n+++ b/my file.txt\t2024-01-01 00:00:01 +0000\n"
               "@@ -1 +1 @@\n-a\n+b\n",
               "diff --git \"a/my file.txt\" \"b/my file.txt\"\n--- \"a/my file.txt\"\n+++ \"b/my file.txt\"\n"
               "@@ -1 +1 @@\n-a\n+b\n");
    assert_git("--- \"a/caf\\303\\251 \\\"q\\\".txt\"\n+++ \"b/caf\\303\\251 \\\"q\\\".txt\"\n@@ -1 +1 @@\n-a\n+b\n",
               "diff --git \"a/caf\\303\\251 \\\"q\\\".txt\" \"b/caf\\303\\251 \\\"q\\\".txt\"\n"
               "--- \"a/caf\\303\\251 \\\"q\\\".txt\"\n+++ \"b/caf\\303\\251 \\\"q\\\".txt\"\n@@ -1 +1 @@\n-a\n+b\n");
    assert_untouched("--- \"a/bad\\000name\"\n+++ \"b/bad\\000name\"\n@@ -1 +1 @@\n-a\n+b\n");
    assert_untouched("--- \"a/unterminated\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
}

static void test_crlf(void **state)
{
    (void)state;
    assert_git("--- a/w.txt\t2024-01-01 00:00:00 +0000\r\n+++ b/w.txt\t2024-01-01 00:00:00 +0000\r\n"
               "@@ -1 +1 @@\r\n-a\r\n+b\r\n",
               "diff --git a/w.txt b/w.txt\n--- a/w.txt\n+++ b/w.txt\n@@ -1 +1 @@\r\n-a\r\n+b\r\n");
}

/* The text every reader parses: converted, then its bare headers closed. */
static void test_text_for_libgit2(void **state)
{
    (void)state;
    const char *in = "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"
                     "diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n";
    const char *want = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"
                       "diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n-- \n";
    size_t n = 0;
    char *out = patch_text_for_libgit2(in, strlen(in), &n);
    assert_non_null(out);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
    free(out);
    assert_null(patch_text_for_libgit2("diff --git a/f b/f\n", 19, &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff_u_with_timestamps),
        cmocka_unit_test(test_diff_ruN_added_and_deleted),
        cmocka_unit_test(test_dev_null_sides),
        cmocka_unit_test(test_epoch_with_lines_is_a_change),
        cmocka_unit_test(test_hunk_lines_that_look_like_headers),
        cmocka_unit_test(test_git_format_untouched),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_quoted_and_spaced_names),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_text_for_libgit2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
