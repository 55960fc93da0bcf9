/*
 * fsutil.c: file-system helpers that never follow symlinks and never leave
 * the directory they are given: open below a directory fd, look at one work
 * file (gitops_workfile_open), stream a file in chunks, and recursive removal
 * (gitops_dir_remove). Also the sha256 used to name mirrors.
 *
 * Owns: only the file descriptors and DIR streams it opens, closed before
 * each function returns.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/error.h"
#include "worker/gitops/gitops_internal.h"

int gitops_sha256_hex(const char *s, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return al_err_set(AL_ECRYPTO, "sha256 failed");
    for (unsigned i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

int gitops_size_check(const char *path, uint64_t size, uint64_t max)
{
    if (size <= max)
        return 0;
    return al_err_set(AL_ELIMIT, "workspace file %s is %llu bytes, limit %llu", path, (unsigned long long)size,
                      (unsigned long long)max);
}

int gitops_fd_stream(int fd, uint64_t size, const char *path, gitops_sink_fn sink, void *ctx)
{
    char buf[65536];
    uint64_t left = size;
    int rc = 0;

    while (rc == 0 && left > 0) {
        ssize_t r = read(fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf));
        if (r <= 0)
            return r < 0 ? al_err_set_errno(AL_EIO, "read %s", path) : al_err_set(AL_EIO, "read %s: file shrank", path);
        rc = sink(ctx, buf, (size_t)r);
        left -= (uint64_t)r;
    }
    return rc;
}

static int component_ok(const char *c)
{
    return *c && strcmp(c, ".") != 0 && strcmp(c, "..") != 0;
}

int gitops_open_parent_beneath(int rootfd, const char *rel, const char **leaf)
{
    const char *p = rel, *slash;
    char comp[256];
    int fd = dup(rootfd);

    while (fd >= 0 && (slash = strchr(p, '/')) != NULL) {
        size_t n = (size_t)(slash - p);
        int next;
        if (n >= sizeof(comp)) {
            close(fd);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        if (!component_ok(comp)) {
            close(fd);
            errno = EINVAL;
            return -1;
        }
        next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        fd = next;
        p = slash + 1;
    }
    if (fd >= 0 && !component_ok(p)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    *leaf = p;
    return fd;
}

int gitops_open_beneath(int rootfd, const char *rel, int flags)
{
    const char *leaf = NULL;
    int dfd = gitops_open_parent_beneath(rootfd, rel, &leaf), fd, saved;
    if (dfd < 0)
        return -1;
    fd = openat(dfd, leaf, flags | O_NOFOLLOW | O_CLOEXEC);
    saved = errno;
    close(dfd);
    errno = saved;
    return fd;
}

void gitops_workfile_close(gitops_workfile_t *wf)
{
    if (wf->fd >= 0)
        close(wf->fd);
    wf->fd = -1;
}

static int workfile_fill(int pfd, const char *leaf, const char *rel, uint64_t max_bytes, gitops_workfile_t *wf)
{
    struct stat st;
    ssize_t n;

    if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : al_err_set_errno(AL_EIO, "stat %s", rel);
    if (S_ISLNK(st.st_mode)) {
        if ((n = readlinkat(pfd, leaf, wf->target, sizeof(wf->target) - 1)) < 0)
            return al_err_set_errno(AL_EIO, "readlink %s", rel);
        wf->target[n] = '\0';
        wf->size = (uint64_t)n;
        wf->kind = GITOPS_WF_LINK;
        return 0;
    }
    if (!S_ISREG(st.st_mode)) {
        wf->kind = S_ISDIR(st.st_mode) ? GITOPS_WF_DIR : GITOPS_WF_OTHER;
        return 0;
    }
    wf->fd = openat(pfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (wf->fd < 0 || fstat(wf->fd, &st) < 0)
        return al_err_set_errno(AL_EIO, "open %s", rel);
    if (!S_ISREG(st.st_mode)) { /* swapped since the stat */
        gitops_workfile_close(wf);
        wf->kind = GITOPS_WF_OTHER;
        return 0;
    }
    wf->kind = GITOPS_WF_REG;
    wf->size = (uint64_t)st.st_size;
    wf->exec = (st.st_mode & 0111) != 0;
    return gitops_size_check(rel, wf->size, max_bytes);
}

int gitops_workfile_open(int rootfd, const char *rel, uint64_t max_bytes, gitops_workfile_t *wf)
{
    const char *leaf = NULL;
    int pfd, rc;

    memset(wf, 0, sizeof(*wf));
    wf->fd = -1;
    pfd = gitops_open_parent_beneath(rootfd, rel, &leaf);
    if (pfd < 0)
        return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? 0 : al_err_set_errno(AL_EIO, "open %s", rel);
    rc = workfile_fill(pfd, leaf, rel, max_bytes, wf);
    close(pfd);
    if (rc < 0)
        gitops_workfile_close(wf);
    return rc;
}

/* Empties the directory `dfd` (consumed: closed on return). dev: the device
 * of the top directory; a mount point below is refused, not crossed. */
static int dir_empty(int dfd, dev_t dev, const char *top)
{
    DIR *d = fdopendir(dfd);
    struct dirent *e;
    int rc = 0;

    if (!d) {
        close(dfd);
        return al_err_set_errno(AL_EIO, "opendir below %s", top);
    }
    (void)fchmod(dirfd(d), S_IRWXU); /* a read-only directory left by the run: make it removable */
    while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
        struct stat st;
        int cfd;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            rc = al_err_set_errno(AL_EIO, "stat %s below %s", e->d_name, top);
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (unlinkat(dirfd(d), e->d_name, 0) < 0)
                rc = al_err_set_errno(AL_EIO, "unlink %s below %s", e->d_name, top);
            continue;
        }
        if (st.st_dev != dev) {
            rc = al_err_set(AL_EIO, "mount point %s below %s: not crossed", e->d_name, top);
            break;
        }
        cfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0 && errno == EACCES && fchmodat(dirfd(d), e->d_name, S_IRWXU, 0) == 0)
            cfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0) {
            rc = al_err_set_errno(AL_EIO, "open %s below %s", e->d_name, top);
            break;
        }
        if ((rc = dir_empty(cfd, dev, top)) == 0 && unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) < 0)
            rc = al_err_set_errno(AL_EIO, "rmdir %s below %s", e->d_name, top);
    }
    if (rc == 0 && errno != 0)
        rc = al_err_set_errno(AL_EIO, "readdir below %s", top);
    closedir(d);
    return rc;
}

int gitops_dir_remove(const char *dir)
{
    struct stat st;
    int fd, rc;

    if (!dir || !*dir || !strcmp(dir, "/"))
        return al_err_set(AL_EINVAL, "gitops_dir_remove: refusing empty path or /");
    if (lstat(dir, &st) < 0)
        return errno == ENOENT ? 0 : al_err_set_errno(AL_EIO, "stat %s", dir);
    if (!S_ISDIR(st.st_mode)) {
        /* A link or file where the directory was: remove the entry only. */
        if (unlink(dir) < 0)
            return al_err_set_errno(AL_EIO, "unlink %s", dir);
        return 0;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return al_err_set_errno(AL_EIO, "open %s", dir);
    if ((rc = dir_empty(fd, st.st_dev, dir)) < 0)
        return rc;
    if (rmdir(dir) < 0)
        return al_err_set_errno(AL_EIO, "rmdir %s", dir);
    return 0;
}
