/*
 * workload_seccomp.c: the syscall filter of every workload: ns sandboxes
 * (ns_exec.c), gVisor sandboxes (the file gvisor_fs.c writes for airlock-gvinit)
 * and microVM guests (airlock-init builds it at boot and loads it before each
 * command's exec). One definition, compiled into the worker and, statically with
 * libseccomp.a, into the guest agent: it depends on nothing but libseccomp and
 * common/error.
 *
 * Default allow, with a deny list of kernel attack surface and of everything that
 * would let the workload rebuild or leave its namespaces. Denied calls fail with
 * EPERM (clone3 with ENOSYS so libc falls back to clone, whose flags we can see).
 * Only the native x86-64 ABI is allowed: a 32-bit (int 0x80) or x32 syscall kills
 * the process (SCMP_FLTATR_ACT_BADARCH).
 *
 * ptrace is denied outright (no debugging inside the sandbox): allowing it inside
 * the sandbox's pid namespace would still hand the workload a large kernel surface.
 *
 * Sockets: an allow-list of families (socket, socketpair): AF_UNIX, AF_INET,
 * AF_INET6, and AF_NETLINK with protocol NETLINK_ROUTE only; every other family
 * fails with EAFNOSUPPORT (AF_VSOCK is not confined by network namespaces, AF_ALG
 * and packet sockets are kernel surface no build needs), other netlink protocols
 * with EPROTONOSUPPORT. The family is compared on its low 32 bits, as the kernel
 * reads it, so garbage in the register's high half cannot slip past.
 *
 * The filter is compiled once with libseccomp and exported as a BPF program so the
 * forked child only has to call prctl(PR_SET_SECCOMP) (no allocation after fork).
 * workload_seccomp_shared() keeps one such program per process (the ns and gvisor
 * drivers: compiling costs about a millisecond, every sandbox gets the same bytes).
 * Owns: workload_bpf_t.filter (malloc'd); the shared program (process lifetime).
 */
#include "worker/guest/workload_seccomp.h"
#include "common/error.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/netlink.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *const s_denied[] = {
    /* kernel modules, kexec, reboot, swap, accounting, quotas */
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd",
    /* large attack surface */
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "lookup_dcookie", "uselib", "_sysctl", "syslog", "vhangup",
    "nfsservctl", "fanotify_init",
    /* other processes' memory */
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    /* file systems and namespaces */
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "move_mount",
    "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    "open_by_handle_at", "name_to_handle_at",
    /* keys */
    "keyctl", "add_key", "request_key",
    /* hardware I/O and clocks */
    "iopl", "ioperm", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
};

static int s_deny_all(scmp_filter_ctx ctx)
{
    for (size_t i = 0; i < sizeof s_denied / sizeof s_denied[0]; i++) {
        int nr = seccomp_syscall_resolve_name(s_denied[i]);
        if (nr == __NR_SCMP_ERROR)
            continue; /* not a syscall on this architecture */
        int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
        if (rc < 0)
            return al_err_set(AL_ESANDBOX, "seccomp deny %s: %s", s_denied[i], strerror(-rc));
    }
    return 0;
}

/* clone with any namespace flag, personality flags that weaken exec, TIOCSTI. */
static int s_deny_args(scmp_filter_ctx ctx)
{
    static const unsigned long ns_flags[] = { CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID,
        CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME };
    static const unsigned long persona[] = { READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE,
        ADDR_COMPAT_LAYOUT, MMAP_PAGE_ZERO };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof ns_flags / sizeof ns_flags[0]; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
    for (size_t i = 0; rc == 0 && i < sizeof persona / sizeof persona[0]; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, persona[i], persona[i]));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                              SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (rc < 0)
        return al_err_set(AL_ESANDBOX, "seccomp argument rule: %s", strerror(-rc));
    return 0;
}

/* The kernel refuses families >= AF_MAX itself; 64 covers every kernel's AF_MAX. */
#define WL_AF_LIMIT 64

static int s_socket_families(scmp_filter_ctx ctx)
{
    static const int allowed[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
    int rc = 0;
    for (int fam = 0; rc == 0 && fam < WL_AF_LIMIT; fam++) {
        int ok = 0;
        for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
            ok |= allowed[i] == fam;
        if (ok)
            continue;
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (scmp_datum_t)fam));
        if (rc == 0)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socketpair), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (scmp_datum_t)fam));
    }
    /* netlink: route only (a 64-bit compare: any high garbage is refused too) */
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPROTONOSUPPORT), SCMP_SYS(socket), 2,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_NETLINK),
                              SCMP_A2(SCMP_CMP_NE, NETLINK_ROUTE, 0));
    if (rc < 0)
        return al_err_set(AL_ESANDBOX, "seccomp socket rule: %s", strerror(-rc));
    return 0;
}

/* Export the compiled program through a memfd (libseccomp 2.5 has no in-memory export). */
static int s_export(scmp_filter_ctx ctx, workload_bpf_t *out)
{
    int fd = memfd_create("airlock-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return al_err_set_errno(AL_ESANDBOX, "memfd_create");
    int rc = seccomp_export_bpf(ctx, fd);
    off_t size = rc == 0 ? lseek(fd, 0, SEEK_END) : -1;
    if (rc < 0 || size <= 0 || size % sizeof(struct sock_filter) != 0 ||
        size / sizeof(struct sock_filter) > 0xffff) {
        close(fd);
        return al_err_set(AL_ESANDBOX, "seccomp export failed (rc=%d size=%lld)", rc,
                          (long long)size);
    }
    out->filter = malloc((size_t)size);
    if (!out->filter) {
        close(fd);
        return al_err_set(AL_ENOMEM, "seccomp program: out of memory");
    }
    ssize_t n = pread(fd, out->filter, (size_t)size, 0);
    close(fd);
    if (n != size) {
        workload_seccomp_free(out);
        return al_err_set(AL_ESANDBOX, "seccomp export: short read");
    }
    out->len = (unsigned short)(size / sizeof(struct sock_filter));
    return 0;
}

int workload_seccomp_build(workload_bpf_t *out)
{
    memset(out, 0, sizeof *out);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return al_err_set(AL_ESANDBOX, "seccomp_init failed");
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    /* We set PR_SET_NO_NEW_PRIVS ourselves before loading. */
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (rc < 0) {
        seccomp_release(ctx);
        return al_err_set(AL_ESANDBOX, "seccomp attributes: %s", strerror(-rc));
    }
    rc = s_deny_all(ctx);
    if (rc == 0)
        rc = s_deny_args(ctx);
    if (rc == 0)
        rc = s_socket_families(ctx);
    if (rc == 0)
        rc = s_export(ctx, out);
    seccomp_release(ctx);
    return rc;
}

static workload_bpf_t s_shared;
static int s_shared_rc = AL_ESANDBOX;
static char s_shared_err[256];
static pthread_once_t s_shared_once = PTHREAD_ONCE_INIT;

static void s_shared_build(void)
{
    s_shared_rc = workload_seccomp_build(&s_shared);
    if (s_shared_rc)
        snprintf(s_shared_err, sizeof s_shared_err, "%s", al_err_msg());
}

int workload_seccomp_shared(const workload_bpf_t **out)
{
    pthread_once(&s_shared_once, s_shared_build);
    *out = s_shared_rc ? NULL : &s_shared;
    return s_shared_rc ? al_err_set(s_shared_rc, "%s", s_shared_err) : 0;
}

void workload_seccomp_free(workload_bpf_t *bpf)
{
    if (!bpf)
        return;
    free(bpf->filter);
    bpf->filter = NULL;
    bpf->len = 0;
}

int workload_seccomp_apply(const workload_bpf_t *bpf)
{
    struct sock_fprog prog = { bpf->len, bpf->filter };
    if (!bpf->filter || bpf->len == 0)
        return -EINVAL;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
        return -errno;
    return 0;
}
