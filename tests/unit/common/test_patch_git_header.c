/*
 * test_patch_git_header.c: patch_complete_git_headers inserts exactly the
 * lines libgit2 1.5 needs into hand-written git headers (a similarity line
 * before `rename from` / `copy from`, an index line between `rename to`,
 * `copy to` or `new mode` and `--- `) and leaves git's own output alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "patch_pass_asserts.h"

#include "common/patch_git_header.h"

#define assert_completed(in, want) assert_pass_gives(patch_complete_git_headers, in, want)
#define assert_untouched(in) assert_pass_leaves(patch_complete_git_headers, in)

static void test_rename_and_copy_by_hand(void **state)
{
    (void)state;
    assert_completed("diff --git a/x b/y\nrename from x\nrename to y\n--- a/x\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n",
                     "diff --git a/x b/y\nsimilarity index 100%\nrename from x\nrename to y\n"
                     "index 0000000..0000000\n--- a/x\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n");
    assert_completed("diff --git a/x b/z\ncopy from x\ncopy to z\n",
                     "diff --git a/x b/z\nsimilarity index 100%\ncopy from x\ncopy to z\n");
    assert_completed("diff --git a/x b/y\nsimilarity index 90%\nrename from x\nrename to y\n--- a/x\n+++ b/y\n"
                     "@@ -1 +1 @@\n-a\n+b\n",
                     "diff --git a/x b/y\nsimilarity index 90%\nrename from x\nrename to y\n"
                     "index 0000000..0000000\n--- a/x\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n");
}

static void test_mode_change_with_hunks(void **state)
{
    (void)state;
    assert_completed("diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n--- a/run.sh\n+++ b/run.sh\n"
                     "@@ -1 +1 @@\n-a\n+b\n",
                     "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\nindex 0000000..0000000\n"
                     "--- a/run.sh\n+++ b/run.sh\n@@ -1 +1 @@\n-a\n+b\n");
}

/* What git diff writes, hunk lines that look like header lines, and text
 * outside any git header stay as they are. */
static void test_git_output_untouched(void **state)
{
    (void)state;
    assert_untouched("diff --git a/x b/y\nsimilarity index 80%\nrename from x\nrename to y\nindex 1111111..2222222\n"
                     "--- a/x\n+++ b/y\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n");
    assert_untouched("diff --git a/x b/y\nsimilarity index 100%\nrename from x\nrename to y\n");
    assert_untouched("diff --git a/r b/r\nold mode 100644\nnew mode 100755\nindex 1111111..2222222\n--- a/r\n+++ b/r\n");
    assert_untouched("diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-rename from x\n+copy from y\n"
                     " new mode 1\n");
    assert_untouched("rename from x\nrename to y\n--- a/x\n+++ b/y\n");
    assert_untouched("");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rename_and_copy_by_hand),
        cmocka_unit_test(test_mode_change_with_hunks),
        cmocka_unit_test(test_git_output_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
