/*
 * ns_root.c: the sandbox's init process (child side of ns.c's clone).
 *
 * Runs as pid 1 of the sandbox's pid namespace, in fresh user, mount, net, ipc,
 * uts and cgroup namespaces. It becomes root of the user namespace (host uid
 * NS_HOST_ID_BASE), builds the sandbox's file system view and then idles until
 * the worker destroys the sandbox (SIGKILL) or disappears (lifeline EOF):
 *
 *   /            tmpfs, read-only after setup; or, for a job environment, its
 *                finalized tree bound read-only (then /usr, /bin, /etc are its own)
 *   /usr         read-only bind of the host's /usr (nosuid, nodev)
 *   /bin ...     symlinks or read-only binds mirroring the host's top-level lib/bin dirs
 *   /etc         read-only bind of the default environment's staged /etc
 *                (default_env.h: generated accounts, allow-listed host config;
 *                never the host's passwd or shadow)
 *   /dev         tmpfs with binds of the host's null zero full random urandom tty
 *   /proc        procfs of the sandbox pid namespace
 *   /tmp /dev/shm  tmpfs, NS_TMP_MB each
 *   /workspace   the workspace tmpfs ns.c made (a detached mount, moved here)
 *
 * Also owns the small child-side helpers shared with ns_exec.c and ns_fwd.c.
 * Everything here runs after fork in a multithreaded program: async-signal-safe
 * calls only, no allocation.
 */
#include "worker/sandbox/ns_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sched.h>

#define ROOT_PATH_MAX 512

size_t ns_child_fmt(char *dst, size_t size, const char *a, const char *b, int err)
{
    const char *parts[] = { a, b ? " " : "", b ? b : "", err ? ": " : "",
                            err ? strerrordesc_np(err) : "" };
    size_t off = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && size; i++) {
        if (!parts[i])
            continue;
        size_t l = strlen(parts[i]);
        if (off + l >= size)
            l = size - 1 - off;
        memcpy(dst + off, parts[i], l);
        off += l;
    }
    if (size)
        dst[off] = '\0';
    return off;
}

void ns_child_say(int fd, const char *a, const char *b, int err)
{
    char buf[512];
    size_t n = ns_child_fmt(buf, sizeof buf, a, b, err);
    if (n && write(fd, buf, n) < 0)
        return;
}

int ns_set_ids(unsigned id)
{
    if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, id, id, id) < 0 ||
        syscall(SYS_setresuid, id, id, id) < 0)
        return -errno;
    return 0;
}

void ns_stdio_null(void)
{
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        return;
    for (int i = 0; i < 3; i++) {
        if (fd != i)
            dup2(fd, i);
    }
    if (fd > 2)
        close(fd);
}

int ns_fds_keep(int *fds, int n)
{
    /* First lift every kept fd above the target range, then move it down. */
    int high = 3 + n + 64;
    for (int i = 0; i < n; i++) {
        int d = fcntl(fds[i], F_DUPFD, high);
        if (d < 0)
            return -errno;
        fds[i] = d;
    }
    for (int i = 0; i < n; i++) {
        if (dup2(fds[i], 3 + i) < 0)
            return -errno;
        fds[i] = 3 + i;
    }
    if (syscall(SYS_close_range, 3 + n, ~0U, 0) < 0)
        return -errno;
    return 0;
}

/* ---- path helpers (fixed buffers: no allocation after fork) ---- */

static int s_join(char *dst, const char *root, const char *rel)
{
    size_t a = strlen(root), b = strlen(rel);
    if (a + b + 2 > ROOT_PATH_MAX)
        return -ENAMETOOLONG;
    memcpy(dst, root, a);
    dst[a] = '/';
    memcpy(dst + a + 1, rel, b + 1);
    return 0;
}

/* Read-only bind of host path `src` at root/rel, keeping the flags the kernel
 * locked on the source mount (nosuid, nodev, ...) as a user namespace must. */
static int s_bind_ro(const char *root, const char *src, const char *rel, int is_dir)
{
    char p[ROOT_PATH_MAX];
    int rc = s_join(p, root, rel);
    if (rc)
        return rc;
    if (is_dir) {
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            return -errno;
    } else {
        int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return -errno;
        close(fd);
    }
    if (mount(src, p, NULL, MS_BIND | MS_REC, NULL) < 0)
        return -errno;
    struct statvfs sv;
    if (statvfs(p, &sv) < 0)
        return -errno;
    unsigned long fl = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV;
    if (sv.f_flag & ST_NOEXEC)
        fl |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME)
        fl |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME)
        fl |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME)
        fl |= MS_RELATIME;
    if (mount(NULL, p, NULL, fl, NULL) < 0)
        return -errno;
    return 0;
}

static int s_mount_tmpfs(const char *root, const char *rel, const char *opts, unsigned long fl)
{
    char p[ROOT_PATH_MAX];
    int rc = s_join(p, root, rel);
    if (rc)
        return rc;
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
        return -errno;
    if (mount("tmpfs", p, "tmpfs", fl | MS_NOSUID | MS_NODEV, opts) < 0)
        return -errno;
    return 0;
}

/* bin, sbin, lib, lib32, lib64, libx32: symlink like the host, bind if a real dir. */
static int s_mirror_top(const char *root, int err_fd)
{
    static const char *const tops[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
    for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++) {
        char host[64], p[ROOT_PATH_MAX], target[256];
        snprintf(host, sizeof host, "/%s", tops[i]);
        struct stat st;
        if (lstat(host, &st) < 0)
            continue;
        int rc = 0;
        if (S_ISLNK(st.st_mode)) {
            ssize_t n = readlink(host, target, sizeof target - 1);
            if (n < 0)
                rc = -errno;
            else {
                target[n] = '\0';
                rc = s_join(p, root, tops[i]);
                if (rc == 0 && symlink(target, p) < 0)
                    rc = -errno;
            }
        } else if (S_ISDIR(st.st_mode)) {
            rc = s_bind_ro(root, host, tops[i], 1);
        }
        if (rc) {
            ns_child_say(err_fd, "mirror", host, -rc);
            return rc;
        }
    }
    return 0;
}

/* /etc is the default environment's staged tree (default_env.h), read-only,
 * bound through etc_fd: the root tmpfs may hide its path (it lives in /tmp). */
static int s_setup_etc(const char *root, int etc_fd, int err_fd)
{
    char src[64];
    snprintf(src, sizeof src, "/proc/self/fd/%d", etc_fd);
    int rc = s_bind_ro(root, src, "etc", 1);
    if (rc)
        ns_child_say(err_fd, "bind the default /etc", NULL, -rc);
    close(etc_fd);
    return rc;
}

static int s_setup_dev(const char *root, int err_fd)
{
    static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
    static const char *const links[][2] = { { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
        { "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" } };
    int rc = s_mount_tmpfs(root, "dev", "size=64k,mode=0755", MS_NOEXEC);
    for (size_t i = 0; rc == 0 && i < sizeof nodes / sizeof nodes[0]; i++) {
        char host[32], rel[32], p[ROOT_PATH_MAX];
        snprintf(host, sizeof host, "/dev/%s", nodes[i]);
        snprintf(rel, sizeof rel, "dev/%s", nodes[i]);
        rc = s_join(p, root, rel);
        int fd = rc ? -1 : open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) {
            rc = rc ? rc : -errno;
            break;
        }
        close(fd);
        if (mount(host, p, NULL, MS_BIND, NULL) < 0)
            rc = -errno;
    }
    for (size_t i = 0; rc == 0 && i < sizeof links / sizeof links[0]; i++) {
        char rel[32], p[ROOT_PATH_MAX];
        snprintf(rel, sizeof rel, "dev/%s", links[i][0]);
        if (s_join(p, root, rel) || symlink(links[i][1], p) < 0)
            rc = -EIO;
    }
    if (rc == 0)
        rc = s_mount_tmpfs(root, "dev/shm", "size=" "64m" ",mode=1777", MS_NOEXEC);
    if (rc)
        ns_child_say(err_fd, "setup", "/dev", -rc);
    return rc;
}

static int s_lo_up(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = 0;
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        rc = -errno;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (rc == 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

/* The default environment: a tmpfs root with the host's /usr and the staged /etc. */
static int s_default_root(const ns_root_args_t *a, int err_fd)
{
    const char *root = a->root_dir;
    int etc_fd = open(a->etc_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (etc_fd < 0)
        return ns_child_say(err_fd, "open", a->etc_dir, errno), -1;
    if (mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755") < 0)
        return ns_child_say(err_fd, "mount root tmpfs on", root, errno), -1;
    int rc = s_bind_ro(root, "/usr", "usr", 1);
    if (rc)
        return ns_child_say(err_fd, "bind", "/usr", -rc), -1;
    return s_mirror_top(root, err_fd) || s_setup_etc(root, etc_fd, err_fd) ? -1 : 0;
}

/* An environment: its finalized tree (env_unpack.h: every mount point below is
 * a real directory), bound read-only as the root through env_fd. */
static int s_env_root(const ns_root_args_t *a, int env_fd, int err_fd)
{
    char src[64];
    snprintf(src, sizeof src, "/proc/self/fd/%d", env_fd);
    if (mount(src, a->root_dir, NULL, MS_BIND, NULL) < 0)
        return ns_child_say(err_fd, "bind the environment's root", NULL, errno), -1;
    close(env_fd);
    if (mount(NULL, a->root_dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
        return ns_child_say(err_fd, "remount the environment's root read-only", NULL, errno), -1;
    int rc = s_mount_tmpfs(a->root_dir, "run", "size=16m,mode=0755", 0);
    return rc ? (ns_child_say(err_fd, "mount", "/run", -rc), -1) : 0;
}

/* mkdir root/rel unless it exists (an environment brings its own). */
static int s_mkdir_at(const char *root, const char *rel, mode_t mode)
{
    char p[ROOT_PATH_MAX];
    if (s_join(p, root, rel))
        return -ENAMETOOLONG;
    return mkdir(p, mode) == 0 || errno == EEXIST ? 0 : -errno;
}

/* Build the tree under root_dir, then pivot into it and make / read-only. */
static int s_build_root(const ns_root_args_t *a, int env_fd, int ws_fd, int err_fd)
{
    const char *root = a->root_dir;
    char opts[64];
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return ns_child_say(err_fd, "make / private", NULL, errno), -1;
    if ((env_fd >= 0 ? s_env_root(a, env_fd, err_fd) : s_default_root(a, err_fd)) || s_setup_dev(root, err_fd))
        return -1;
    char p[ROOT_PATH_MAX];
    int rc;
    if ((rc = s_mkdir_at(root, "proc", 0555)) != 0 || s_join(p, root, "proc") ||
        mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return ns_child_say(err_fd, "mount", "/proc", rc ? -rc : errno), -1;
    snprintf(opts, sizeof opts, "size=%um,mode=1777", NS_TMP_MB);
    if ((rc = s_mount_tmpfs(root, "tmp", opts, 0)) != 0)
        return ns_child_say(err_fd, "mount", "/tmp", -rc), -1;
    if ((rc = s_mkdir_at(root, "workspace", 0755)) != 0 || (rc = s_mkdir_at(root, "root", 0700)) != 0)
        return ns_child_say(err_fd, "mkdir", "/workspace, /root", -rc), -1;
    /* the worker's tmpfs (ns.c): it stays the host user namespace's mount */
    if (s_join(p, root, "workspace") || move_mount(ws_fd, "", AT_FDCWD, p, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return ns_child_say(err_fd, "mount", "/workspace", errno), -1;
    close(ws_fd);
    if (chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
        umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        return ns_child_say(err_fd, "pivot_root to", root, errno), -1;
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
        return ns_child_say(err_fd, "remount / read-only", NULL, errno), -1;
    if ((rc = s_lo_up()) != 0)
        return ns_child_say(err_fd, "bring up lo", NULL, -rc), -1;
    return 0;
}

void ns_root_init_main(const ns_root_args_t *a)
{
    int fds[3] = { a->sync_fd, a->lifeline_fd, a->workspace_fd };
    ns_stdio_null();
    if (ns_fds_keep(fds, 3) < 0)
        _exit(1);
    int sync_fd = fds[0], life_fd = fds[1];
    char go;
    if (read(sync_fd, &go, 1) != 1)  /* parent wrote uid_map/gid_map */
        _exit(1);
    /* An environment's tree lives below the worker's root-only cache: open it
     * now, in our own mount namespace, while our credentials are still the
     * host's root (the owner of the cache), before becoming the namespace's root. */
    int env_fd = a->env_tree ? open(a->env_tree, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
    if (a->env_tree && env_fd < 0) {
        ns_child_say(sync_fd, "open the environment's root", a->env_tree, errno);
        _exit(1);
    }
    /* The parent moved us into the sandbox cgroup: make it the root of our view. */
    if (unshare(CLONE_NEWCGROUP) < 0) {
        ns_child_say(sync_fd, "unshare cgroup namespace", NULL, errno);
        _exit(1);
    }
    /* Drop the host's supplementary groups, then become the namespace's root. */
    int rc = ns_set_ids(0);
    if (rc < 0) {
        ns_child_say(sync_fd, "become namespace root", NULL, -rc);
        _exit(1);
    }
    if (sethostname("airlock", 7) < 0) {
        ns_child_say(sync_fd, "sethostname", NULL, errno);
        _exit(1);
    }
    if (s_build_root(a, env_fd, fds[2], sync_fd) < 0)
        _exit(1);
    if (write(sync_fd, "K", 1) != 1)
        _exit(1);
    close(sync_fd);
    /* Idle as pid 1: orphans are reaped automatically; exit when the worker is gone. */
    signal(SIGCHLD, SIG_IGN);
    char b;
    while (read(life_fd, &b, 1) < 0 && errno == EINTR)
        ;
    _exit(0);
}
