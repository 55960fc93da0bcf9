/*
 * test_vm_log_cap.c: a VMM or guest that floods its logs does not fill the
 * host's disk. A compromised guest (or a qemu bug it triggers) controls what
 * reaches the serial console and qemu's stderr; here a stand-in VMM (a shell
 * script given as AIRLOCK_QEMU) writes 20 MB to each and exits, which the
 * real microvm driver sees as a failed boot. Its state directory is kept
 * (AIRLOCK_KEEP_VM_STATE) and console.log and qemu.log must each hold at most
 * MICROVM_LOG_MAX bytes plus the cap marker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/sandbox/sandbox.h"
#include "worker/sandbox/microvm_vm.h"
#include "common/error.h"
#include "common/log.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char s_fake_qemu[] =
    "#!/bin/sh\n"
    "for a in \"$@\"; do\n"
    "  case \"$a\" in --version) echo 'QEMU emulator version 7.2.0'; exit 0;;\n"
    "  file,id=con,path=*) con=${a#file,id=con,path=};; esac\n"
    "done\n"
    "head -c 20000000 /dev/zero | tr '\\0' c > \"$con\"\n"
    "head -c 20000000 /dev/zero | tr '\\0' q >&2\n"
    "exit 1\n";

static long long s_size(const char *dir, const char *name)
{
    char p[1300];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

static void test_logs_are_capped(void **state)
{
    (void)state;
    char dir[] = "/tmp/airlock-logcap-XXXXXX", qemu[600];
    assert_non_null(mkdtemp(dir));
    snprintf(qemu, sizeof qemu, "%s/fake-qemu", dir);
    FILE *f = fopen(qemu, "w");
    assert_non_null(f);
    fputs(s_fake_qemu, f);
    fclose(f);
    assert_int_equal(chmod(qemu, 0755), 0);
    setenv("AIRLOCK_QEMU", qemu, 1);
    if (!sandbox_driver_available("microvm")) {
        print_message("SKIP: microvm unavailable: %s\n", al_err_msg());
        skip();
    }
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = "microvm";
    spec.task_id = "logcap";
    spec.state_dir = dir;
    spec.limits = (sandbox_limits_t){ 1, 128, 16, 64, 1 << 20 };
    sandbox_t *sb = NULL;
    assert_int_not_equal(sandbox_create(&sb, &spec), 0);   /* the stand-in never answers */
    DIR *d = opendir(dir);
    int vms = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strncmp(e->d_name, "airlock-vm-", 11) != 0)
            continue;
        char vm[1100];
        snprintf(vm, sizeof vm, "%s/%s", dir, e->d_name);
        long long con = s_size(vm, "console.log"), log = s_size(vm, "qemu.log");
        print_message("%s: console.log %lld bytes, qemu.log %lld bytes\n", e->d_name, con, log);
        assert_true(con >= MICROVM_LOG_MAX && con <= MICROVM_LOG_MAX + 128);
        assert_true(log >= MICROVM_LOG_MAX && log <= MICROVM_LOG_MAX + 128);
        vms++;
    }
    if (d)
        closedir(d);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    assert_true(vms >= 1);
}

int main(void)
{
    al_log_init("test_vm_log_cap", AL_LOG_ERROR, NULL);
    if (geteuid() != 0) {
        printf("SKIP: the microvm driver needs root here\n");
        return 77;
    }
    setenv("AIRLOCK_KEEP_VM_STATE", "1", 1);
    setenv("AIRLOCK_MICROVM_CLONES", "0", 1);
    setenv("AIRLOCK_MICROVM_ACCEL", "tcg", 1);
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_logs_are_capped) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
