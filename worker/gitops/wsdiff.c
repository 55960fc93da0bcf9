/*
 * wsdiff.c: gitops_diff_workspace. Every change of the work tree after the
 * run stage against the base tree, untracked and ignored files included.
 *
 * Bounded: a pre-scan (no symlink followed, no mount crossed) refuses a work
 * tree with more entries than the change cap allows or a regular file over
 * max_file_bytes before libgit2 reads anything. The new side of each change
 * is read by this file, not libgit2: lstat + O_NOFOLLOW opens below the
 * work tree, blob ids hashed by libgit2 from the opened fd (no filters), symlinks
 * hashed from their target, never followed. Nested `.git` entries and
 * special files (FIFO, socket, device), which libgit2 skips, are reported as
 * untracked changes of their own (special files with mode 0, no id).
 *
 * Owns: the change list (handed to the caller) and the diff of one call.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "worker/gitops/gitops_internal.h"

typedef struct {
    size_t entries, max_entries;
    uint64_t max_file_bytes;
    dev_t dev;
    gitops_changes_t *changes;    /* nested .git entries are added here */
} scan_t;

static int change_push(gitops_changes_t *c, const char *path, gitops_change_t **out)
{
    gitops_change_t *items = realloc(c->items, (c->count + 1) * sizeof(*items));
    if (!items)
        return al_err_set(AL_ENOMEM, "change list");
    c->items = items;
    memset(&items[c->count], 0, sizeof(*items));
    if (!(items[c->count].path = strdup(path)))
        return al_err_set(AL_ENOMEM, "change list");
    *out = &items[c->count++];
    return 0;
}

static int scan_dir(int dfd, const char *rel, scan_t *s);

static int scan_entry(int dfd, const char *rel, const char *name, scan_t *s)
{
    char path[4096];
    struct stat st;
    gitops_change_t *c;
    int rc = 0, cfd;

    if ((size_t)snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "", name) >= sizeof(path))
        return al_err_set(AL_ELIMIT, "workspace path longer than %zu bytes below %s", sizeof(path), rel);
    if (++s->entries > s->max_entries)
        return al_err_set(AL_ELIMIT, "workspace has more than %zu entries", s->max_entries);
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return al_err_set_errno(AL_EIO, "stat %s", path);
    if (!strcasecmp(name, ".git") || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))) {
        /* libgit2 never reports these (nested .git, FIFOs, sockets, devices);
         * the policy must see them. Special files are never opened. */
        if ((rc = change_push(s->changes, path, &c)) == 0)
            c->status = GITOPS_CHANGE_UNTRACKED;
        return rc;
    }
    if (S_ISREG(st.st_mode) && (rc = gitops_size_check(path, (uint64_t)st.st_size, s->max_file_bytes)) < 0)
        return rc;
    if (!S_ISDIR(st.st_mode) || st.st_dev != s->dev)
        return 0;
    cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (cfd < 0)
        return al_err_set_errno(AL_EIO, "open %s", path);
    return scan_dir(cfd, path, s);
}

/* Walks dfd (consumed). */
static int scan_dir(int dfd, const char *rel, scan_t *s)
{
    DIR *d = fdopendir(dfd);
    struct dirent *e;
    int rc = 0;

    if (!d) {
        close(dfd);
        return al_err_set_errno(AL_EIO, "opendir %s", *rel ? rel : ".");
    }
    while (rc == 0 && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            rc = scan_entry(dirfd(d), rel, e->d_name, s);
    closedir(d);
    return rc;
}

/* Blob id of the regular file open on fd: libgit2 hashes it (streaming,
 * no filters, SHA-1 with collision detection) through /proc/self/fd, so
 * the file hashed is the one opened without following links. */
static int hash_fd(int fd, char hex[GITOPS_OID_HEXSZ + 1], const char *path)
{
    char proc[64];
    git_oid oid;

    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    if (git_odb_hashfile(&oid, proc, GIT_OBJECT_BLOB) < 0) {
        int rc = gitops_git_err(AL_EIO, "hash work file");
        return al_err_wrap(rc, "%s", path);
    }
    git_oid_tostr(hex, GITOPS_OID_HEXSZ + 1, &oid);
    return 0;
}

/* Fills the new side of c from the work tree: mode, size, blob id. */
static int new_side(int rootfd, gitops_change_t *c, uint64_t max_bytes)
{
    gitops_workfile_t wf;
    git_oid oid;
    int rc = gitops_workfile_open(rootfd, c->path, max_bytes, &wf);

    if (rc < 0)
        return rc;
    switch (wf.kind) {
    case GITOPS_WF_LINK:
        if (git_odb_hash(&oid, wf.target, (size_t)wf.size, GIT_OBJECT_BLOB) < 0)
            return gitops_git_err(AL_EGIT, "hash symlink");
        git_oid_tostr(c->new_id, sizeof(c->new_id), &oid);
        c->new_mode = GIT_FILEMODE_LINK;
        c->new_size = wf.size;
        if (!(c->symlink_target = strdup(wf.target)))
            return al_err_set(AL_ENOMEM, "symlink target");
        return 0;
    case GITOPS_WF_REG:
        c->new_mode = wf.exec ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
        c->new_size = wf.size;
        rc = hash_fd(wf.fd, c->new_id, c->path);
        gitops_workfile_close(&wf);
        return rc;
    case GITOPS_WF_DIR:
        c->new_mode = GIT_FILEMODE_TREE;
        return 0;
    default:
        return 0; /* gone, or a special file: no content */
    }
}

static gitops_change_status_t status_map(git_delta_t s)
{
    switch (s) {
    case GIT_DELTA_ADDED: return GITOPS_CHANGE_ADDED;
    case GIT_DELTA_DELETED: return GITOPS_CHANGE_DELETED;
    case GIT_DELTA_TYPECHANGE: return GITOPS_CHANGE_TYPECHANGE;
    case GIT_DELTA_IGNORED: return GITOPS_CHANGE_IGNORED;
    case GIT_DELTA_UNTRACKED:
    case GIT_DELTA_UNREADABLE: return GITOPS_CHANGE_UNTRACKED;
    default: return GITOPS_CHANGE_MODIFIED;
    }
}

static int change_from_delta(git_repository *repo, int rootfd, const git_diff_delta *d, gitops_changes_t *out,
                             uint64_t max_bytes)
{
    gitops_change_t *c;
    int rc = change_push(out, d->new_file.path ? d->new_file.path : d->old_file.path, &c);
    size_t n;
    if (rc < 0)
        return rc;
    c->status = status_map(d->status);
    n = strlen(c->path);
    if (n > 1 && c->path[n - 1] == '/') {
        /* A directory libgit2 does not enter (a nested repository). */
        c->path[n - 1] = '\0';
        c->new_mode = GIT_FILEMODE_TREE;
        return 0;
    }
    if (d->old_file.mode && !git_oid_is_zero(&d->old_file.id)) {
        git_odb *odb = NULL;
        size_t size = 0;
        git_object_t type;
        c->old_mode = d->old_file.mode;
        git_oid_tostr(c->old_id, sizeof(c->old_id), &d->old_file.id);
        if (git_repository_odb(&odb, repo) == 0 && git_odb_read_header(&size, &type, odb, &d->old_file.id) == 0)
            c->old_size = size;
        git_odb_free(odb);
    }
    return c->status == GITOPS_CHANGE_DELETED ? 0 : new_side(rootfd, c, max_bytes);
}

static int diff_collect(gitops_workspace_t *ws, const gitops_touched_t *touched, gitops_changes_t *out)
{
    git_diff *diff = NULL;
    git_diff_options o;
    int rootfd = -1, rc = 0;
    size_t n;

    git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
    o.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS | GIT_DIFF_INCLUDE_IGNORED |
              GIT_DIFF_RECURSE_IGNORED_DIRS | GIT_DIFF_INCLUDE_TYPECHANGE | GIT_DIFF_INCLUDE_UNREADABLE |
              GIT_DIFF_IGNORE_SUBMODULES;
    if (touched) {   /* layered: only what the upper layer holds can differ */
        if (touched->n == 0)
            return 0;
        o.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
        o.pathspec.strings = touched->paths;
        o.pathspec.count = touched->n;
    }
    if (git_diff_tree_to_workdir_with_index(&diff, ws->repo, ws->base_tree, &o) < 0) {
        rc = gitops_git_err(AL_EGIT, "workspace diff");
        goto done;
    }
    if ((n = git_diff_num_deltas(diff)) > ws->max_changes) {
        rc = al_err_set(AL_ELIMIT, "workspace has %zu changes, limit %zu", n, ws->max_changes);
        goto done;
    }
    if ((rootfd = open(ws->workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        rc = al_err_set_errno(AL_EIO, "open %s", ws->workdir);
        goto done;
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = change_from_delta(ws->repo, rootfd, git_diff_get_delta(diff, i), out, ws->max_file_bytes);
done:
    if (rootfd >= 0)
        close(rootfd);
    git_diff_free(diff);
    return rc;
}

static int change_cmp(const void *a, const void *b)
{
    return strcmp(((const gitops_change_t *)a)->path, ((const gitops_change_t *)b)->path);
}

static int prescan(gitops_workspace_t *ws, gitops_changes_t *changes)
{
    git_index *index = NULL;
    struct stat st;
    scan_t s = { 0, 0, ws->max_file_bytes, 0, changes };
    int fd = open(ws->workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        return al_err_set_errno(AL_EIO, "open %s", ws->workdir);
    }
    if (git_repository_index(&index, ws->repo) < 0) {
        close(fd);
        return gitops_git_err(AL_EGIT, "workspace index");
    }
    /* Room for every tracked path, its parent directories, and the cap. */
    s.max_entries = 2 * git_index_entrycount(index) + ws->max_changes;
    s.dev = st.st_dev;
    git_index_free(index);
    return scan_dir(fd, "", &s);
}

static int special_push(void *ctx, const char *path)
{
    gitops_change_t *c;
    int rc = change_push(ctx, path, &c);
    if (rc == 0)
        c->status = GITOPS_CHANGE_UNTRACKED;
    return rc;
}

/* Layered: the pre-scan walks the upper layer only (a checked-out base
 * holds no special file and no .git, and is never written), and its paths
 * bound the diff. */
static int diff_layered(gitops_workspace_t *ws, gitops_changes_t *c)
{
    gitops_touched_t t;
    gitops_layer_scan_t opt = { 2 * ws->max_changes + 65536, ws->max_file_bytes, gitops_layer_max_bytes(ws),
                                special_push, c };
    int rc = gitops_layer_touched(ws, &opt, &t);
    if (rc == 0)
        rc = diff_collect(ws, &t, c);
    gitops_touched_free(&t);
    return rc;
}

int gitops_diff_workspace(gitops_workspace_t *ws, gitops_changes_t **out)
{
    gitops_changes_t *c;
    int rc;

    if (!out)
        return al_err_set(AL_EINVAL, "gitops_diff_workspace: NULL out");
    *out = NULL;
    if (!ws)
        return al_err_set(AL_EINVAL, "gitops_diff_workspace: NULL workspace");
    if (!(c = calloc(1, sizeof(*c))))
        return al_err_set(AL_ENOMEM, "change list");
    if (ws->layered)
        rc = diff_layered(ws, c);
    else if ((rc = prescan(ws, c)) == 0)
        rc = diff_collect(ws, NULL, c);
    if (rc == 0) {
        if (c->count > 1)
            qsort(c->items, c->count, sizeof(*c->items), change_cmp);
        al_info("gitops.diff.done", "task=%s changes=%zu", ws->task, c->count);
        *out = c;
        return 0;
    }
    gitops_changes_destroy(&c);
    return rc;
}

void gitops_changes_destroy(gitops_changes_t **p)
{
    gitops_changes_t *c = p ? *p : NULL;
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++) {
        free(c->items[i].path);
        free(c->items[i].symlink_target);
    }
    free(c->items);
    free(c);
    *p = NULL;
}

const char *gitops_change_status_name(gitops_change_status_t status)
{
    switch (status) {
    case GITOPS_CHANGE_ADDED: return "added";
    case GITOPS_CHANGE_MODIFIED: return "modified";
    case GITOPS_CHANGE_DELETED: return "deleted";
    case GITOPS_CHANGE_TYPECHANGE: return "typechange";
    case GITOPS_CHANGE_UNTRACKED: return "untracked";
    case GITOPS_CHANGE_IGNORED: return "ignored";
    }
    return "unknown";
}
