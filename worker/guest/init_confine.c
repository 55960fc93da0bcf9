/*
 * init_confine.c: how a child of airlock-init becomes a workload command.
 * First confined - the job cgroup, its own session, stdin from /dev/null,
 * stdout/stderr on the exec's pipes, no other descriptor, the environment's
 * root, the sandbox user, no address randomization under TCG, the workload
 * syscall filter - then the program run in its working directory. Used by a
 * command forked at its request (init_exec.c) and by the one made ahead while
 * the guest is idle (init_prefork.c). Runs in the child only; a step that
 * fails ends the child with 126 (127: no such program) and says why on stderr.
 */
#include "worker/guest/init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

void init_confine(const init_ctx_t *c, int64_t uid, int out_w, int err_w, int keep_fd)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    (void)init_write_file(INIT_CGROUP "/cgroup.procs", "0");
    setsid();
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
        _exit(126);
    if (keep_fd >= 0 && (dup2(keep_fd, 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0))
        _exit(126);
    close_range(keep_fd >= 0 ? 4 : 3, ~0u, 0);
    /* a job environment's root, entered while still root (chroot needs it) */
    if (c->root[0] && (chroot(c->root) < 0 || chdir("/") < 0)) {
        dprintf(2, "airlock-init: chroot %s: %s\n", c->root, strerror(errno));
        _exit(126);
    }
    gid_t gid = (gid_t)uid;
    if (uid <= 0 || setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid((uid_t)uid) < 0) {
        dprintf(2, "airlock-init: cannot drop privileges to uid %lld\n", (long long)uid);
        _exit(126);
    }
    /* before the filter, which refuses this flag to the workload; the kernel
     * clears it on a setuid exec, children inherit it */
    if (c->fixed_layout && personality(PER_LINUX | ADDR_NO_RANDOMIZE) < 0) {
        dprintf(2, "airlock-init: personality: %s\n", strerror(errno));
        _exit(126);
    }
    /* the workload's syscall filter, the same as on ns and gvisor (workload_seccomp.c) */
    int rc = workload_seccomp_apply(&c->bpf);
    if (rc < 0) {
        dprintf(2, "airlock-init: cannot load the syscall filter: %s\n", strerror(-rc));
        _exit(126);
    }
}

void init_run_program(const char *cwd, char *const argv[], char *const env[])
{
    if (!cwd || !cwd[0])
        cwd = "/workspace";
    if (chdir(cwd) < 0) {
        dprintf(2, "airlock-init: chdir %s: %s\n", cwd, strerror(errno));
        _exit(126);
    }
    execvpe(argv[0], argv, env);
    int err = errno;
    if (err == ENOENT) /* worded like every driver (and like a shell) */
        dprintf(2, "airlock: %s: command not found\n", argv[0]);
    else
        dprintf(2, "airlock: cannot run %s: %s\n", argv[0], strerror(err));
    _exit(err == ENOENT ? 127 : 126);
}
