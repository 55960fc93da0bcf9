/*
 * test_an_text.c: the analyzers' text helpers (plugins/common/an_text.h):
 * an_str_in / AN_STR_IN match whole strings only, and the path slices they
 * are used on; an_mem_in / AN_MEM_IN the same for slices of a line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "an_text.h"

static void test_str_in_whole_strings(void **s)
{
    (void)s;
    static const char *const exts[] = {"md", "rst", "markdown"};
    assert_true(AN_STR_IN("md", exts));
    assert_true(AN_STR_IN("markdown", exts));
    assert_false(AN_STR_IN("m", exts));        /* a prefix of one */
    assert_false(AN_STR_IN("mdx", exts));      /* one as a prefix */
    assert_false(AN_STR_IN("MD", exts));       /* case is the caller's */
    assert_false(AN_STR_IN("", exts));
    assert_false(an_str_in("md", exts, 0));    /* an empty set */
}

static void test_mem_in_slices(void **s)
{
    (void)s;
    static const char *const streams[] = {"&1", "/dev/null"};
    const char *line = "cat <<EOF >/dev/null2 2>&1";
    assert_true(AN_MEM_IN(line + 11, 9, streams));    /* "/dev/null" of "/dev/null2" */
    assert_false(AN_MEM_IN(line + 11, 10, streams));  /* "/dev/null2" */
    assert_false(AN_MEM_IN(line + 11, 8, streams));   /* "/dev/nul": a prefix of one */
    assert_true(AN_MEM_IN(line + 24, 2, streams));
    assert_false(AN_MEM_IN(line + 24, 0, streams));   /* the empty slice */
    static const char *const with_empty[] = {"x", ""};
    assert_true(AN_MEM_IN(line, 0, with_empty));
    assert_false(an_mem_in("&1", 2, streams, 0));     /* an empty set */
    assert_false(AN_MEM_IN("&\0x", 3, streams));      /* a NUL in the slice is a byte like any */
}

static void test_str_in_on_path_slices(void **s)
{
    (void)s;
    static const char *const bases[] = {"PKG-INFO", "NEWS"};
    static const char *const exts[] = {"rst"};
    assert_true(AN_STR_IN(an_path_base("pkg/NEWS"), bases));
    assert_false(AN_STR_IN(an_path_base("NEWS/x.c"), bases));
    assert_true(AN_STR_IN(an_path_ext("docs/a.b/index.rst"), exts));
    assert_false(AN_STR_IN(an_path_ext(".rst"), exts)); /* a dot file has no extension */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str_in_whole_strings),
        cmocka_unit_test(test_str_in_on_path_slices),
        cmocka_unit_test(test_mem_in_slices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
