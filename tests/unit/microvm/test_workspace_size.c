/*
 * test_workspace_size.c: what a copied-in workspace is sized from
 * (docs/SANDBOX.md "Workspace size"): tree_usage() counting a real tree on
 * disk, and microvm_image_size() leaving disk_mb of room on top of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/sandbox/tree_usage.h"
#include "worker/sandbox/microvm_vm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void s_write(const char *path, size_t n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++)
        fputc('x', f);
    assert_int_equal(fclose(f), 0);
}

static void test_tree_usage_counts_blocks_and_entries(void **state)
{
    (void)state;
    char dir[] = "/tmp/airlock-usage-XXXXXX", p[300];
    assert_non_null(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/empty", dir);
    s_write(p, 0);                       /* no block */
    snprintf(p, sizeof p, "%s/one", dir);
    s_write(p, 1);                       /* one block */
    snprintf(p, sizeof p, "%s/sub", dir);
    assert_int_equal(mkdir(p, 0755), 0); /* a directory: one block */
    snprintf(p, sizeof p, "%s/sub/two", dir);
    s_write(p, 4097);                    /* two blocks */
    snprintf(p, sizeof p, "%s/short-link", dir);
    assert_int_equal(symlink("one", p), 0);   /* kept in the inode */
    char target[100];
    memset(target, 'a', sizeof target - 1);
    target[sizeof target - 1] = '\0';
    snprintf(p, sizeof p, "%s/long-link", dir);
    assert_int_equal(symlink(target, p), 0);  /* a block of its own */
    tree_usage_t u;
    assert_int_equal(tree_usage(dir, &u), 0);
    assert_int_equal(u.entries, 6);
    assert_int_equal(u.bytes, 5 * 4096);
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    assert_int_not_equal(tree_usage(dir, &u), 0);   /* gone: an error, not an empty tree */
}

static void test_image_leaves_disk_mb_of_room(void **state)
{
    (void)state;
    unsigned empty_mb, empty_inodes, mb, inodes;
    microvm_image_size(512, 0, 0, &empty_mb, &empty_inodes);
    assert_true(empty_mb >= 512 + 4);
    assert_true(empty_inodes >= 512u * 64u);   /* one per 16 KiB of room */
    /* a 1.5 GiB tree of 80,000 entries (Linux 6.1's size) */
    microvm_image_size(512, 1536ull << 20, 80000, &mb, &inodes);
    assert_int_equal(inodes, empty_inodes + 80000);
    assert_true(mb >= empty_mb + 1536 + 80000 * 256 / (1 << 20));
    assert_true(mb <= empty_mb + 1536 + 1536 / 32 + 80000 * 256 / (1 << 20) + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_usage_counts_blocks_and_entries),
        cmocka_unit_test(test_image_leaves_disk_mb_of_room),
    };
    return cmocka_run_group_tests_name("workspace_size", tests, NULL, NULL);
}
