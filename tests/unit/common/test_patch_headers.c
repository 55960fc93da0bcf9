/*
 * test_patch_headers.c: patch_close_bare_headers closes exactly the file
 * diffs whose header ends at its index line (an added or deleted empty file)
 * and leaves every other line as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/patch_headers.h"

static char *close_str(const char *in, size_t *n)
{
    return patch_close_bare_headers(in, strlen(in), n);
}

static void assert_closed(const char *in, const char *want)
{
    size_t n = 0;
    char *out = close_str(in, &n);
    assert_non_null(out);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
    free(out);
}

static void test_empty_file_before_another(void **state)
{
    (void)state;
    assert_closed("diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n"
                  "diff --git a/m b/m\nnew file mode 100644\nindex 0000000..7d4290a\n--- /dev/null\n+++ b/m\n"
                  "@@ -0,0 +1 @@\n+x = 1\n",
                  "diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n-- \n"
                  "diff --git a/m b/m\nnew file mode 100644\nindex 0000000..7d4290a\n--- /dev/null\n+++ b/m\n"
                  "@@ -0,0 +1 @@\n+x = 1\n");
}

static void test_deleted_and_last(void **state)
{
    (void)state;
    assert_closed("diff --git a/d b/d\ndeleted file mode 100644\nindex e69de29..0000000\n"
                  "diff --git a/e b/e\nnew file mode 100755\nindex 0000000..e69de29",
                  "diff --git a/d b/d\ndeleted file mode 100644\nindex e69de29..0000000\n-- \n"
                  "diff --git a/e b/e\nnew file mode 100755\nindex 0000000..e69de29\n-- \n");
}

static void test_index_with_mode_and_crlf(void **state)
{
    (void)state;
    assert_closed("diff --git a/e b/e\r\nindex e69de29..e69de29 100644\r\ndiff --git a/f b/f\r\n",
                  "diff --git a/e b/e\r\nindex e69de29..e69de29 100644\r\n-- \ndiff --git a/f b/f\r\n");
}

static void test_nothing_to_close(void **state)
{
    size_t n = 0;
    (void)state;
    /* an index line followed by the file names, a mode change, an empty patch */
    assert_null(close_str("diff --git a/m b/m\nindex 1111111..2222222 100644\n--- a/m\n+++ b/m\n"
                          "@@ -1 +1 @@\n-a\n+b\n", &n));
    assert_null(close_str("diff --git a/r b/r\nold mode 100644\nnew mode 100755\ndiff --git a/s b/s\n", &n));
    assert_null(close_str("", &n));
    /* lines that only look like index lines */
    assert_null(close_str("index zz..11\ndiff --git a/x b/x\n", &n));
    assert_null(close_str("index 11..\ndiff --git a/x b/x\n", &n));
    assert_null(close_str("index 11..22 10064x\ndiff --git a/x b/x\n", &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_file_before_another),
        cmocka_unit_test(test_deleted_and_last),
        cmocka_unit_test(test_index_with_mode_and_crlf),
        cmocka_unit_test(test_nothing_to_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
