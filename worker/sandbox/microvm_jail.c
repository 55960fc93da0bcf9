/*
 * microvm_jail.c: the per-VM jail of qemu (see microvm_jail.h).
 *
 * Worker side (root): lease the uid, create the cgroup (gvisor_cgroup.c's
 * controller code, shared) and register its directories with the janitor.
 * Child side, between fork and exec of qemu, in this order: join the cgroup;
 * unshare the mount namespace and make every mount private; mount a small
 * tmpfs on MICROVM_JAIL_ROOT and fill it (read-only /usr with the merged-/usr
 * symlinks, /etc/ld.so.cache, /dev/{null,zero,full,random,urandom[,kvm]},
 * proc with hidepid=invisible,subset=pid, the caller's host files read-only
 * at their own paths); pivot_root into it and detach the old root; remount
 * the new root read-only; setgroups(0), setresgid, setresuid to the leased
 * uid (which drops every capability); no_new_privs; parent-death signal.
 * The child code calls no allocator (the worker is multithreaded).
 */
#include "worker/sandbox/microvm_jail.h"
#include "worker/sandbox/gvisor.h"
#include "worker/sandbox/janitor.h"
#include "worker/sandbox/uid_lease.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define JAIL_PATH 600

struct microvm_jail {
    uid_lease_t lease;
    gv_cgroup_t *cg;
    char name[64];
};

static atomic_uint s_serial;

static int s_mkdir_p(const char *path, mode_t mode)
{
    char buf[JAIL_PATH];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        return -ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    return mkdir(buf, mode) < 0 && errno != EEXIST ? -errno : 0;
}

int microvm_jail_new(microvm_jail_t **out, unsigned vcpus, unsigned memory_mb, unsigned disk_mb)
{
    *out = NULL;
    microvm_jail_t *j = calloc(1, sizeof *j);
    if (!j)
        return al_err_set(AL_ENOMEM, "microvm jail: out of memory");
    j->lease = (uid_lease_t)UID_LEASE_INIT;
    snprintf(j->name, sizeof j->name, "airlock-vm-%d-%u", (int)getpid(), atomic_fetch_add(&s_serial, 1));
    gv_cg_limits_t lim = { .memory_bytes = ((uint64_t)memory_mb + disk_mb + MICROVM_JAIL_OVERHEAD_MB) << 20,
                           .pids = MICROVM_JAIL_PIDS + vcpus, .cpus = vcpus + 1 };
    int rc = s_mkdir_p(MICROVM_JAIL_ROOT, 0755) < 0
                 ? al_err_set_errno(AL_ESANDBOX, "microvm jail: mkdir %s", MICROVM_JAIL_ROOT)
                 : uid_lease_take(&j->lease);
    if (rc == 0)
        rc = gv_cgroup_new(&j->cg, j->name, &lim);
    for (int i = 0; rc == 0 && gv_cgroup_dir(j->cg, i); i++)
        rc = janitor_track(JANITOR_CGROUP, gv_cgroup_dir(j->cg, i));
    if (rc < 0) {
        microvm_jail_destroy(&j);
        return rc;
    }
    *out = j;
    return 0;
}

uid_t microvm_jail_uid(const microvm_jail_t *j) { return j->lease.uid; }

const char *microvm_jail_cgroup(const microvm_jail_t *j) { return j->name; }

int microvm_jail_background(microvm_jail_t *j, int background)
{
    return gv_cgroup_background(j->cg, background);
}

void microvm_jail_destroy(microvm_jail_t **p)
{
    if (!p || !*p)
        return;
    microvm_jail_t *j = *p;
    *p = NULL;
    char dirs[3][JAIL_PATH];
    int n = 0;
    for (; j->cg && n < 3 && gv_cgroup_dir(j->cg, n); n++)
        snprintf(dirs[n], sizeof dirs[n], "%s", gv_cgroup_dir(j->cg, n));
    gv_cgroup_destroy(&j->cg);   /* kills every process of the uid's VM first */
    for (int i = 0; i < n; i++)
        janitor_untrack(JANITOR_CGROUP, dirs[i]);
    uid_lease_release(&j->lease);
    free(j);
}

/* ---- child side: no allocation from here on ---- */

/* dst = a + b (both may be ""), truncation is an error. */
static int s_join(char *dst, size_t size, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + lb >= size)
        return -ENAMETOOLONG;
    memcpy(dst, a, la);
    memcpy(dst + la, b, lb + 1);
    return 0;
}

/* Bind-mounts host path `src` at the same path below the jail root (its
 * parents made as directories), read-only unless it is a socket. */
static int s_bind(const char *src, int rec)
{
    struct stat st;
    char dst[JAIL_PATH], parent[JAIL_PATH];
    int rc = stat(src, &st) < 0 ? -errno : s_join(dst, sizeof dst, MICROVM_JAIL_ROOT, src);
    if (rc < 0)
        return rc;
    memcpy(parent, dst, sizeof parent);
    char *slash = strrchr(parent, '/');
    *slash = '\0';
    if ((rc = s_mkdir_p(parent, 0755)) < 0)
        return rc;
    if (S_ISDIR(st.st_mode)) {
        if (mkdir(dst, 0755) < 0 && errno != EEXIST)
            return -errno;
    } else {
        int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return -errno;
        close(fd);
    }
    if (mount(src, dst, NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
        return -errno;
    if (S_ISSOCK(st.st_mode))
        return 0;
    unsigned long dev = S_ISCHR(st.st_mode) ? 0 : MS_NODEV;   /* a device node stays usable */
    return mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | dev, NULL) < 0 ? -errno : 0;
}

static int s_fill_root(const char *const *binds, int kvm, const char **step)
{
    static const char *const devs[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom" };
    static const char *const links[][2] = { { "usr/bin", "bin" }, { "usr/sbin", "sbin" }, { "usr/lib", "lib" },
                                            { "usr/lib64", "lib64" } };
    char p[JAIL_PATH];
    int rc;
    *step = "bind /usr";
    if ((rc = s_bind("/usr", 1)) < 0)
        return rc;
    *step = "symlinks";
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
        if ((rc = s_join(p, sizeof p, MICROVM_JAIL_ROOT "/", links[i][1])) < 0)
            return rc;
        if (symlink(links[i][0], p) < 0)
            return -errno;
    }
    *step = "/etc/ld.so.cache";
    if (access("/etc/ld.so.cache", R_OK) == 0 && (rc = s_bind("/etc/ld.so.cache", 0)) < 0)
        return rc;
    *step = "device nodes";
    for (size_t i = 0; i < sizeof devs / sizeof *devs; i++)
        if ((rc = s_bind(devs[i], 0)) < 0)
            return rc;
    if (kvm && (rc = s_bind("/dev/kvm", 0)) < 0)
        return rc;
    *step = "proc";
    if (mkdir(MICROVM_JAIL_ROOT "/proc", 0555) < 0 ||
        mount("proc", MICROVM_JAIL_ROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "hidepid=invisible,subset=pid") < 0)
        return -errno;
    *step = "host files";
    for (int i = 0; binds && binds[i] && i < MICROVM_JAIL_BINDS_MAX; i++)
        if (strncmp(binds[i], "/usr/", 5) != 0 && (rc = s_bind(binds[i], 0)) < 0)
            return rc;
    return 0;
}

static int s_pivot(const char **step)
{
    *step = "pivot_root";
    if (chdir(MICROVM_JAIL_ROOT) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 ||
        chdir("/") < 0)
        return -errno;
    *step = "read-only root";
    return mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0 ? -errno : 0;
}

static int s_drop(uid_t uid, pid_t parent, const char **step)
{
    *step = "drop to the leased uid";
    if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, uid, uid, uid) < 0 ||
        syscall(SYS_setresuid, uid, uid, uid) < 0)
        return -errno;
    *step = "no_new_privs";
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -errno;
    *step = "parent-death signal";   /* the uid change cleared it */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        return -errno;
    return getppid() != parent ? -ESRCH : 0;
}

int microvm_jail_enter(const microvm_jail_t *j, const char *const *binds, int kvm, pid_t parent, const char **step)
{
    *step = "join the cgroup";
    int rc = gv_cgroup_attach(j->cg, getpid());
    if (rc < 0)
        return rc;
    *step = "mount namespace";
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("airlock-vmm", MICROVM_JAIL_ROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0)
        return -errno;
    if ((rc = s_fill_root(binds, kvm, step)) < 0 || (rc = s_pivot(step)) < 0)
        return rc;
    return s_drop(j->lease.uid, parent, step);
}
