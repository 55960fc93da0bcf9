/*
 * test_rmtree.c: al_rm_tree removes a tree and never follows a link: not one
 * planted inside the tree, not the path itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/rmtree.h"

static char s_base[64];

static void s_file(const char *dir, const char *name)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(s_base, sizeof s_base, "/tmp/airlock-rmtree-XXXXXX");
    return mkdtemp(s_base) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return al_rm_tree(s_base);
}

static void test_removes_tree_not_link_targets(void **state)
{
    (void)state;
    char tree[96], outside[128], p[256];
    snprintf(tree, sizeof tree, "%s/tree", s_base);
    snprintf(outside, sizeof outside, "%s/outside", s_base);
    assert_int_equal(mkdir(tree, 0755), 0);
    assert_int_equal(mkdir(outside, 0755), 0);
    s_file(outside, "keep");
    snprintf(p, sizeof p, "%s/a", tree);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/a/b", tree);
    assert_int_equal(mkdir(p, 0700), 0);
    s_file(p, "deep");
    snprintf(p, sizeof p, "%s/a/to_outside", tree);
    assert_int_equal(symlink(outside, p), 0);
    snprintf(p, sizeof p, "%s/a/to_keep", tree);
    snprintf(outside + strlen(outside), sizeof outside - strlen(outside), "/keep");
    assert_int_equal(symlink(outside, p), 0);

    assert_int_equal(al_rm_tree(tree), 0);
    assert_int_equal(access(tree, F_OK), -1);
    assert_int_equal(access(outside, F_OK), 0);           /* the link's target is still there */
    assert_int_equal(al_rm_tree(tree), 0);                /* gone already: fine */
}

static void test_path_that_is_a_link_is_refused(void **state)
{
    (void)state;
    char dir[96], link[96], keep[128];
    snprintf(dir, sizeof dir, "%s/real", s_base);
    snprintf(link, sizeof link, "%s/link", s_base);
    assert_int_equal(mkdir(dir, 0755), 0);
    s_file(dir, "keep");
    assert_int_equal(symlink(dir, link), 0);
    assert_int_equal(al_rm_tree(link), AL_EIO);
    snprintf(keep, sizeof keep, "%s/keep", dir);
    assert_int_equal(access(keep, F_OK), 0);
    assert_int_equal(unlink(link), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_removes_tree_not_link_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_that_is_a_link_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
