/*
 * tree.c: the entry rules of a tree stream and its producer (see tree.h).
 * Linked into the static guest agent and into the host's sandbox library
 * (the ns driver walks its sandbox's workspace with the same code).
 */
#include "worker/guest/tree.h"
#include "common/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int s_path_check(const char *p)
{
    size_t len = p ? strlen(p) : 0;
    if (len == 0)
        return al_err_set(AL_EPROTO, "tree entry: empty path");
    if (len > TREE_PATH_MAX)   /* a workload makes these (mkdir -p): a limit, not a protocol error */
        return al_err_set(AL_ELIMIT, "tree entry: path of %zu bytes (max %d)", len, TREE_PATH_MAX);
    if (p[0] == '/')
        return al_err_set(AL_EPROTO, "tree entry: absolute path");
    for (const char *c = p; *c;) {
        const char *slash = strchr(c, '/');
        size_t n = slash ? (size_t)(slash - c) : strlen(c);
        if (n == 0)
            return al_err_set(AL_EPROTO, "tree entry: empty path component");
        if (n > TREE_NAME_MAX)
            return al_err_set(AL_EPROTO, "tree entry: path component of %zu bytes", n);
        if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return al_err_set(AL_EPROTO, "tree entry: '.' or '..' component");
        if (slash && !slash[1])
            return al_err_set(AL_EPROTO, "tree entry: trailing '/'");
        c += n + (slash ? 1 : 0);
    }
    return 0;
}

static int s_mode_check(uint64_t mode)
{
    if (mode & 06000)
        return al_err_set(AL_EPROTO, "tree entry: setuid/setgid bit refused");
    if (mode & ~(uint64_t)TREE_MODE_BITS)
        return al_err_set(AL_EPROTO, "tree entry: mode %llo has bits beyond 0777",
                          (unsigned long long)mode);
    return 0;
}

int tree_entry_check(const tree_entry_t *e)
{
    int rc;
    switch (e->kind) {
    case TREE_DIR:
        if ((rc = s_path_check(e->path)) < 0 || (rc = s_mode_check(e->mode)) < 0)
            return rc;
        return e->len ? al_err_set(AL_EPROTO, "tree entry: a directory with data") : 0;
    case TREE_FILE:
        if ((rc = s_path_check(e->path)) < 0 || (rc = s_mode_check(e->mode)) < 0)
            return rc;
        return e->len > TREE_CHUNK ? al_err_set(AL_EPROTO, "tree entry: chunk of %zu bytes", e->len) : 0;
    case TREE_DATA:
        if ((e->path && e->path[0]) || e->mode)
            return al_err_set(AL_EPROTO, "tree entry: data with a path or mode");
        if (e->len == 0 || e->len > TREE_CHUNK)
            return al_err_set(AL_EPROTO, "tree entry: data chunk of %zu bytes", e->len);
        return 0;
    case TREE_SYMLINK:
        if ((rc = s_path_check(e->path)) < 0)
            return rc;
        if (e->mode)
            return al_err_set(AL_EPROTO, "tree entry: a symlink with a mode");
        if (e->len == 0 || e->len > TREE_LINK_MAX || memchr(e->data, '\0', e->len))
            return al_err_set(AL_EPROTO, "tree entry: symlink target of %zu bytes or with NUL", e->len);
        return 0;
    }
    return al_err_set(AL_EPROTO, "tree entry: unknown kind %llu", (unsigned long long)e->kind);
}

typedef struct {
    tree_emit_fn emit;
    void *ctx;
    char path[TREE_PATH_MAX + TREE_NAME_MAX + 2];
    unsigned char *buf;      /* TREE_CHUNK bytes */
} walk_t;

static int s_emit_file(walk_t *w, int dirfd, const char *name, mode_t mode)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    tree_entry_t e = { .kind = TREE_FILE, .path = w->path, .mode = mode & TREE_MODE_BITS, .data = w->buf };
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, w->buf, TREE_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            break;
        }
        if (n == 0 && e.kind == TREE_DATA)
            break;
        e.len = (size_t)n;
        if ((rc = w->emit(w->ctx, &e)) != 0 || n == 0)
            break;
        e = (tree_entry_t){ .kind = TREE_DATA, .path = "", .data = w->buf };
    }
    close(fd);
    return rc;
}

static int s_walk_dir(walk_t *w, int dirfd, size_t plen, const char *skip);

/* One directory entry `name` of dirfd, whose relative path is w->path[0..plen). */
static int s_walk_entry(walk_t *w, int dirfd, size_t plen, const char *name)
{
    size_t nlen = strlen(name);
    int too_long = plen + nlen + 1 > TREE_PATH_MAX;
    if (plen)
        w->path[plen++] = '/';
    memcpy(w->path + plen, name, nlen + 1);   /* fits: path holds TREE_PATH_MAX + a name */
    if (too_long) {   /* sent as it is: the receiver refuses it as a limit (AL_ELIMIT) */
        tree_entry_t e = { .kind = TREE_DIR, .path = w->path, .mode = 0700 };
        int rc = w->emit(w->ctx, &e);
        return rc ? rc : -ENAMETOOLONG;
    }
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return -errno;
    if (S_ISREG(st.st_mode))
        return s_emit_file(w, dirfd, name, st.st_mode);
    if (S_ISLNK(st.st_mode)) {
        char target[TREE_LINK_MAX + 1];
        ssize_t n = readlinkat(dirfd, name, target, sizeof target);
        if (n <= 0 || n > TREE_LINK_MAX)
            return n < 0 ? -errno : -ENAMETOOLONG;
        tree_entry_t e = { .kind = TREE_SYMLINK, .path = w->path, .data = (unsigned char *)target,
                           .len = (size_t)n };
        return w->emit(w->ctx, &e);
    }
    if (!S_ISDIR(st.st_mode))
        return 0;   /* devices, FIFOs, sockets: never part of a stream */
    tree_entry_t e = { .kind = TREE_DIR, .path = w->path, .mode = st.st_mode & TREE_MODE_BITS };
    int rc = w->emit(w->ctx, &e);
    if (rc != 0)
        return rc;
    int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
        return -errno;
    return s_walk_dir(w, sub, plen + nlen, NULL);
}

/* Walks dirfd (owned: closed here). */
static int s_walk_dir(walk_t *w, int dirfd, size_t plen, const char *skip)
{
    DIR *d = fdopendir(dirfd);
    if (!d) {
        int e = errno;
        close(dirfd);
        return -e;
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (errno = 0, de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || (skip && !strcmp(de->d_name, skip)))
            continue;
        rc = s_walk_entry(w, dirfd, plen, de->d_name);
        w->path[plen] = '\0';
    }
    if (rc == 0 && errno)
        rc = -errno;
    closedir(d);
    return rc;
}

int tree_walk(int root, const char *skip_top, tree_emit_fn emit, void *ctx)
{
    walk_t *w = calloc(1, sizeof *w);
    unsigned char *buf = malloc(TREE_CHUNK);
    int rc = -ENOMEM;
    int fd = w && buf ? openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (w && buf && fd < 0)
        rc = -errno;
    if (fd >= 0) {
        w->emit = emit;
        w->ctx = ctx;
        w->buf = buf;
        rc = s_walk_dir(w, fd, 0, skip_top);
    }
    free(buf);
    free(w);
    return rc;
}
