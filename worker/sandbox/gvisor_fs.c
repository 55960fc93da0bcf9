/*
 * gvisor_fs.c: where a gvisor sandbox's files live on the host.
 *
 *   <state>/airlock-gv-XXXXXX/       0700, removed on destroy
 *       runsc/     runsc --root (container state)
 *       bundle/    config.json of the running command
 *       ws/        mount point of the workspace tmpfs   } only in the sandbox's
 *       root/      mount point of the root file system  } private mount namespace
 *       ovl/       tmpfs holding the overlay's upper dir } (environments only)
 *       runsc.log  runsc's own log (the workload's output never goes there)
 *       seccomp.bpf  the workload syscall filter (workload_seccomp.c), compiled once per process;
 *                  init installs it before exec'ing the command
 *
 * A helper forked at create unshares a mount namespace, makes it private and
 * mounts there, and only there:
 *   - ws:   a tmpfs of disk_mb (nosuid, nodev), owned by the workload uid: the
 *           quota is exact and nothing reaches the host's disk;
 *   - root: the default environment: a 1 MiB tmpfs the driver fills with mount
 *           points and the /bin /lib ... links of the host (the bundle binds
 *           the host's /usr and the staged /etc read-only on top); an
 *           environment: an overlay whose lower layer is the environment's
 *           tree and whose upper layer is a tmpfs, so mount points can be made
 *           without ever writing the tree.
 * The driver keeps an fd of that namespace (it lives as long as the fd) and of
 * ws and root, and runs every `runsc run` in it (setns before exec). Nothing
 * is mounted in the host's namespace, and the state directory is registered
 * with the janitor (janitor.h): a dead worker leaves nothing behind.
 */
#include "worker/sandbox/gvisor.h"
#include "worker/sandbox/sandbox_knobs.h"
#include "worker/sandbox/default_env.h"
#include "worker/sandbox/janitor.h"
#include "worker/sandbox/mount_move.h"
#include "worker/sandbox/ns_internal.h"
#include "worker/sandbox/workspace_room.h"
#include "common/error.h"
#include "common/log.h"
#include "common/rmtree.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define GV_OPTS_MAX (3 * PATH_MAX + 64)

/* The host's top-level directories mirrored into the default root. */
const char *const gv_fs_tops[GV_FS_TOPS] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

typedef struct {
    char ws[PATH_MAX], root[PATH_MAX], ovl[PATH_MAX], up[PATH_MAX], work[PATH_MAX];
    char ws_opts[128];
    char ovl_opts[GV_OPTS_MAX];
    int env;
} fs_plan_t;

static int s_state_dir(gv_sandbox_t *sb, const char *parent)
{
    if (!parent || !*parent)
        parent = getenv("TMPDIR");
    if (!parent || !*parent)
        parent = "/tmp";
    struct stat st;
    if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode))
        return al_err_set(AL_EINVAL, "state_dir '%s' is not a directory", parent);
    size_t len = strlen(parent) + 32;
    if (!(sb->dir = malloc(len)))
        return al_err_set(AL_ENOMEM, "gvisor: out of memory");
    snprintf(sb->dir, len, "%s/airlock-gv-XXXXXX", parent);
    if (!mkdtemp(sb->dir)) {
        free(sb->dir);
        sb->dir = NULL;
        return al_err_set_errno(AL_ESANDBOX, "gvisor: mkdtemp in %s", parent);
    }
    int rc = janitor_track(JANITOR_PATH, sb->dir);   /* runsc state, bundle: removed if the worker dies */
    if (rc < 0)
        return rc;
    const char *subs[] = { "runsc", "bundle", "ws", "root", "ovl" };
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        char p[PATH_MAX];
        if (snprintf(p, sizeof p, "%s/%s", sb->dir, subs[i]) >= (int)sizeof p || mkdir(p, 0700) < 0)
            return al_err_set_errno(AL_ESANDBOX, "gvisor: mkdir %s", p);
    }
    return 0;
}

static int s_plan(const gv_sandbox_t *sb, const sandbox_limits_t *l, fs_plan_t *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->ws, sizeof p->ws, "%s/ws", sb->dir);
    snprintf(p->root, sizeof p->root, "%s/root", sb->dir);
    snprintf(p->ovl, sizeof p->ovl, "%s/ovl", sb->dir);
    snprintf(p->up, sizeof p->up, "%s/ovl/up", sb->dir);
    snprintf(p->work, sizeof p->work, "%s/ovl/work", sb->dir);
    /* inodes: a real tree has many small files; bounded so the copy out is too */
    snprintf(p->ws_opts, sizeof p->ws_opts, "size=%um,nr_inodes=%llu,mode=0755,uid=%u,gid=%u", l->disk_mb,
             (unsigned long long)workspace_room_inodes(l->disk_mb), GV_WORKLOAD_ID, GV_WORKLOAD_ID);
    if (!sb->env_tree)
        return 0;
    p->env = 1;
    if (strpbrk(sb->env_tree, ",:\\") || strpbrk(sb->dir, ",:\\"))
        return al_err_set(AL_EINVAL, "gvisor: environment tree '%s' or state dir '%s' holds ',' ':' or '\\'",
                          sb->env_tree, sb->dir);
    if (snprintf(p->ovl_opts, sizeof p->ovl_opts, "lowerdir=%s,upperdir=%s,workdir=%s", sb->env_tree,
                 p->up, p->work) >= (int)sizeof p->ovl_opts)
        return al_err_set(AL_EINVAL, "gvisor: environment path too long");
    return 0;
}

/* Child side (async-signal-safe): the mounts, then "K" and wait for EOF. */
static void __attribute__((noreturn)) s_helper(const fs_plan_t *p, int fd)
{
    /* Keep only our end: a helper forked by another thread at the same time
     * must not hold this one's socket (neither would ever see EOF). */
    if ((fd != 3 && dup2(fd, 3) < 0) || syscall(SYS_close_range, 4, ~0U, 0) < 0)
        _exit(1);
    fd = 3;
    const char *what = "unshare";
    if (unshare(CLONE_NEWNS) < 0)
        goto fail;
    what = "make / private";
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        goto fail;
    what = "workspace tmpfs";
    if (mount("airlock-ws", p->ws, "tmpfs", MS_NOSUID | MS_NODEV, p->ws_opts) < 0)
        goto fail;
    if (!p->env) {
        what = "root tmpfs";
        if (mount("airlock-root", p->root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") < 0)
            goto fail;
    } else {
        what = "overlay upper tmpfs";
        if (mount("airlock-ovl", p->ovl, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0700") < 0 ||
            mkdir(p->up, 0755) < 0 || mkdir(p->work, 0700) < 0)
            goto fail;
        what = "environment overlay";
        if (mount("airlock-env", p->root, "overlay", MS_NOSUID | MS_NODEV, p->ovl_opts) < 0)
            goto fail;
    }
    if (write(fd, "K", 1) != 1)
        _exit(1);
    char b;
    while (read(fd, &b, 1) > 0)
        ;
    _exit(0);
fail:;
    int err = errno;
    char msg[160];
    size_t n = strlen(what);
    memcpy(msg, "E", 1);
    memcpy(msg + 1, what, n);
    memcpy(msg + 1 + n, ": ", 2);
    const char *es = strerrordesc_np(err);
    size_t m = es ? strlen(es) : 0;
    if (m > sizeof msg - n - 4)
        m = sizeof msg - n - 4;
    memcpy(msg + 3 + n, es, m);
    if (write(fd, msg, 3 + n + m) < 0)
        _exit(1);
    _exit(1);
}

static int s_open_in(pid_t pid, const char *path, int flags, int *out)
{
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "/proc/%d/root%s", (int)pid, path);
    if ((*out = open(p, flags | O_CLOEXEC)) < 0)
        return al_err_set_errno(AL_ESANDBOX, "gvisor: open %s", p);
    return 0;
}

static int s_namespace(gv_sandbox_t *sb, const fs_plan_t *p)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return al_err_set_errno(AL_ESANDBOX, "gvisor: socketpair");
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        s_helper(p, sv[1]);
    }
    close(sv[1]);
    int rc = 0;
    char msg[200];
    ssize_t n = pid < 0 ? -1 : read(sv[0], msg, sizeof msg - 1);
    if (pid < 0) {
        rc = al_err_set_errno(AL_ESANDBOX, "gvisor: fork mount helper");
    } else if (n != 1 || msg[0] != 'K') {
        msg[n > 1 ? n : 1] = '\0';
        rc = al_err_set(AL_ESANDBOX, "gvisor: mount namespace: %s", n > 1 ? msg + 1 : "helper died");
    } else {
        char ns[64];
        snprintf(ns, sizeof ns, "/proc/%d/ns/mnt", (int)pid);
        if ((sb->mntns_fd = open(ns, O_RDONLY | O_CLOEXEC)) < 0)
            rc = al_err_set_errno(AL_ESANDBOX, "gvisor: open %s", ns);
        rc = rc ?: s_open_in(pid, p->ws, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, &sb->ws_fd);
        rc = rc ?: s_open_in(pid, p->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, &sb->root_fd);
    }
    close(sv[0]);   /* EOF: the helper exits, the namespace stays (our fd) */
    while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return rc;
}

/* mkdir -p below root_fd, never following a link (an environment's tree is
 * not ours to trust): every component is opened O_NOFOLLOW. */
static int s_mkdirs(int root_fd, const char *rel, mode_t mode)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", rel);
    int dfd = dup(root_fd);
    int rc = dfd < 0 ? al_err_set_errno(AL_ESANDBOX, "dup") : 0;
    for (char *save = NULL, *c = strtok_r(buf, "/", &save); rc == 0 && c; c = strtok_r(NULL, "/", &save)) {
        if (mkdirat(dfd, c, mode) < 0 && errno != EEXIST)
            rc = al_err_set_errno(AL_ESANDBOX, "gvisor: mkdir %s in the root", rel);
        int next = rc ? -1 : openat(dfd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (rc == 0 && next < 0)
            rc = al_err_set_errno(AL_ESANDBOX, "gvisor: /%s in the root is not a plain directory", rel);
        close(dfd);
        dfd = next;
    }
    if (dfd >= 0)
        close(dfd);
    return rc;
}

static int s_file_at(int dfd, const char *name, const void *data, size_t len, mode_t mode)
{
    int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return al_err_set_errno(AL_ESANDBOX, "gvisor: create %s", name);
    ssize_t w = len ? write(fd, data, len) : 0;
    close(fd);
    return w == (ssize_t)len ? 0 : al_err_set_errno(AL_ESANDBOX, "gvisor: write %s", name);
}

/* The mount points every bundle needs, in the default root and in an
 * environment's overlay alike. */
static int s_mount_points(gv_sandbox_t *sb)
{
    const char *dirs[] = { "proc", "dev", "tmp", "workspace", ".airlock", "run/airlock" };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof dirs / sizeof dirs[0]; i++)
        rc = s_mkdirs(sb->root_fd, dirs[i], 0755);
    int run = rc ? -1 : openat(sb->root_fd, "run/airlock", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (rc == 0 && run < 0)
        rc = al_err_set_errno(AL_ESANDBOX, "gvisor: open /run/airlock in the root");
    rc = rc ?: s_file_at(run, "seccomp.bpf", NULL, 0, 0644);
    if (rc == 0 && sb->egress_socket)
        rc = s_file_at(run, "egress.sock", NULL, 0, 0600);
    if (run >= 0)
        close(run);
    return rc;
}

/* ---- the syscall filter: the ns driver's, compiled once per process ---- */

static int s_seccomp_file(gv_sandbox_t *sb)
{
    const workload_bpf_t *bpf;
    if (workload_seccomp_shared(&bpf) < 0)
        return al_err_wrap(AL_ESANDBOX, "gvisor: syscall filter");
    int dfd = open(sb->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return al_err_set_errno(AL_ESANDBOX, "gvisor: open %s", sb->dir);
    int rc = s_file_at(dfd, "seccomp.bpf", bpf->filter, (size_t)bpf->len * sizeof bpf->filter[0], 0644);
    close(dfd);
    return rc;
}

/* The default root: /usr and /etc mount points, /root, and the host's
 * /bin, /lib ... as the same links (a real directory becomes a read-only bind
 * in the bundle, bit i of sb->bind_tops). */
static int s_default_root(gv_sandbox_t *sb)
{
    int rc = s_mkdirs(sb->root_fd, "usr", 0755) ?: s_mkdirs(sb->root_fd, "etc", 0755) ?:
             s_mkdirs(sb->root_fd, "root", 0700);
    for (int i = 0; rc == 0 && i < GV_FS_TOPS; i++) {
        char host[16], target[PATH_MAX];
        snprintf(host, sizeof host, "/%s", gv_fs_tops[i]);
        struct stat st;
        if (lstat(host, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            sb->bind_tops |= 1u << i;
            rc = s_mkdirs(sb->root_fd, gv_fs_tops[i], 0755);
            continue;
        }
        ssize_t n = S_ISLNK(st.st_mode) ? readlink(host, target, sizeof target - 1) : -1;
        if (n < 0)
            continue;
        target[n] = '\0';
        if (symlinkat(target, sb->root_fd, gv_fs_tops[i]) < 0)
            rc = al_err_set_errno(AL_ESANDBOX, "gvisor: link /%s", gv_fs_tops[i]);
    }
    return rc;
}

int gv_fs_setup(gv_sandbox_t *sb, const sandbox_spec_t *spec)
{
    fs_plan_t *p = calloc(1, sizeof *p);
    if (!p)
        return al_err_set(AL_ENOMEM, "gvisor: out of memory");
    int rc = s_state_dir(sb, spec->state_dir);
    if (rc == 0 && !sb->env_tree && default_env_etc_dir(&sb->etc_dir) < 0)
        rc = al_err_wrap(AL_ESANDBOX, "gvisor");
    rc = rc ?: s_seccomp_file(sb);
    rc = rc ?: s_plan(sb, &sb->base.info.limits, p);
    rc = rc ?: s_namespace(sb, p);
    if (rc == 0 && !sb->env_tree)
        rc = s_default_root(sb);
    rc = rc ?: s_mount_points(sb);
    free(p);
    return rc;
}

/* Layered workspace: the host's overlay mount is cloned (open_tree keeps its
 * nosuid,nodev) and moved onto ws/ in the sandbox's mount namespace, over the
 * workspace tmpfs, by a helper that joined only that namespace. Every later
 * `runsc run` starts its gofer there and so serves the overlay as
 * /workspace; the workload writes into its upper layer and nothing is copied.
 * The tmpfs below is no longer the workspace: ws_fd is closed, and
 * workspace_in/out refuse from then on. */
int gv_fs_attach(gv_sandbox_t *sb, const char *host_dir)
{
    char ws[PATH_MAX];
    if (snprintf(ws, sizeof ws, "%s/ws", sb->dir) >= (int)sizeof ws)
        return al_err_set(AL_EINVAL, "gvisor: state directory path too long");
    int rc = mount_move_into(sb->mntns_fd, host_dir, ws, "gvisor workspace_attach");
    if (rc)
        return rc;
    close(sb->ws_fd);
    sb->ws_fd = -1;
    sb->attached = 1;
    return 0;
}

void gv_fs_teardown(gv_sandbox_t *sb)
{
    int *fds[] = { &sb->ws_fd, &sb->root_fd, &sb->mntns_fd };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
    if (sb->dir && !sandbox_knob("keep_gvisor_state") && al_rm_tree(sb->dir) < 0)
        al_warn("sandbox.gvisor.cleanup", "dir=%s reason=\"%s\"", sb->dir, al_err_msg());
    else if (sb->dir)   /* removed, or kept on purpose: the janitor lets it be */
        janitor_untrack(JANITOR_PATH, sb->dir);
}
