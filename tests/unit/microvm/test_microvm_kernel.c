/*
 * test_microvm_kernel.c: the microvm driver boots only a guest kernel whose
 * build config (beside the vmlinux) builds in 9p and the virtio-mmio devices.
 * Before, a kernel without 9p (Debian's cloud kernel, the old fallback of
 * scripts/build-guest-kernel) was accepted: /usr went over virtiofs served by
 * a root virtiofsd parsing the guest's requests, and the VMs then failed to
 * boot one by one ("mount /usr: No such device", no agent port).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/sandbox/microvm_kernel.h"
#include "worker/sandbox/microvm_vm.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char s_dir[] = "/tmp/airlock-test-kernel-XXXXXX";
static char s_kernel[128];

/* The options the driver needs, built in. */
static const char s_good[] = "CONFIG_VIRTIO_MMIO=y\nCONFIG_VIRTIO_BLK=y\nCONFIG_VIRTIO_CONSOLE=y\n"
                             "CONFIG_NET_9P_VIRTIO=y\nCONFIG_9P_FS=y\nCONFIG_EXT4_FS=y\nCONFIG_EROFS_FS=y\n";
/* Debian 12's linux-image-cloud-amd64 config, the lines that matter. */
static const char s_cloud[] = "CONFIG_VIRTIO_MMIO=m\nCONFIG_VIRTIO_BLK=m\nCONFIG_VIRTIO_CONSOLE=m\n"
                              "CONFIG_NET_9P_VIRTIO=m\nCONFIG_9P_FS=m\nCONFIG_EXT4_FS=m\nCONFIG_EROFS_FS=m\n";

static void s_write(const char *name, const char *text)
{
    char path[200];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(s_dir))
        return -1;
    snprintf(s_kernel, sizeof s_kernel, "%s/vmlinux", s_dir);
    s_write("vmlinux", "not a kernel: only its config is read\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[200];
    snprintf(path, sizeof path, "%s/config", s_dir);
    unlink(path);
    unlink(s_kernel);
    return rmdir(s_dir);
}

static void test_no_config_is_refused(void **state)
{
    (void)state;
    char path[200];
    snprintf(path, sizeof path, "%s/config", s_dir);
    unlink(path);
    assert_int_equal(microvm_kernel_check(s_kernel), AL_ENOTFOUND);
    assert_non_null(strstr(al_err_msg(), "scripts/build-guest-kernel"));
}

static void test_modules_are_not_enough(void **state)
{
    (void)state;
    s_write("config", s_cloud);
    assert_int_equal(microvm_kernel_check(s_kernel), AL_EINVAL);
    const char *msg = al_err_msg();
    assert_non_null(strstr(msg, "CONFIG_9P_FS"));
    assert_non_null(strstr(msg, "CONFIG_VIRTIO_MMIO"));
    assert_non_null(strstr(msg, "CONFIG_EROFS_FS"));
}

/* A neighbour of a needed name (CONFIG_9P_FS_SECURITY) or a "not set" line
 * does not count as the option. */
static void test_names_match_whole(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text, "CONFIG_VIRTIO_MMIO=y\nCONFIG_VIRTIO_BLK=y\nCONFIG_VIRTIO_CONSOLE=y\n"
                                "CONFIG_NET_9P_VIRTIO=y\n# CONFIG_9P_FS is not set\nCONFIG_9P_FS_SECURITY=y\n"
                                "CONFIG_EXT4_FS=y\nCONFIG_EROFS_FS=y\n");
    s_write("config", text);
    assert_int_equal(microvm_kernel_check(s_kernel), AL_EINVAL);
    assert_non_null(strstr(al_err_msg(), "lacks CONFIG_9P_FS ("));
}

static void test_built_in_is_accepted(void **state)
{
    (void)state;
    s_write("config", s_good);
    assert_int_equal(microvm_kernel_check(s_kernel), 0);
}

/* The project's own kernel, where scripts/build-guest-kernel has built it. */
static void test_project_kernel_is_accepted(void **state)
{
    (void)state;
    const char *k = "/var/cache/airlock/kernel/current/vmlinux";
    if (access(k, R_OK) != 0)
        skip();
    assert_int_equal(microvm_kernel_check(k), 0);
}

/* The driver itself: microvm_paths() refuses such a kernel before any VM (a
 * child process: the paths are resolved once per process). */
static void test_driver_refuses_a_kernel_without_9p(void **state)
{
    (void)state;
    s_write("config", s_cloud);
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("AIRLOCK_KERNEL", s_kernel, 1);
        setenv("AIRLOCK_QEMU", "/bin/sh", 1);          /* present: only the kernel is under test */
        setenv("AIRLOCK_INITRAMFS", s_kernel, 1);
        const microvm_paths_t *p;
        int rc = microvm_paths(&p);
        dprintf(pfd[1], "%d %s", rc, rc < 0 ? al_err_msg() : "");
        _exit(0);
    }
    close(pfd[1]);
    char out[1024] = "";
    ssize_t n = read(pfd[0], out, sizeof out - 1);
    close(pfd[0]);
    int st;
    waitpid(pid, &st, 0);
    out[n > 0 ? n : 0] = '\0';
    print_message("microvm_paths: %s\n", out);
    assert_int_equal(atoi(out), AL_EINVAL);
    assert_non_null(strstr(out, "lacks CONFIG_VIRTIO_MMIO"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_config_is_refused),
        cmocka_unit_test(test_modules_are_not_enough),
        cmocka_unit_test(test_names_match_whole),
        cmocka_unit_test(test_built_in_is_accepted),
        cmocka_unit_test(test_project_kernel_is_accepted),
        cmocka_unit_test(test_driver_refuses_a_kernel_without_9p),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
