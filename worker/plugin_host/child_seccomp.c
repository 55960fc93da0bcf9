/*
 * child_seccomp.c: the seccomp filter the plugin child installs after the
 * plugin's init and before analyze, so that code looking at hostile patch
 * text cannot open files, create sockets, fork, exec or map executable
 * memory even if an analyzer is exploited. Everything not listed fails with
 * EPERM (not a kill: sanitizer runtimes and libc fallbacks cope with EPERM).
 * Allowed: memory management without PROT_EXEC, writes to stderr and the
 * result pipe, time, futex, randomness, fstat of an open fd, exiting and
 * raising a signal at itself (abort: tgkill of its own pid only, so that
 * analyzer hosts sharing a uid cannot signal each other). Owns the libseccomp context briefly.
 */
#include "worker/plugin_host/plugin_host_child.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

int child_seccomp_install(int result_fd)
{
    static const int plain[] = {
        SCMP_SYS(read), SCMP_SYS(close), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(brk),
        SCMP_SYS(madvise), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn),
        SCMP_SYS(rt_sigprocmask), SCMP_SYS(sigaltstack), SCMP_SYS(getpid), SCMP_SYS(gettid),
        SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(time),
        SCMP_SYS(futex), SCMP_SYS(getrandom), SCMP_SYS(sched_yield), SCMP_SYS(fstat),
    };
    int rc = -1;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!ctx)
        return -1;
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, plain[i], 0) != 0)
            goto done;
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, 2, 0)) != 0
        || seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                            SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid(), 0)) != 0
        || seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
                            SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)result_fd, 0)) != 0
        || seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(writev), 1, SCMP_A0(SCMP_CMP_EQ, 2, 0)) != 0
        || seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                            SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) != 0
        || seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                            SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) != 0
        || seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
                            SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH)) != 0)
        goto done;
    rc = seccomp_load(ctx) == 0 ? 0 : -1;
done:
    seccomp_release(ctx);
    return rc;
}
