/*
 * links.c: symlink CHAINS, for apply (over the applied index) and after the
 * run stage (over the work tree). A link is judged by where it really
 * points: its target is walked component by component inside the tree,
 * every link met on the way is followed (an_linkwalk.h, the same walker the
 * `paths` analyzer uses), so  d/a -> ..  d/b -> a/..  d/k -> b/../x  is
 * caught at d/b although each link alone stays lexically inside the tree.
 * A link leaving the tree, reaching an absolute target, looping, landing in
 * .git or on a protected path is a violation.
 *
 * Only links the patch (or the run) touched, and links whose chain passes
 * through a touched path, are judged: a repository's own pre-existing links
 * are not the job's doing. Owns nothing past a call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "an_linkwalk.h"
#include "common/error.h"
#include "worker/gitops/gitops_internal.h"

typedef struct {
    /* index mode */
    git_repository *repo;
    git_index *index;
    /* work tree mode */
    int rootfd;
    const gitops_changes_t *changes;
    /* both */
    int (*touched)(void *ctx, const char *path);
    void *tctx;
    int via_touched;          /* the walk met a touched path */
    int too_long;             /* a target did not fit buf */
    char buf[AN_LINK_PATH_MAX + 1];
} walk_ctx_t;

static const char *index_lookup(void *vctx, const char *path, size_t *len)
{
    walk_ctx_t *c = vctx;
    const git_index_entry *e;
    git_blob *blob = NULL;
    if (c->touched && c->touched(c->tctx, path))
        c->via_touched = 1;
    e = git_index_get_bypath(c->index, path, 0);
    if (!e || e->mode != GIT_FILEMODE_LINK || git_blob_lookup(&blob, c->repo, &e->id) < 0)
        return NULL;
    size_t n = (size_t)git_blob_rawsize(blob);
    if (n > AN_LINK_PATH_MAX) {
        c->too_long = 1;
        n = 1;
        c->buf[0] = '/'; /* reported as leaving the tree */
    } else {
        memcpy(c->buf, git_blob_rawcontent(blob), n);
    }
    git_blob_free(blob);
    *len = n;
    return c->buf;
}

static const char *fs_lookup(void *vctx, const char *path, size_t *len)
{
    walk_ctx_t *c = vctx;
    const char *leaf = NULL;
    if (c->touched && c->touched(c->tctx, path))
        c->via_touched = 1;
    int dfd = gitops_open_parent_beneath(c->rootfd, path, &leaf);
    if (dfd < 0)
        return NULL;
    ssize_t n = readlinkat(dfd, leaf, c->buf, sizeof c->buf);
    close(dfd);
    if (n < 0)
        return NULL;
    if ((size_t)n >= sizeof c->buf) {
        c->too_long = 1;
        n = 1;
        c->buf[0] = '/';
    }
    *len = (size_t)n;
    return c->buf;
}

static int has_git_component(const char *p)
{
    for (;;) {
        size_t n = strcspn(p, "/");
        if (n == 4 && !strncasecmp(p, ".git", 4))
            return 1;
        if (!p[n])
            return 0;
        p += n + 1;
    }
}

/* Judges one link (path -> target); appends at most one violation. */
static int judge(walk_ctx_t *c, an_link_lookup_fn fn, const char *path, const char *target, size_t tlen,
                 const gitops_policy_t *policy, gitops_violations_t *v)
{
    char out[AN_LINK_PATH_MAX], detail[400];
    const char *glob;
    unsigned hops = 0;
    c->via_touched = c->touched ? c->touched(c->tctx, path) : 1;
    c->too_long = 0;
    an_link_result_t r = an_link_resolve(path, target, tlen, fn, c, out, sizeof out, &hops);
    if (!c->via_touched)
        return 0;
    if (r != AN_LINK_INSIDE || c->too_long) {
        snprintf(detail, sizeof detail, "%s%s: %.*s", c->too_long ? "target too long" : an_link_result_name(r),
                 hops ? " through a chain of links" : "", (int)(tlen > 200 ? 200 : tlen), target);
        return gitops_violation_add(v, path, GITOPS_VIOL_SYMLINK_ESCAPE, detail);
    }
    if (has_git_component(out)) {
        snprintf(detail, sizeof detail, "resolves into .git (%.200s)", out);
        return gitops_violation_add(v, path, GITOPS_VIOL_SYMLINK_ESCAPE, detail);
    }
    if (out[0] && (glob = gitops_policy_protected_glob(policy, out)) != NULL) {
        snprintf(detail, sizeof detail, "symlink to protected %.200s (%.100s)", out, glob);
        return gitops_violation_add(v, path, GITOPS_VIOL_PROTECTED, detail);
    }
    return 0;
}

static int already_refused(const gitops_violations_t *v, const char *path)
{
    for (size_t i = 0; i < v->count; i++)
        if (!strcmp(v->items[i].path, path))
            return 1;
    return 0;
}

int gitops_links_check_index(git_repository *repo, git_index *index, const gitops_policy_t *policy,
                             int (*touched)(void *ctx, const char *path), void *tctx, gitops_violations_t *v)
{
    walk_ctx_t *c = calloc(1, sizeof *c);
    int rc = 0;
    if (!c)
        return al_err_set(AL_ENOMEM, "link check");
    c->repo = repo;
    c->index = index;
    c->touched = touched;
    c->tctx = tctx;
    for (size_t i = 0; rc == 0 && i < git_index_entrycount(index); i++) {
        const git_index_entry *e = git_index_get_byindex(index, i);
        git_blob *blob = NULL;
        if (!e || e->mode != GIT_FILEMODE_LINK || already_refused(v, e->path))
            continue;
        if (git_blob_lookup(&blob, repo, &e->id) < 0) {
            rc = gitops_git_err(AL_EGIT, "symlink blob");
            break;
        }
        rc = judge(c, index_lookup, e->path, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), policy, v);
        git_blob_free(blob);
    }
    free(c);
    return rc;
}

/* ---- the work tree after the run ---------------------------------------------- */

static int change_cmp_path(const void *key, const void *item)
{
    return strcmp(key, ((const gitops_change_t *)item)->path);
}

/* A path the run changed (the change list is sorted by path). */
static int run_touched(void *ctx, const char *path)
{
    const gitops_changes_t *ch = ctx;
    return ch->count && bsearch(path, ch->items, ch->count, sizeof ch->items[0], change_cmp_path) != NULL;
}

/* Judges the link at `path` as it is on disk now (skipped when it is not a link). */
static int judge_on_disk(walk_ctx_t *c, const char *path, const gitops_policy_t *policy, gitops_violations_t *v)
{
    char target[AN_LINK_PATH_MAX + 1];
    size_t n = 0;
    const char *t = fs_lookup(c, path, &n);
    if (!t)
        return 0;
    if (c->too_long)
        return gitops_violation_add(v, path, GITOPS_VIOL_SYMLINK_ESCAPE, "target too long");
    memcpy(target, t, n);
    return judge(c, fs_lookup, path, target, n, policy, v);
}

int gitops_links_check_workspace(gitops_workspace_t *ws, const gitops_changes_t *changes,
                                 const gitops_policy_t *policy, gitops_violations_t **out)
{
    git_index *index = NULL;
    gitops_violations_t *v = NULL;
    walk_ctx_t *c = NULL;
    int rc = 0;
    if (!out)
        return al_err_set(AL_EINVAL, "gitops_links_check_workspace: NULL out");
    *out = NULL;
    if (!ws || !changes || !policy || policy->version != GITOPS_POLICY_VERSION)
        return al_err_set(AL_EINVAL, "gitops_links_check_workspace: NULL argument or bad policy version");
    if (!(v = calloc(1, sizeof *v)) || !(c = calloc(1, sizeof *c))) {
        rc = al_err_set(AL_ENOMEM, "link check");
        goto done;
    }
    c->touched = run_touched;
    c->tctx = (void *)changes;
    if ((c->rootfd = open(ws->workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        rc = al_err_set_errno(AL_EIO, "open %s", ws->workdir);
        goto done;
    }
    for (size_t i = 0; rc == 0 && i < changes->count; i++)
        if (changes->items[i].new_mode == GIT_FILEMODE_LINK && !already_refused(v, changes->items[i].path))
            rc = judge_on_disk(c, changes->items[i].path, policy, v);
    /* tracked links the run did not touch, whose chain now runs through a change */
    if (rc == 0 && git_repository_index(&index, ws->repo) < 0)
        rc = gitops_git_err(AL_EGIT, "workspace index");
    for (size_t i = 0; rc == 0 && i < git_index_entrycount(index); i++) {
        const git_index_entry *e = git_index_get_byindex(index, i);
        if (e && e->mode == GIT_FILEMODE_LINK && !run_touched((void *)changes, e->path) &&
            !already_refused(v, e->path))
            rc = judge_on_disk(c, e->path, policy, v);
    }
done:
    if (c && c->rootfd > 0)
        close(c->rootfd);
    git_index_free(index);
    free(c);
    if (rc < 0)
        gitops_violations_destroy(&v);
    *out = v;
    return rc;
}
