/*
 * result.c: the result tree of a task and what is made from it.
 *
 * gitops_result_tree() builds the tree of tracked content (paths in the base
 * tree or added by the patch) from the work tree after the run stage, read
 * with no symlink followed; stage-1 leftovers (untracked, ignored) are not in
 * it. gitops_export_tree() materializes exactly a tree into a fresh directory
 * for the test sandbox; gitops_diff_text() renders base -> tree as a unified
 * diff for the artifact.
 *
 * Owns: the in-memory index and libgit2 objects of one call.
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

typedef struct {
    gitops_workspace_t *ws;
    git_index *index;
    git_odb *odb;
    int rootfd;
    int rc;
    size_t files;
} build_t;

static int odb_sink(void *ctx, const void *buf, size_t n)
{
    return git_odb_stream_write(ctx, buf, n) < 0 ? gitops_git_err(AL_EGIT, "blob write") : 0;
}

/* Streams fd (size bytes) into the object database as a blob. */
static int blob_from_fd(build_t *b, int fd, uint64_t size, git_oid *oid, const char *path)
{
    git_odb_stream *st = NULL;
    int rc;

    if (git_odb_open_wstream(&st, b->odb, size, GIT_OBJECT_BLOB) < 0)
        return gitops_git_err(AL_EGIT, "blob stream");
    if ((rc = gitops_fd_stream(fd, size, path, odb_sink, st)) == 0 && git_odb_stream_finalize_write(oid, st) < 0)
        rc = gitops_git_err(AL_EGIT, "blob finalize");
    git_odb_stream_free(st);
    return rc;
}

/* Blob and mode of the work file at path; *present = 0 when it is gone or
 * no longer a file or symlink. */
static int blob_from_work(build_t *b, const char *path, git_index_entry *e, int *present)
{
    gitops_workfile_t wf;
    int rc = gitops_workfile_open(b->rootfd, path, b->ws->max_file_bytes, &wf);

    *present = 0;
    if (rc < 0)
        return rc;
    if (wf.kind == GITOPS_WF_LINK) {
        if (git_blob_create_from_buffer(&e->id, b->ws->repo, wf.target, (size_t)wf.size) < 0)
            return gitops_git_err(AL_EGIT, "symlink blob");
        e->mode = GIT_FILEMODE_LINK;
        *present = 1;
    } else if (wf.kind == GITOPS_WF_REG) {
        if ((rc = blob_from_fd(b, wf.fd, wf.size, &e->id, path)) == 0) {
            e->mode = wf.exec ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
            *present = 1;
        }
        gitops_workfile_close(&wf);
    }
    return rc;
}

static int on_entry(const char *root, const git_tree_entry *te, void *payload)
{
    build_t *b = payload;
    git_index_entry e;
    char path[4096];
    int present = 1;

    if (git_tree_entry_type(te) == GIT_OBJECT_TREE)
        return 0;
    if ((size_t)snprintf(path, sizeof(path), "%s%s", root, git_tree_entry_name(te)) >= sizeof(path)) {
        b->rc = al_err_set(AL_ELIMIT, "tracked path longer than %zu bytes", sizeof(path));
        return -1;
    }
    memset(&e, 0, sizeof(e));
    e.path = path;
    if (git_tree_entry_filemode(te) == GIT_FILEMODE_COMMIT) {
        e.mode = GIT_FILEMODE_COMMIT; /* gitlink of the base: kept as is, never fetched */
        git_oid_cpy(&e.id, git_tree_entry_id(te));
    } else if ((b->rc = blob_from_work(b, path, &e, &present)) < 0) {
        return -1;
    }
    if (present && git_index_add(b->index, &e) < 0) {
        b->rc = gitops_git_err(AL_EGIT, "result index");
        return -1;
    }
    b->files += (size_t)present;
    return 0;
}

/* Layered: the tracked tree with only the paths the upper layer names read
 * again from the work tree (the others are the base's, unchanged). */
static int result_layered(build_t *b, git_tree *tracked)
{
    gitops_touched_t t;
    char **redo = NULL;
    size_t n = 0;
    int rc = gitops_layer_touched(b->ws, NULL, &t);

    if (rc < 0)
        return rc;
    if (git_index_read_tree(b->index, tracked) < 0) {
        rc = gitops_git_err(AL_EGIT, "result index");
        goto done;
    }
    size_t count = git_index_entrycount(b->index);
    if (t.n && !(redo = calloc(count + 1, sizeof *redo))) {
        rc = al_err_set(AL_ENOMEM, "result paths");
        goto done;
    }
    for (size_t i = 0; t.n && i < count; i++) {
        const git_index_entry *e = git_index_get_byindex(b->index, i);
        if (e->mode != GIT_FILEMODE_COMMIT && gitops_touched_covers(&t, e->path) && !(redo[n++] = strdup(e->path))) {
            rc = al_err_set(AL_ENOMEM, "result paths");
            goto done;
        }
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        git_index_entry e;
        int present = 0;
        memset(&e, 0, sizeof e);
        e.path = redo[i];
        if ((rc = blob_from_work(b, redo[i], &e, &present)) < 0)
            break;
        if (present ? git_index_add(b->index, &e) < 0 : git_index_remove(b->index, redo[i], 0) < 0)
            rc = gitops_git_err(AL_EGIT, "result index");
        b->files += (size_t)present;
    }
done:
    for (size_t i = 0; i < n; i++)
        free(redo[i]);
    free(redo);
    gitops_touched_free(&t);
    return rc;
}

int gitops_result_tree(gitops_workspace_t *ws, char tree_id[GITOPS_OID_HEXSZ + 1])
{
    build_t b = { ws, NULL, NULL, -1, 0, 0 };
    git_tree *tracked = NULL;
    git_oid oid;
    int rc = 0;

    if (!ws || !tree_id)
        return al_err_set(AL_EINVAL, "gitops_result_tree: NULL argument");
    if (git_tree_lookup(&tracked, ws->repo, &ws->tracked_tree_oid) < 0 || git_index_new(&b.index) < 0 ||
        git_repository_odb(&b.odb, ws->repo) < 0) {
        rc = gitops_git_err(AL_EGIT, "result tree setup");
        goto done;
    }
    if ((b.rootfd = open(ws->workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        rc = al_err_set_errno(AL_EIO, "open %s", ws->workdir);
        goto done;
    }
    if (ws->layered) {
        if ((rc = result_layered(&b, tracked)) < 0)
            goto done;
    } else if (git_tree_walk(tracked, GIT_TREEWALK_PRE, on_entry, &b) < 0) {
        rc = b.rc < 0 ? b.rc : gitops_git_err(AL_EGIT, "result tree walk");
        goto done;
    }
    if (git_index_write_tree_to(&oid, b.index, ws->repo) < 0) {
        rc = gitops_git_err(AL_EGIT, "result tree write");
        goto done;
    }
    git_oid_tostr(tree_id, GITOPS_OID_HEXSZ + 1, &oid);
    al_info("gitops.result.tree", "task=%s tree=%s files=%zu", ws->task, tree_id, b.files);
done:
    if (b.rootfd >= 0)
        close(b.rootfd);
    git_odb_free(b.odb);
    git_index_free(b.index);
    git_tree_free(tracked);
    return rc;
}

static int tree_get(gitops_workspace_t *ws, const char *tree_id, git_tree **out)
{
    git_oid oid;
    if (!tree_id || strlen(tree_id) != GITOPS_OID_HEXSZ || git_oid_fromstr(&oid, tree_id) < 0)
        return al_err_set(AL_EINVAL, "tree id '%s': not 40 hex digits", tree_id ? tree_id : "(null)");
    if (git_tree_lookup(out, ws->repo, &oid) < 0)
        return gitops_git_err(AL_ENOTFOUND, "tree lookup");
    return 0;
}

int gitops_export_tree(gitops_workspace_t *ws, const char *tree_id, const char *dest_dir)
{
    git_tree *tree = NULL;
    git_index *empty = NULL;
    git_checkout_options co;
    int rc;

    if (!ws || !dest_dir || !*dest_dir)
        return al_err_set(AL_EINVAL, "gitops_export_tree: NULL argument");
    if (ws->layered) {   /* an overlay over the base holding tree_id (layer.c) */
        if (mkdir(dest_dir, 0700) < 0)
            return al_err_set_errno(errno == EEXIST ? AL_EEXISTS : AL_EIO, "export dir %s", dest_dir);
        return gitops_export_layer(ws, tree_id, dest_dir);
    }
    if ((rc = tree_get(ws, tree_id, &tree)) < 0)
        return rc;
    if (mkdir(dest_dir, 0700) < 0) {
        rc = al_err_set_errno(errno == EEXIST ? AL_EEXISTS : AL_EIO, "export dir %s", dest_dir);
        goto done;
    }
    if (git_index_new(&empty) < 0) {
        rc = gitops_git_err(AL_EGIT, "export index");
        goto done;
    }
    /* Everything is new relative to an empty baseline; the workspace index
     * is neither read nor written. */
    git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_RECREATE_MISSING | GIT_CHECKOUT_DONT_UPDATE_INDEX |
                           GIT_CHECKOUT_DONT_WRITE_INDEX;
    co.disable_filters = 1;
    co.baseline_index = empty;
    co.target_directory = dest_dir;
    if (git_checkout_tree(ws->repo, (git_object *)tree, &co) < 0)
        rc = gitops_git_err(AL_EGIT, "export checkout");
    else
        al_info("gitops.export.done", "task=%s tree=%s", ws->task, tree_id);
done:
    git_index_free(empty);
    git_tree_free(tree);
    return rc;
}

typedef struct {
    char *buf;
    size_t len, cap;
    int rc;
} text_t;

/* Appends one line as git_diff_to_buf would, within GITOPS_MAX_DIFF_TEXT. */
static int on_line(const git_diff_delta *d, const git_diff_hunk *h, const git_diff_line *l, void *payload)
{
    text_t *t = payload;
    int origin = l->origin == GIT_DIFF_LINE_ADDITION || l->origin == GIT_DIFF_LINE_DELETION ||
                 l->origin == GIT_DIFF_LINE_CONTEXT;
    size_t need = t->len + (size_t)origin + l->content_len + 1;

    (void)d;
    (void)h;
    if (need > GITOPS_MAX_DIFF_TEXT) {
        t->rc = al_err_set(AL_ELIMIT, "diff text longer than %u bytes", GITOPS_MAX_DIFF_TEXT);
        return GIT_EUSER;
    }
    if (need > t->cap) {
        size_t cap = t->cap ? t->cap : 65536;
        char *nb;
        while (cap < need)
            cap *= 2;
        if (!(nb = realloc(t->buf, cap))) {
            t->rc = al_err_set(AL_ENOMEM, "diff text");
            return GIT_EUSER;
        }
        t->buf = nb;
        t->cap = cap;
    }
    if (origin)
        t->buf[t->len++] = (char)l->origin;
    memcpy(t->buf + t->len, l->content, l->content_len);
    t->len += l->content_len;
    t->buf[t->len] = '\0';
    return 0;
}

int gitops_diff_print_text(git_diff *diff, char **text, size_t *len)
{
    text_t t = { NULL, 0, 0, 0 };
    if (git_diff_print(diff, GIT_DIFF_FORMAT_PATCH, on_line, &t) < 0) {
        free(t.buf);
        return t.rc < 0 ? t.rc : gitops_git_err(AL_EGIT, "diff text");
    }
    if (!t.buf && !(t.buf = calloc(1, 1)))
        return al_err_set(AL_ENOMEM, "diff text");
    *text = t.buf;
    if (len)
        *len = t.len;
    return 0;
}

int gitops_diff_text(gitops_workspace_t *ws, const char *tree_id, char **text, size_t *len)
{
    git_tree *tree = NULL;
    git_diff *diff = NULL;
    int rc;

    if (!ws || !text)
        return al_err_set(AL_EINVAL, "gitops_diff_text: NULL argument");
    *text = NULL;
    if ((rc = tree_get(ws, tree_id, &tree)) < 0)
        return rc;
    if (git_diff_tree_to_tree(&diff, ws->repo, ws->base_tree, tree, NULL) < 0)
        rc = gitops_git_err(AL_EGIT, "diff text");
    else
        rc = gitops_diff_print_text(diff, text, len);
    git_diff_free(diff);
    git_tree_free(tree);
    return rc;
}
