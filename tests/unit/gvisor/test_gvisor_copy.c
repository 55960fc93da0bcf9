/*
 * test_gvisor_copy.c: the gvisor driver's workspace copies and tree removal
 * (gvisor_copy.c) on trees built here with everything a hostile sandbox could
 * leave: setuid/setgid/sticky bits, a FIFO, a device, a socket, links that
 * leave the tree or loop, unreadable modes, deep nesting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/sandbox/gvisor.h"
#include "common/error.h"
#include "common/rmtree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct {
    char src[64], dst[64], outside[64];
} dirs_t;

static void s_write(const char *dir, const char *name, const char *text, mode_t mode)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(chmod(p, mode), 0);
}

static void s_path(char *out, const char *dir, const char *name) { snprintf(out, PATH_MAX, "%s/%s", dir, name); }

static int s_setup(void **state)
{
    dirs_t *d = calloc(1, sizeof *d);
    snprintf(d->src, sizeof d->src, "/tmp/gvcopy-src-XXXXXX");
    snprintf(d->dst, sizeof d->dst, "/tmp/gvcopy-dst-XXXXXX");
    snprintf(d->outside, sizeof d->outside, "/tmp/gvcopy-out-XXXXXX");
    assert_non_null(mkdtemp(d->src));
    assert_non_null(mkdtemp(d->dst));
    assert_non_null(mkdtemp(d->outside));
    *state = d;
    return 0;
}

static int s_teardown(void **state)
{
    dirs_t *d = *state;
    al_rm_tree(d->src);
    al_rm_tree(d->dst);
    al_rm_tree(d->outside);
    free(d);
    return 0;
}

static void s_hostile_tree(const dirs_t *d)
{
    char p[PATH_MAX], q[PATH_MAX];
    s_write(d->src, "plain", "hello\n", 0644);
    s_write(d->src, "suid", "#!/bin/sh\n", 04755);
    s_write(d->src, "locked", "secret\n", 0000);
    s_path(p, d->src, "sgid-dir");
    assert_int_equal(mkdir(p, 0755), 0);
    assert_int_equal(chmod(p, 02775), 0);
    s_write(p, "inner", "in\n", 0600);
    s_path(p, d->src, "sticky");
    assert_int_equal(mkdir(p, 01777), 0);
    assert_int_equal(chmod(p, 01777), 0);
    s_path(p, d->src, "fifo");
    assert_int_equal(mkfifo(p, 0644), 0);
    if (geteuid() == 0) {
        s_path(p, d->src, "null-device");
        assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
    }
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    s_path(sa.sun_path, d->src, "sock");
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    close(s);
    s_path(p, d->src, "to-outside");
    assert_int_equal(symlink(d->outside, p), 0);
    s_path(p, d->src, "to-passwd");
    assert_int_equal(symlink("/etc/passwd", p), 0);
    s_path(p, d->src, "loop");
    assert_int_equal(symlink("loop", p), 0);
    s_path(p, d->src, "up");
    assert_int_equal(symlink("../../../..", p), 0);
    s_path(q, d->src, "deep");
    for (int i = 0; i < 20; i++) {
        assert_int_equal(mkdir(q, 0755), 0);
        strcat(q, "/d");
    }
    s_write(d->src, "deep/d/d/d/leaf", "leaf\n", 0640);
    s_path(p, d->src, "ro-dir");
    assert_int_equal(mkdir(p, 0755), 0);
    s_write(p, "f", "f\n", 0644);
    assert_int_equal(chmod(p, 0500), 0);
}

static mode_t s_mode(const char *dir, const char *name)
{
    char p[PATH_MAX];
    struct stat st;
    s_path(p, dir, name);
    assert_int_equal(lstat(p, &st), 0);
    return st.st_mode;
}

static void test_copy_out_hostile_tree(void **state)
{
    dirs_t *d = *state;
    s_hostile_tree(d);
    int src = open(d->src, O_RDONLY | O_DIRECTORY);
    gv_copy_stats_t st;
    assert_int_equal(gv_copy_out(src, d->dst, &st), 0);
    /* only regular files, directories and links; permission bits only */
    assert_int_equal(st.skipped, geteuid() == 0 ? 3 : 2);
    assert_int_equal(st.mode_bits_dropped, 3);
    assert_int_equal(s_mode(d->dst, "plain") & 07777, 0644);
    assert_int_equal(s_mode(d->dst, "suid") & 07777, 0755);
    assert_int_equal(s_mode(d->dst, "locked") & 07777, 0);
    assert_int_equal(s_mode(d->dst, "sgid-dir") & 07777, 0775);
    assert_int_equal(s_mode(d->dst, "sticky") & 07777, 0777);
    assert_int_equal(s_mode(d->dst, "ro-dir") & 07777, 0500);
    char p[PATH_MAX];
    const char *absent[] = { "fifo", "null-device", "sock" };
    for (int i = 0; i < 3; i++) {
        s_path(p, d->dst, absent[i]);
        assert_int_equal(access(p, F_OK), -1);
    }
    /* links are copied as links, never followed: nothing landed outside */
    char target[PATH_MAX];
    const char *links[][2] = { { "to-outside", d->outside }, { "to-passwd", "/etc/passwd" },
                               { "loop", "loop" }, { "up", "../../../.." } };
    for (int i = 0; i < 4; i++) {
        assert_true(S_ISLNK(s_mode(d->dst, links[i][0])));
        s_path(p, d->dst, links[i][0]);
        ssize_t n = readlink(p, target, sizeof target - 1);
        assert_true(n > 0);
        target[n] = '\0';
        assert_string_equal(target, links[i][1]);
    }
    DIR *o = opendir(d->outside);
    int entries = 0;
    for (struct dirent *e; (e = readdir(o)) != NULL;)
        entries += e->d_name[0] != '.';
    closedir(o);
    assert_int_equal(entries, 0);
    s_path(p, d->dst, "deep/d/d/d/leaf");
    assert_int_equal(access(p, R_OK), 0);
    assert_int_equal(st.files, 6);
    /* a second copy needs an empty target */
    assert_int_equal(gv_copy_out(src, d->dst, &st), AL_EINVAL);
    close(src);
}

static void test_copy_in_chowns(void **state)
{
    dirs_t *d = *state;
    if (geteuid() != 0)
        skip();
    s_write(d->src, "a", "a\n", 0644);
    char p[PATH_MAX];
    s_path(p, d->src, "sub");
    assert_int_equal(mkdir(p, 0755), 0);
    s_path(p, d->src, "sub/link");
    assert_int_equal(symlink("../a", p), 0);
    int dst = open(d->dst, O_RDONLY | O_DIRECTORY);
    gv_copy_stats_t st;
    assert_int_equal(gv_copy_in(dst, d->src, 1000, 1001, &st), 0);
    close(dst);
    const char *names[] = { "a", "sub", "sub/link" };
    for (int i = 0; i < 3; i++) {
        struct stat s;
        s_path(p, d->dst, names[i]);
        assert_int_equal(lstat(p, &s), 0);
        assert_int_equal(s.st_uid, 1000);
        assert_int_equal(s.st_gid, 1001);
    }
    assert_int_equal(st.files, 1);
    assert_int_equal(st.dirs, 1);
    assert_int_equal(st.links, 1);
}

static void test_depth_bounded(void **state)
{
    dirs_t *d = *state;
    int fd = open(d->src, O_RDONLY | O_DIRECTORY);
    for (int i = 0; i < 300; i++) {
        assert_int_equal(mkdirat(fd, "d", 0755), 0);
        int next = openat(fd, "d", O_RDONLY | O_DIRECTORY);
        close(fd);
        fd = next;
    }
    close(fd);
    int src = open(d->src, O_RDONLY | O_DIRECTORY);
    gv_copy_stats_t st;
    assert_int_equal(gv_copy_out(src, d->dst, &st), AL_ELIMIT);
    close(src);
}

static void test_remove_tree_never_follows(void **state)
{
    dirs_t *d = *state;
    s_write(d->outside, "keep", "keep\n", 0644);
    char p[PATH_MAX];
    s_path(p, d->src, "out");
    assert_int_equal(symlink(d->outside, p), 0);
    s_path(p, d->src, "dir");
    assert_int_equal(mkdir(p, 0755), 0);
    s_write(p, "x", "x\n", 0000);
    assert_int_equal(chmod(p, 0), 0);
    assert_int_equal(al_rm_tree(d->src), 0);
    assert_int_equal(access(d->src, F_OK), -1);
    s_path(p, d->outside, "keep");
    assert_int_equal(access(p, F_OK), 0);
    assert_int_equal(al_rm_tree(d->src), 0);   /* already gone: fine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copy_out_hostile_tree, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_copy_in_chowns, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_depth_bounded, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_remove_tree_never_follows, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
