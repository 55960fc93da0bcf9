/*
 * sandbox_repo.c: gitops_sandbox_repo, the `.git` a stage's commands see.
 *
 * Real test suites call git (`git diff --exit-code`, setuptools-scm, version
 * stamping), so the sandbox's /workspace holds a repository of its own,
 * written fresh for each stage from the task's workspace repository:
 *
 *   HEAD      the base commit, detached, with its real id (`shallow` lists it,
 *             so git never looks for its parents);
 *   index     the tree the stage starts from (the applied change, or the
 *             result tree for the test stage) as after `git apply --index`:
 *             `git diff --exit-code` reports only what the stage itself
 *             changes, `git diff --cached` shows the change under test;
 *   objects   one pack holding the base commit, its tree and the index tree;
 *             on a layered workspace the base tree's objects are already
 *             there (the base pack, a lower layer of the overlay: basecache.c,
 *             basepack.c), so the stage's pack holds the base commit and only
 *             the trees and blobs of the index tree the base does not have;
 *   refs      the tags that point at the base commit (for `git describe`);
 *   nothing   else: no hooks, no remotes, no host config, no credentials,
 *             no history beyond the base commit.
 *
 * The repository belongs to the sandbox: the caller removes it from the host
 * directory once the sandbox has its copy and again after copying back, so
 * nothing under `.git` reaches the result, the workspace diff or the policy.
 *
 * Owns: the packbuilder, the new repository handle and the objects it looks
 * up, all released before returning.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "worker/gitops/gitops_internal.h"

#define MAX_TAGS 64

typedef struct {
    git_repository *src;
    git_oid base;
    git_packbuilder *pb;
    char *names[MAX_TAGS];    /* "refs/tags/..." of tags at the base */
    git_oid ids[MAX_TAGS];    /* what each ref points at (tag object or commit) */
    size_t n;
    int rc;
} tags_t;

static int tag_cb(const char *name, git_oid *oid, void *payload)
{
    tags_t *t = payload;
    git_object *obj = NULL, *peeled = NULL;
    if (t->n == MAX_TAGS)
        return 1;
    if (git_object_lookup(&obj, t->src, oid, GIT_OBJECT_ANY) == 0 &&
        git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0 && git_oid_equal(git_object_id(peeled), &t->base)) {
        if (git_object_type(obj) == GIT_OBJECT_TAG && git_packbuilder_insert(t->pb, oid, name) < 0)
            t->rc = gitops_git_err(AL_EGIT, "pack tag");
        else if ((t->names[t->n] = strdup(name)))
            git_oid_cpy(&t->ids[t->n++], oid);
    }
    git_object_free(peeled);
    git_object_free(obj);
    return t->rc < 0 ? 1 : 0;
}

/* The objects of `tree` that `base` (same path, NULL: none) lacks: a subtree
 * or blob with the base's id at the same place is skipped whole. */
static int insert_new(git_packbuilder *pb, git_repository *repo, const git_tree *base, const git_tree *tree)
{
    int rc = 0;
    if (base && git_oid_equal(git_tree_id(base), git_tree_id(tree)))
        return 0;
    if (git_packbuilder_insert(pb, git_tree_id(tree), NULL) < 0)
        return gitops_git_err(AL_EGIT, "pack tree");
    for (size_t i = 0, n = git_tree_entrycount(tree); rc == 0 && i < n; i++) {
        const git_tree_entry *e = git_tree_entry_byindex(tree, i);
        const git_tree_entry *b = base ? git_tree_entry_byname(base, git_tree_entry_name(e)) : NULL;
        git_object_t type = git_tree_entry_type(e);
        if ((b && git_oid_equal(git_tree_entry_id(b), git_tree_entry_id(e))) || type == GIT_OBJECT_COMMIT)
            continue;   /* the base has it (or a gitlink: another repository's) */
        if (type == GIT_OBJECT_BLOB) {
            if (git_packbuilder_insert(pb, git_tree_entry_id(e), git_tree_entry_name(e)) < 0)
                rc = gitops_git_err(AL_EGIT, "pack blob");
            continue;
        }
        git_tree *sub = NULL, *bsub = NULL;
        if (git_tree_lookup(&sub, repo, git_tree_entry_id(e)) < 0 ||
            (b && git_tree_entry_type(b) == GIT_OBJECT_TREE && git_tree_lookup(&bsub, repo, git_tree_entry_id(b)) < 0))
            rc = gitops_git_err(AL_EGIT, "pack subtree");
        else
            rc = insert_new(pb, repo, bsub, sub);
        git_tree_free(bsub);
        git_tree_free(sub);
    }
    return rc;
}

/* What the stage's pack holds: everything, or (the base pack below it) the
 * commit and what the index tree adds to the base tree. */
static int insert_objects(gitops_workspace_t *ws, git_packbuilder *pb, const git_oid *commit, const git_oid *index_tree)
{
    git_tree *tree = NULL;
    int rc = 0;
    if (!ws->layered || !ws->base_git) {
        if (git_packbuilder_insert_commit(pb, commit) < 0 || git_packbuilder_insert_tree(pb, index_tree) < 0)
            return gitops_git_err(AL_EGIT, "pack objects");
        return 0;
    }
    if (git_packbuilder_insert(pb, commit, NULL) < 0 || git_tree_lookup(&tree, ws->repo, index_tree) < 0)
        rc = gitops_git_err(AL_EGIT, "pack objects");
    else
        rc = insert_new(pb, ws->repo, ws->base_tree, tree);
    git_tree_free(tree);
    return rc;
}

/* The pack of everything the sandbox repository needs, into pack_dir. */
static int write_pack(gitops_workspace_t *ws, const git_oid *index_tree, tags_t *tags, const char *pack_dir)
{
    int rc = 0;
    if (git_packbuilder_new(&tags->pb, ws->repo) < 0)
        return gitops_git_err(AL_EGIT, "packbuilder");
    git_packbuilder_set_threads(tags->pb, 1);
    rc = insert_objects(ws, tags->pb, &tags->base, index_tree);
    if (rc == 0 && git_tag_foreach(ws->repo, tag_cb, tags) < 0 && tags->rc == 0)
        rc = gitops_git_err(AL_EGIT, "tags");
    if (rc == 0 && tags->rc < 0)
        rc = tags->rc;
    if (rc == 0 && git_packbuilder_write(tags->pb, pack_dir, 0444, NULL, NULL) < 0)
        rc = gitops_git_err(AL_EGIT, "write pack");
    return rc;
}

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return al_err_set_errno(AL_EIO, "create %s", path);
    size_t n = strlen(text);
    int rc = write(fd, text, n) == (ssize_t)n ? 0 : al_err_set_errno(AL_EIO, "write %s", path);
    close(fd);
    return rc;
}

/* HEAD, shallow, index and tag refs of the new repository. */
static int write_state(git_repository *r, const char *gitdir, tags_t *tags, const git_oid *index_tree,
                       int base_has_parents)
{
    git_tree *tree = NULL;
    git_index *index = NULL;
    git_reference *ref = NULL;
    int rc = 0;
    char hex[GITOPS_OID_HEXSZ + 2], path[4200];

    if (git_repository_set_head_detached(r, &tags->base) < 0)
        return gitops_git_err(AL_EGIT, "sandbox HEAD");
    if (base_has_parents) {
        git_oid_tostr(hex, sizeof(hex) - 1, &tags->base);
        strcat(hex, "\n");
        snprintf(path, sizeof(path), "%s/shallow", gitdir);
        if ((rc = write_text(path, hex)) < 0)
            return rc;
    }
    if (git_tree_lookup(&tree, r, index_tree) < 0 || git_repository_index(&index, r) < 0 ||
        git_index_read_tree(index, tree) < 0 || git_index_write(index) < 0)
        rc = gitops_git_err(AL_EGIT, "sandbox index");
    for (size_t i = 0; rc == 0 && i < tags->n; i++) {
        if (git_reference_create(&ref, r, tags->names[i], &tags->ids[i], 0, NULL) < 0)
            rc = gitops_git_err(AL_EGIT, "sandbox tag");
        git_reference_free(ref);
        ref = NULL;
    }
    git_index_free(index);
    git_tree_free(tree);
    return rc;
}

static int base_parents(git_repository *repo, const git_oid *base, int *has)
{
    git_commit *c = NULL;
    if (git_commit_lookup(&c, repo, base) < 0)
        return gitops_git_err(AL_EGIT, "base commit");
    *has = git_commit_parentcount(c) > 0;
    git_commit_free(c);
    return 0;
}

int gitops_sandbox_repo(gitops_workspace_t *ws, const char *dir, const char *index_tree_hex)
{
    git_repository *r = NULL;
    git_repository_init_options io;
    git_oid tree;
    tags_t tags = { 0 };
    char gitdir[4096], pack_dir[4200];
    int rc, has_parents = 0;

    if (!ws || !dir || !index_tree_hex || git_oid_fromstr(&tree, index_tree_hex) < 0)
        return al_err_set(AL_EINVAL, "gitops_sandbox_repo: bad arguments");
    if (snprintf(gitdir, sizeof(gitdir), "%s/.git", dir) >= (int)sizeof(gitdir))
        return al_err_set(AL_EINVAL, "gitops_sandbox_repo: path too long");
    tags.src = ws->repo;
    if (git_oid_fromstr(&tags.base, ws->base_commit_hex) < 0)
        return al_err_set(AL_ESTATE, "gitops_sandbox_repo: workspace has no base commit");
    if ((rc = base_parents(ws->repo, &tags.base, &has_parents)) < 0)
        return rc;
    git_repository_init_options_init(&io, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
    io.flags = GIT_REPOSITORY_INIT_NO_REINIT;   /* a .git already there is refused, not reused */
    io.workdir_path = dir;
    if (git_repository_init_ext(&r, gitdir, &io) < 0) {
        rc = gitops_git_err(AL_EGIT, "sandbox repository");
        goto done;
    }
    /* libgit2's init leaves hooks/README.sample: the sandbox gets no hooks directory at all. */
    snprintf(pack_dir, sizeof(pack_dir), "%s/hooks", gitdir);
    if ((rc = gitops_dir_remove(pack_dir)) < 0)
        goto done;
    snprintf(pack_dir, sizeof(pack_dir), "%s/objects/pack", gitdir);
    if ((rc = write_pack(ws, &tree, &tags, pack_dir)) < 0)
        goto done;
    git_repository_free(r); /* reopen: the new pack must be visible to its object database */
    r = NULL;
    if (git_repository_open(&r, gitdir) < 0) {
        rc = gitops_git_err(AL_EGIT, "sandbox repository reopen");
        goto done;
    }
    rc = write_state(r, gitdir, &tags, &tree, has_parents);
    /* layered: the sandbox works in this very directory, as the tree's owner */
    if (rc == 0 && ws->layered)
        rc = gitops_chown_tree(gitdir, ws->owner_uid, ws->owner_gid);
done:
    for (size_t i = 0; i < tags.n; i++)
        free(tags.names[i]);
    git_packbuilder_free(tags.pb);
    git_repository_free(r);
    if (rc < 0)
        al_err_wrap(rc, "sandbox .git in %s", dir);
    return rc;
}
