/*
 * layer.c: copy-on-write work trees over a shared read-only base tree
 * (docs/WORKSPACE.md "Layered workspaces").
 *
 * A layered workspace's work tree is an overlayfs mount: the base tree from
 * the base cache (basecache.c) is the only lower layer and never written; the
 * upper directory lives on a tmpfs of the job's disk size inside the task
 * directory:
 *
 *   <dir>/layer-<name>/          tmpfs (size = the job's disk_mb, mode 0700)
 *       upper/                   what the stage wrote (owner: the workload)
 *       ovw/                     overlayfs' own work directory
 *   <dir>/<name>                 the overlay mount (the work tree)
 *
 * Writing into the work tree (the apply step, the test tree's delta, a
 * sandbox's commands) lands in upper/ only. What changed is then read from
 * upper/ alone (gitops_layer_touched): each entry there is a path that may
 * differ from the base, a whiteout (character device 0/0) a deletion, an
 * opaque directory (trusted.overlay.opaque=y) the whole base subtree below it
 * hidden. The callers (wsdiff.c, rundiff.c, result.c) hand exactly those
 * paths to the same libgit2 comparison as before, through the merged view:
 * untouched paths are the base's by construction, so the answer equals a
 * full comparison while its cost follows what the stage wrote.
 *
 * Owns: the mounts it makes (listed in the workspace, unmounted by
 * gitops_layer_unmount_all in reverse order) and the touched-path lists it
 * hands out (gitops_touched_free).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "worker/gitops/gitops_internal.h"

#define LAYER_PATH_MAX 4096

static int s_mkdir_owned(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
    if (mkdir(path, mode) < 0)
        return al_err_set_errno(AL_EIO, "mkdir %s", path);
    if (chown(path, uid, gid) < 0 || chmod(path, mode) < 0)
        return al_err_set_errno(AL_EIO, "chown %s", path);
    return 0;
}

/* A path overlayfs' option parser would split (',' ':' '\\') or quote. */
static int s_option_safe(const char *p)
{
    return strpbrk(p, ",:\\=\n") == NULL;
}

static int s_track_mount(gitops_workspace_t *ws, const char *path)
{
    if (ws->n_mounts >= GITOPS_LAYER_MAX_MOUNTS)
        return al_err_set(AL_ELIMIT, "layered workspace: more than %d mounts", GITOPS_LAYER_MAX_MOUNTS);
    if (!(ws->mounts[ws->n_mounts] = strdup(path)))
        return al_err_set(AL_ENOMEM, "layer mount list");
    ws->n_mounts++;
    return 0;
}

int gitops_layer_mount(gitops_workspace_t *ws, const char *name, const char *merged, char **upper_out)
{
    char layer[LAYER_PATH_MAX], upper[LAYER_PATH_MAX + 8], ovw[LAYER_PATH_MAX + 8];
    char opts[3 * LAYER_PATH_MAX + 128], tmpfs_opts[64];
    int rc;

    if (snprintf(layer, sizeof layer, "%s/layer-%s", ws->dir, name) >= (int)sizeof layer)
        return al_err_set(AL_EINVAL, "layer path too long under %s", ws->dir);
    snprintf(upper, sizeof upper, "%s/upper", layer);
    snprintf(ovw, sizeof ovw, "%s/ovw", layer);
    if (!s_option_safe(ws->base_dir) || (ws->base_git && !s_option_safe(ws->base_git)) || !s_option_safe(layer))
        return al_err_set(AL_EINVAL, "layer paths may not hold , : \\ = (%s, %s)", ws->base_dir, layer);
    if (mkdir(layer, 0700) < 0)
        return al_err_set_errno(AL_EIO, "mkdir %s", layer);
    snprintf(tmpfs_opts, sizeof tmpfs_opts, "size=%um,mode=0700", ws->upper_mb);
    if (mount("airlock-upper", layer, "tmpfs", MS_NOSUID | MS_NODEV, tmpfs_opts) < 0)
        return al_err_set_errno(AL_EIO, "mount the upper tmpfs on %s", layer);
    if ((rc = s_track_mount(ws, layer)) < 0)
        return rc;
    if ((rc = s_mkdir_owned(upper, 0755, ws->owner_uid, ws->owner_gid)) < 0 ||
        (rc = s_mkdir_owned(ovw, 0700, 0, 0)) < 0)
        return rc;
    if (mkdir(merged, 0755) < 0 && errno != EEXIST)
        return al_err_set_errno(AL_EIO, "mkdir %s", merged);
    /* Lower layers never written: the base tree and, beside it, the base
     * pack as `.git/objects/pack` (the sandbox repository's objects, never
     * part of a change: the walk below skips the top-level `.git`). No
     * redirects, no metacopy, no index: everything a stage changes is a plain
     * entry, whiteout or opaque directory in upper/ (what
     * gitops_layer_touched reads). */
    snprintf(opts, sizeof opts, "lowerdir=%s%s%s,upperdir=%s,workdir=%s,redirect_dir=off,metacopy=off,index=off",
             ws->base_dir, ws->base_git ? ":" : "", ws->base_git ? ws->base_git : "", upper, ovw);
    if (mount("airlock-work", merged, "overlay", MS_NOSUID | MS_NODEV, opts) < 0)
        return al_err_set_errno(AL_EIO, "mount the overlay on %s", merged);
    if ((rc = s_track_mount(ws, merged)) < 0)
        return rc;
    if (upper_out && !(*upper_out = strdup(upper)))
        return al_err_set(AL_ENOMEM, "layer path");
    return 0;
}

void gitops_layer_unmount_all(gitops_workspace_t *ws)
{
    while (ws->n_mounts > 0) {
        char *m = ws->mounts[--ws->n_mounts];
        if (umount2(m, MNT_DETACH) < 0)
            al_warn("gitops.layer.umount_failed", "task=%s path=%s errno=%d", ws->task, m, errno);
        free(m);
        ws->mounts[ws->n_mounts] = NULL;
    }
}

/* Mounts below `under` from /proc/self/mountinfo (mount point is field 5,
 * octal-escaped), unmounted deepest first. */
int gitops_layer_sweep(const char *under)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[8192], *found[256];
    size_t n = 0, len = strlen(under);
    if (!f)
        return al_err_set_errno(AL_EIO, "open /proc/self/mountinfo");
    while (n < 256 && fgets(line, sizeof line, f)) {
        char mp[4096];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
            continue;
        char *o = mp;   /* undo \040-style escapes in place */
        for (const char *i = mp; *i; o++) {
            if (i[0] == '\\' && i[1] >= '0' && i[1] <= '3' && i[2] && i[3]) {
                *o = (char)((i[1] - '0') * 64 + (i[2] - '0') * 8 + (i[3] - '0'));
                i += 4;
            } else {
                *o = *i++;
            }
        }
        *o = '\0';
        if (!strncmp(mp, under, len) && mp[len] == '/' && (found[n] = strdup(mp)))
            n++;
    }
    fclose(f);
    int count = (int)n;
    while (n > 0) {   /* mountinfo lists parents before their children */
        char *m = found[--n];
        if (umount2(m, MNT_DETACH) < 0)
            al_warn("gitops.layer.sweep_failed", "path=%s errno=%d", m, errno);
        free(m);
    }
    if (count)
        al_info("gitops.layer.swept", "under=%s mounts=%d", under, count);
    return count;
}

/* ---- what the upper layer holds ---------------------------------------- */

uint64_t gitops_layer_max_bytes(const gitops_workspace_t *ws)
{
    return (uint64_t)ws->upper_mb << 20;
}

typedef struct {
    gitops_touched_t *t;
    const gitops_layer_scan_t *opt;
    size_t entries;
    uint64_t bytes;   /* the regular files' sizes so far */
} walk_t;

static int s_touched_add(gitops_touched_t *t, const char *path)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        char **p = realloc(t->paths, cap * sizeof *p);
        if (!p)
            return al_err_set(AL_ENOMEM, "touched paths");
        t->paths = p;
        t->cap = cap;
    }
    if (!(t->paths[t->n] = strdup(path)))
        return al_err_set(AL_ENOMEM, "touched paths");
    t->n++;
    return 0;
}

static int s_is_whiteout(const struct stat *st)
{
    return S_ISCHR(st->st_mode) && major(st->st_rdev) == 0 && minor(st->st_rdev) == 0;
}

static int s_is_opaque(int dfd, const char *name)
{
    char proc[64], val[4];
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    ssize_t n = getxattr(proc, "trusted.overlay.opaque", val, sizeof val);
    close(fd);
    return n > 0 && val[0] == 'y';
}

static int s_walk_dir(int dfd, const char *rel, walk_t *w);

static int s_walk_entry(int dfd, const char *rel, const char *name, walk_t *w)
{
    char path[LAYER_PATH_MAX];
    struct stat st;
    int rc;

    if (!*rel && !strcmp(name, ".git"))
        return 0;   /* the sandbox's own repository (gitops_sandbox_repo), never a change */
    if ((size_t)snprintf(path, sizeof path, "%s%s%s", rel, *rel ? "/" : "", name) >= sizeof path)
        return al_err_set(AL_ELIMIT, "workspace path longer than %zu bytes below %s", sizeof path, rel);
    if (++w->entries > w->opt->max_entries)
        return al_err_set(AL_ELIMIT, "workspace layer has more than %zu entries", w->opt->max_entries);
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return al_err_set_errno(AL_EIO, "stat layer entry %s", path);
    if (s_is_whiteout(&st))
        return s_touched_add(w->t, path);   /* deleted: the base's path, whatever it was */
    /* A `.git` makes its directory a nested repository to libgit2, which then
     * reports the directory as a whole: compare all of it. */
    if (*rel && !strcasecmp(name, ".git") && (rc = s_touched_add(w->t, rel)) < 0)
        return rc;
    if (!S_ISDIR(st.st_mode)) {
        if ((rc = s_touched_add(w->t, path)) < 0)
            return rc;
        if (S_ISREG(st.st_mode) && (rc = gitops_size_check(path, (uint64_t)st.st_size, w->opt->max_file_bytes)) < 0)
            return rc;
        w->bytes += S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
        if (w->opt->max_bytes && w->bytes > w->opt->max_bytes)
            return al_err_set(AL_ELIMIT, "workspace: the files the stage wrote hold more than the job's disk "
                              "(%llu bytes) in all, at %s (%llu bytes)", (unsigned long long)w->opt->max_bytes,
                              path, (unsigned long long)st.st_size);
        if (w->opt->on_special && (!strcasecmp(name, ".git") || !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))))
            return w->opt->on_special(w->opt->ctx, path);
        return 0;
    }
    if (!strcasecmp(name, ".git")) {   /* a nested repository: reported, not entered */
        rc = s_touched_add(w->t, path);
        return rc == 0 && w->opt->on_special ? w->opt->on_special(w->opt->ctx, path) : rc;
    }
    if (s_is_opaque(dfd, name) && (rc = s_touched_add(w->t, path)) < 0)
        return rc;   /* replaces the base's directory: everything below it */
    int cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (cfd < 0)
        return al_err_set_errno(AL_EIO, "open layer dir %s", path);
    return s_walk_dir(cfd, path, w);
}

/* Walks dfd (consumed). */
static int s_walk_dir(int dfd, const char *rel, walk_t *w)
{
    DIR *d = fdopendir(dfd);
    struct dirent *e;
    int rc = 0;

    if (!d) {
        close(dfd);
        return al_err_set_errno(AL_EIO, "opendir layer %s", *rel ? rel : ".");
    }
    while (rc == 0 && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            rc = s_walk_entry(dirfd(d), rel, e->d_name, w);
    closedir(d);
    return rc;
}

static int s_str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int gitops_layer_touched(gitops_workspace_t *ws, const gitops_layer_scan_t *opt, gitops_touched_t *out)
{
    gitops_layer_scan_t dflt = { ws->max_changes * 2 + 65536, ws->max_file_bytes, gitops_layer_max_bytes(ws), NULL,
                                 NULL };
    walk_t w = { out, opt ? opt : &dflt, 0, 0 };
    int fd, rc;

    memset(out, 0, sizeof *out);
    if (!ws->layered || !ws->upper)
        return al_err_set(AL_ESTATE, "workspace is not layered");
    if ((fd = open(ws->upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return al_err_set_errno(AL_EIO, "open %s", ws->upper);
    if ((rc = s_walk_dir(fd, "", &w)) < 0) {
        gitops_touched_free(out);
        return rc;
    }
    if (out->n > 1)
        qsort(out->paths, out->n, sizeof *out->paths, s_str_cmp);
    return 0;
}

void gitops_touched_free(gitops_touched_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->paths[i]);
    free(t->paths);
    memset(t, 0, sizeof *t);
}

int gitops_touched_covers(const gitops_touched_t *t, const char *path)
{
    /* path itself, or one of the directories above it. */
    char buf[LAYER_PATH_MAX];
    size_t len = strlen(path);
    if (!t->n || len >= sizeof buf)
        return t->n > 0;   /* an overlong path: treat as touched (re-read) */
    memcpy(buf, path, len + 1);
    for (;;) {
        const char *key = buf;
        if (bsearch(&key, t->paths, t->n, sizeof *t->paths, s_str_cmp))
            return 1;
        char *slash = strrchr(buf, '/');
        if (!slash)
            return 0;
        *slash = '\0';
    }
}

/* ---- writing a tree into a layer --------------------------------------- */

/* Checks out `target` over a work tree holding `baseline`, writing only the
 * paths the two trees differ in (both sides of every delta): the untouched
 * rest stays the lower layer's. No filters, no submodules. dest NULL: the
 * workspace's own work tree (its index is updated); else a directory. */
int gitops_layer_checkout(gitops_workspace_t *ws, git_tree *baseline, git_tree *target, const char *dest)
{
    git_diff *diff = NULL;
    git_checkout_options co;
    char **paths = NULL;
    size_t n = 0;
    int rc = 0;

    if (git_diff_tree_to_tree(&diff, ws->repo, baseline, target, NULL) < 0)
        return gitops_git_err(AL_EGIT, "layer diff");
    size_t nd = git_diff_num_deltas(diff);
    if (nd == 0)
        goto done;
    if (!(paths = calloc(2 * nd, sizeof *paths))) {
        rc = al_err_set(AL_ENOMEM, "layer paths");
        goto done;
    }
    for (size_t i = 0; i < nd; i++) {
        const git_diff_delta *d = git_diff_get_delta(diff, i);
        paths[n++] = (char *)d->old_file.path;
        if (strcmp(d->old_file.path, d->new_file.path))
            paths[n++] = (char *)d->new_file.path;
    }
    git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_RECREATE_MISSING | GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH;
    if (dest)
        co.checkout_strategy |= GIT_CHECKOUT_DONT_UPDATE_INDEX;
    co.disable_filters = 1;
    co.baseline = baseline;
    co.target_directory = dest;
    co.paths.strings = paths;
    co.paths.count = n;
    if (git_checkout_tree(ws->repo, (git_object *)target, &co) < 0)
        rc = gitops_git_err(AL_EGIT, "layer checkout");
done:
    free(paths);
    git_diff_free(diff);
    return rc;
}

int gitops_export_layer(gitops_workspace_t *ws, const char *tree_id, const char *dest_dir)
{
    git_oid oid;
    git_tree *tree = NULL;
    char name[32];
    int rc;

    if (!ws || !ws->layered || !tree_id || !dest_dir)
        return al_err_set(AL_EINVAL, "gitops_export_layer: bad arguments");
    if (git_oid_fromstr(&oid, tree_id) < 0 || git_tree_lookup(&tree, ws->repo, &oid) < 0)
        return gitops_git_err(AL_ENOTFOUND, "export tree");
    snprintf(name, sizeof name, "x%zu", ws->n_mounts);
    if ((rc = gitops_layer_mount(ws, name, dest_dir, NULL)) == 0)
        rc = gitops_layer_checkout(ws, ws->base_tree, tree, dest_dir);
    git_tree_free(tree);
    return rc;
}

int gitops_workspace_layered(const gitops_workspace_t *ws)
{
    return ws ? ws->layered : 0;
}
