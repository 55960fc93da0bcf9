/*
 * gvisor_copy.c: the workspace copies of the gvisor driver, and removing a tree.
 *
 * Both copies walk directory file descriptors with openat/fstatat and never
 * resolve a path through anything the walk did not just open itself:
 *   - names come from readdir (never "." or "..", never containing '/'), and
 *     every create is relative to the destination directory's fd, so nothing
 *     is written outside the target whatever links the source holds;
 *   - symlinks are recreated as symlinks (their target is data, never
 *     followed; the diff stage reports links leaving the tree as violations);
 *   - only regular files, directories and symlinks are copied: devices, FIFOs
 *     and sockets are skipped (and counted); a file is opened O_NOFOLLOW |
 *     O_NONBLOCK and checked to be the regular file fstatat saw;
 *   - permission bits only: setuid, setgid and sticky bits are dropped (and
 *     counted); files and directories are created by the worker, owned by it
 *     (copy out) or chowned to the workload uid (copy in);
 *   - depth is bounded (GV_COPY_DEPTH), size by the workspace tmpfs.
 * common/rmtree.c walks the same way to delete the state directory.
 * The copy out reads the workspace tmpfs after every process of the sandbox
 * was killed; the copy in writes before the first command ran.
 */
#include "worker/sandbox/gvisor.h"
#include "common/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GV_COPY_DEPTH 256
#define GV_COPY_PERM 0777

typedef struct {
    int chown;                  /* copy in: chown to uid:gid */
    unsigned uid, gid;
    gv_copy_stats_t *st;
    char buf[131072];
} copy_ctx_t;

static int s_copy_dir(copy_ctx_t *c, int sfd, int dfd, int depth);

static int s_bytes(copy_ctx_t *c, int in, int out, const char *name)
{
    for (;;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, 1u << 30, 0);
        if (n == 0)
            return 0;
        if (n > 0) {
            c->st->bytes += (uint64_t)n;
            continue;
        }
        if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
            return al_err_set_errno(AL_EIO, "copy %s", name);
        break;   /* this pair of file systems: plain reads and writes */
    }
    for (;;) {
        ssize_t n = read(in, c->buf, sizeof c->buf);
        if (n == 0)
            return 0;
        if (n < 0)
            return errno == EINTR ? 0 : al_err_set_errno(AL_EIO, "read %s", name);
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, c->buf + off, (size_t)(n - off));
            if (w < 0)
                return al_err_set_errno(AL_EIO, "write %s", name);
            off += w;
        }
        c->st->bytes += (uint64_t)n;
    }
}

static int s_owner_mode(copy_ctx_t *c, int fd, const struct stat *st, const char *name)
{
    if (st->st_mode & (S_ISUID | S_ISGID | S_ISVTX))
        c->st->mode_bits_dropped++;
    if (c->chown && fchown(fd, c->uid, c->gid) < 0)
        return al_err_set_errno(AL_EIO, "chown %s", name);
    if (fchmod(fd, st->st_mode & GV_COPY_PERM) < 0)
        return al_err_set_errno(AL_EIO, "chmod %s", name);
    struct timespec t[2] = { st->st_atim, st->st_mtim };
    if (futimens(fd, t) < 0)
        return al_err_set_errno(AL_EIO, "set times of %s", name);
    return 0;
}

static int s_file(copy_ctx_t *c, int sfd, int dfd, const char *name, const struct stat *st)
{
    int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (in < 0)
        return al_err_set_errno(AL_EIO, "open %s", name);
    struct stat now;
    int rc = 0, out = -1;
    if (fstat(in, &now) < 0 || !S_ISREG(now.st_mode) || now.st_ino != st->st_ino ||
        now.st_dev != st->st_dev) {
        rc = al_err_set(AL_EIO, "%s changed while it was copied", name);
        goto done;
    }
    out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
        rc = al_err_set_errno(AL_EIO, "create %s", name);
        goto done;
    }
    rc = s_bytes(c, in, out, name);
    if (rc == 0)
        rc = s_owner_mode(c, out, &now, name);
    c->st->files++;
done:
    if (out >= 0)
        close(out);
    close(in);
    return rc;
}

static int s_link(copy_ctx_t *c, int sfd, int dfd, const char *name, const struct stat *st)
{
    char target[PATH_MAX];
    ssize_t n = readlinkat(sfd, name, target, sizeof target - 1);
    if (n < 0)
        return al_err_set_errno(AL_EIO, "readlink %s", name);
    target[n] = '\0';
    if (symlinkat(target, dfd, name) < 0)
        return al_err_set_errno(AL_EIO, "symlink %s", name);
    if (c->chown && fchownat(dfd, name, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
        return al_err_set_errno(AL_EIO, "chown %s", name);
    struct timespec t[2] = { st->st_atim, st->st_mtim };
    utimensat(dfd, name, t, AT_SYMLINK_NOFOLLOW);   /* best effort: times of links */
    c->st->links++;
    return 0;
}

static int s_dir(copy_ctx_t *c, int sfd, int dfd, const char *name, const struct stat *st, int depth)
{
    if (depth >= GV_COPY_DEPTH)
        return al_err_set(AL_ELIMIT, "workspace deeper than %d directories (at %s)", GV_COPY_DEPTH, name);
    if (mkdirat(dfd, name, 0700) < 0)
        return al_err_set_errno(AL_EIO, "mkdir %s", name);
    int s = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int d = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int rc = s < 0 || d < 0 ? al_err_set_errno(AL_EIO, "open directory %s", name) : 0;
    if (rc == 0)
        rc = s_copy_dir(c, s, d, depth + 1);
    if (rc == 0)
        rc = s_owner_mode(c, d, st, name);
    c->st->dirs++;
    if (s >= 0)
        close(s);
    if (d >= 0)
        close(d);
    return rc;
}

static int s_copy_dir(copy_ctx_t *c, int sfd, int dfd, int depth)
{
    int lfd = dup(sfd);
    DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
    if (!d) {
        if (lfd >= 0)
            close(lfd);
        return al_err_set_errno(AL_EIO, "opendir");
    }
    rewinddir(d);   /* the dup shares the caller's offset */
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(sfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            rc = al_err_set_errno(AL_EIO, "stat %s", e->d_name);
        } else if (S_ISREG(st.st_mode)) {
            rc = s_file(c, sfd, dfd, e->d_name, &st);
        } else if (S_ISDIR(st.st_mode)) {
            rc = s_dir(c, sfd, dfd, e->d_name, &st, depth);
        } else if (S_ISLNK(st.st_mode)) {
            rc = s_link(c, sfd, dfd, e->d_name, &st);
        } else {
            c->st->skipped++;   /* device, FIFO or socket: never copied */
        }
    }
    if (rc == 0 && errno != 0)
        rc = al_err_set_errno(AL_EIO, "readdir");
    closedir(d);
    return rc;
}

static int s_run(copy_ctx_t *c, int sfd, int dfd)
{
    gv_copy_stats_t dummy;
    if (!c->st)
        c->st = &dummy;
    memset(c->st, 0, sizeof *c->st);
    return s_copy_dir(c, sfd, dfd, 0);
}

int gv_copy_in(int dst_fd, const char *host_dir, unsigned uid, unsigned gid, gv_copy_stats_t *st)
{
    int sfd = open(host_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sfd < 0)
        return al_err_set_errno(AL_EINVAL, "workspace host dir '%s'", host_dir);
    copy_ctx_t *c = calloc(1, sizeof *c);
    int rc = c ? 0 : al_err_set(AL_ENOMEM, "gvisor copy: out of memory");
    if (c) {
        *c = (copy_ctx_t){ .chown = 1, .uid = uid, .gid = gid, .st = st };
        rc = s_run(c, sfd, dst_fd);
    }
    free(c);
    close(sfd);
    return rc;
}

int gv_copy_out(int src_fd, const char *host_dir, gv_copy_stats_t *st)
{
    int dfd = open(host_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return al_err_set_errno(AL_EINVAL, "workspace_out target '%s'", host_dir);
    DIR *d = fdopendir(dup(dfd));
    int entries = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    copy_ctx_t *c = NULL;
    int rc = entries ? al_err_set(AL_EINVAL, "workspace_out target '%s' must be empty", host_dir) : 0;
    if (rc == 0 && !(c = calloc(1, sizeof *c)))
        rc = al_err_set(AL_ENOMEM, "gvisor copy: out of memory");
    if (rc == 0) {
        *c = (copy_ctx_t){ .chown = 0, .st = st };
        rc = s_run(c, src_fd, dfd);
    }
    free(c);
    close(dfd);
    return rc;
}
