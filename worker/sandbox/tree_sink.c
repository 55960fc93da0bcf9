/*
 * tree_sink.c: the consumer of a tree stream (see tree_sink.h). Every path
 * is split into parent and last component; the parent is resolved with
 * openat2 beneath the root (one cached parent fd, reused while entries stay
 * in the same directory), the component created relative to it.
 */
#include "worker/sandbox/tree_sink.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEFER_MAX 65536u            /* directories with a restrictive mode */
#define DEFER_BYTES (16u << 20)     /* their paths */
#define RESOLVE_ALL (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

typedef struct {
    char *path;
    mode_t mode;
} deferred_t;

struct tree_sink {
    int root;
    int file;                 /* the FILE being written, -1 when none */
    int parent;               /* cached parent fd, -1 when none */
    char *parent_path;        /* its path ("" for the root) */
    tree_limits_t lim;
    uint64_t bytes, entries;
    deferred_t *defer;
    size_t ndefer, defer_bytes;
    int failed;               /* the first error's code, 0 while healthy */
};

int tree_sink_new(tree_sink_t **out, int root, const tree_limits_t *lim)
{
    *out = NULL;
    tree_sink_t *s = calloc(1, sizeof *s);
    if (!s) {
        close(root);
        return al_err_set(AL_ENOMEM, "tree sink: out of memory");
    }
    s->root = root;
    s->file = s->parent = -1;
    s->lim = *lim;
    *out = s;
    return 0;
}

static int s_fail(tree_sink_t *s, int rc)
{
    if (!s->failed)
        s->failed = rc;
    return rc;
}

static int s_openat2(int dirfd, const char *path, uint64_t flags)
{
    struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = RESOLVE_ALL };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* The parent directory of `path` (resolved beneath the root) and its last
 * component in *name. */
static int s_parent(tree_sink_t *s, const char *path, const char **name)
{
    const char *slash = strrchr(path, '/');
    size_t plen = slash ? (size_t)(slash - path) : 0;
    *name = slash ? slash + 1 : path;
    if (s->parent >= 0 && strlen(s->parent_path) == plen && memcmp(s->parent_path, path, plen) == 0)
        return s->parent;
    if (s->parent >= 0)
        close(s->parent);
    free(s->parent_path);
    s->parent_path = strndup(path, plen);
    s->parent = -1;
    if (!s->parent_path)
        return al_err_set(AL_ENOMEM, "tree sink: out of memory");
    s->parent = s_openat2(s->root, plen ? s->parent_path : ".", O_PATH | O_DIRECTORY);
    if (s->parent < 0)
        return al_err_set_errno(errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV ? AL_EPROTO : AL_EIO,
                                "tree sink: the parent of an entry is not a directory below the target");
    return s->parent;
}

static int s_close_file(tree_sink_t *s)
{
    if (s->file < 0)
        return 0;
    int rc = close(s->file);
    s->file = -1;
    return rc < 0 ? al_err_set_errno(AL_EIO, "tree sink: close a file") : 0;
}

static int s_write(tree_sink_t *s, const unsigned char *data, size_t len)
{
    if (s->bytes + len > s->lim.max_bytes)
        return al_err_set(AL_ELIMIT, "tree sink: more than %llu bytes of content",
                          (unsigned long long)s->lim.max_bytes);
    s->bytes += len;
    while (len > 0) {
        ssize_t n = write(s->file, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return al_err_set_errno(AL_EIO, "tree sink: write a file");
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int s_defer(tree_sink_t *s, const char *path, mode_t mode)
{
    size_t len = strlen(path) + 1;
    if (s->ndefer >= DEFER_MAX || s->defer_bytes + len > DEFER_BYTES)
        return al_err_set(AL_ELIMIT, "tree sink: too many directories without owner rwx");
    if ((s->ndefer & (s->ndefer - 1)) == 0) {   /* grow at powers of two */
        deferred_t *n = realloc(s->defer, (s->ndefer ? s->ndefer * 2 : 16) * sizeof *n);
        if (!n)
            return al_err_set(AL_ENOMEM, "tree sink: out of memory");
        s->defer = n;
    }
    if (!(s->defer[s->ndefer].path = strdup(path)))
        return al_err_set(AL_ENOMEM, "tree sink: out of memory");
    s->defer[s->ndefer++].mode = mode;
    s->defer_bytes += len;
    return 0;
}

static int s_create(tree_sink_t *s, const tree_entry_t *e)
{
    const char *name;
    int parent = s_parent(s, e->path, &name);
    if (parent < 0)
        return parent;
    mode_t mode = (mode_t)(e->mode & TREE_MODE_BITS);
    if (e->kind == TREE_DIR) {
        if (mkdirat(parent, name, 0700) < 0)
            return al_err_set_errno(errno == EEXIST ? AL_EPROTO : AL_EIO, "tree sink: mkdir");
        if ((mode & 0700) != 0700)
            return s_defer(s, e->path, mode);
        int fd = s_openat2(parent, name, O_RDONLY | O_DIRECTORY);
        int rc = fd < 0 || fchmod(fd, mode) < 0 ? al_err_set_errno(AL_EIO, "tree sink: chmod a directory") : 0;
        if (fd >= 0)
            close(fd);
        return rc;
    }
    if (e->kind == TREE_SYMLINK) {
        char target[TREE_LINK_MAX + 1];
        memcpy(target, e->data, e->len);
        target[e->len] = '\0';
        if (symlinkat(target, parent, name) < 0)
            return al_err_set_errno(errno == EEXIST ? AL_EPROTO : AL_EIO, "tree sink: symlink");
        return 0;
    }
    s->file = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (s->file < 0)
        return al_err_set_errno(errno == EEXIST ? AL_EPROTO : AL_EIO, "tree sink: create a file");
    if (fchmod(s->file, mode) < 0)
        return al_err_set_errno(AL_EIO, "tree sink: chmod a file");
    return s_write(s, e->data, e->len);
}

int tree_sink_put(tree_sink_t *s, const tree_entry_t *e)
{
    if (s->failed)
        return al_err_set(s->failed, "tree sink: the stream already failed");
    int rc = tree_entry_check(e);
    if (rc == 0 && ++s->entries > s->lim.max_entries)
        rc = al_err_set(AL_ELIMIT, "tree sink: more than %llu entries", (unsigned long long)s->lim.max_entries);
    if (rc == 0 && e->kind == TREE_DATA)
        rc = s->file < 0 ? al_err_set(AL_EPROTO, "tree sink: data without a file before it")
                         : s_write(s, e->data, e->len);
    else if (rc == 0 && (rc = s_close_file(s)) == 0)
        rc = s_create(s, e);
    return rc < 0 ? s_fail(s, rc) : 0;
}

int tree_sink_finish(tree_sink_t *s)
{
    if (s->failed)
        return al_err_set(s->failed, "tree sink: the stream failed");
    int rc = s_close_file(s);
    for (size_t i = s->ndefer; rc == 0 && i-- > 0;) {   /* deepest (latest) first */
        int fd = s_openat2(s->root, s->defer[i].path, O_RDONLY | O_DIRECTORY);
        if (fd < 0 || fchmod(fd, s->defer[i].mode) < 0)
            rc = al_err_set_errno(AL_EIO, "tree sink: chmod a directory");
        if (fd >= 0)
            close(fd);
    }
    return rc < 0 ? s_fail(s, rc) : 0;
}

uint64_t tree_sink_bytes(const tree_sink_t *s) { return s->bytes; }
uint64_t tree_sink_entries(const tree_sink_t *s) { return s->entries; }

void tree_sink_destroy(tree_sink_t **p)
{
    if (!p || !*p)
        return;
    tree_sink_t *s = *p;
    if (s->file >= 0)
        close(s->file);
    if (s->parent >= 0)
        close(s->parent);
    close(s->root);
    for (size_t i = 0; i < s->ndefer; i++)
        free(s->defer[i].path);
    free(s->defer);
    free(s->parent_path);
    free(s);
    *p = NULL;
}
