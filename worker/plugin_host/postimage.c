/*
 * postimage.c: the post-image of each file of the patch model, i.e. what
 * will be written, from the best source the caller gives:
 *
 *   workspace_dir   the file on disk (the run stage's changes), opened
 *                   beneath the tree without following any link;
 *   repo + tree     git_apply_to_tree of the parsed patch onto the base tree
 *                   (exactly what gitops will check out), blobs read from
 *                   the resulting index;
 *   neither         binary hunks of added files decoded from the patch
 *                   alone (bindecode.c); a binary delta against an existing
 *                   file needs its pre-image from the base tree.
 *
 * Which files get one is the caller's choice (plugin_input_opts_t: text
 * files for AIRLOCK_CAP_FILES, binary files for CAP_PARSED); a file whose
 * post-image is over the bounds or cannot be decoded is flagged
 * (AIRLOCK_FILE_CONTENT_TRUNCATED / AIRLOCK_FILE_UNDECODED) and becomes a
 * host finding in run.c. Owns nothing past the call but each content buffer,
 * which goes to the file it belongs to.
 */
#include "worker/plugin_host/bindecode.h"
#include "worker/plugin_host/plugin_host_internal.h"

#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct {
    plugin_binhunk_t *bins;   /* per delta; type 0 = not binary or no data */
    size_t n, i;
} bins_t;

static int bin_file(const git_diff_delta *d, float progress, void *payload)
{
    bins_t *b = payload;
    (void)d;
    (void)progress;
    b->i++;
    return 0;
}

static int bin_hunk(const git_diff_delta *d, const git_diff_binary *bin, void *payload)
{
    bins_t *b = payload;
    (void)d;
    if (b->i == 0 || b->i > b->n || !bin->contains_data)
        return 0;
    plugin_binhunk_t *h = &b->bins[b->i - 1];
    h->type = bin->new_file.type == GIT_DIFF_BINARY_LITERAL ? PLUGIN_BIN_LITERAL
              : bin->new_file.type == GIT_DIFF_BINARY_DELTA ? PLUGIN_BIN_DELTA
                                                            : 0;
    h->data = bin->new_file.data;
    h->data_len = bin->new_file.datalen;
    h->inflated_len = bin->new_file.inflatedlen;
    return 0;
}

/* Whether o asks for the post-image of f. */
static int wanted(const airlock_file_t *f, const plugin_input_opts_t *o)
{
    if (f->flags & (AIRLOCK_FILE_DELETED | AIRLOCK_FILE_SYMLINK | AIRLOCK_FILE_SUBMODULE))
        return 0;
    return (f->flags & AIRLOCK_FILE_BINARY) ? o->want_binary : o->want_text;
}

/* Hands buf (n bytes, malloc'd) to f, or flags f when over a bound. */
static void content_set(plugin_input_t *pi, airlock_file_t *f, unsigned char *buf, size_t n,
                        const plugin_input_opts_t *o, uint32_t decoded)
{
    if (n > o->max_file_bytes || n > o->max_total_bytes - pi->content_total) {
        free(buf);
        f->flags |= AIRLOCK_FILE_CONTENT_TRUNCATED;
        return;
    }
    free((void *)f->content);
    f->content = (const char *)buf;
    f->content_len = n;
    f->flags = (f->flags & ~(AIRLOCK_FILE_UNDECODED | AIRLOCK_FILE_CONTENT_TRUNCATED)) | decoded;
    pi->content_total += n;
}

/* ---- from the work tree ------------------------------------------------------ */

static void from_disk(plugin_input_t *pi, int dirfd, airlock_file_t *f, const plugin_input_opts_t *o)
{
    struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
                            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
    struct stat st;
    int fd = f->new_path ? (int)syscall(SYS_openat2, dirfd, f->new_path, &how, sizeof how) : -1;
    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        size_t n = (size_t)st.st_size;
        unsigned char *buf = NULL;
        if (n > o->max_file_bytes || n > o->max_total_bytes - pi->content_total)
            f->flags |= AIRLOCK_FILE_CONTENT_TRUNCATED;
        else if ((buf = malloc(n + 1)) && read(fd, buf, n) == (ssize_t)n)
            content_set(pi, f, buf, n, o, (f->flags & AIRLOCK_FILE_BINARY) ? AIRLOCK_FILE_CONTENT_DECODED : 0);
        else
            free(buf);
    }
    close(fd);
}

static void all_from_disk(plugin_input_t *pi, const char *dir, const plugin_input_opts_t *o)
{
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        al_warn("plugin_host.workspace_unreadable", "dir=%s errno=%d", dir, errno);
        return;
    }
    for (uint32_t i = 0; i < pi->in.n_files; i++)
        if (wanted(&pi->files[i], o))
            from_disk(pi, dirfd, &pi->files[i], o);
    close(dirfd);
}

/* ---- from the base tree -------------------------------------------------------- */

/* Copies the blob `id` when it is within the bounds. */
static void from_blob(plugin_input_t *pi, git_repository *repo, const git_oid *id, airlock_file_t *f,
                      const plugin_input_opts_t *o)
{
    git_blob *blob = NULL;
    if (git_blob_lookup(&blob, repo, id) != 0)
        return;
    size_t n = (size_t)git_blob_rawsize(blob);
    unsigned char *buf = NULL;
    if (n > o->max_file_bytes || n > o->max_total_bytes - pi->content_total)
        f->flags |= AIRLOCK_FILE_CONTENT_TRUNCATED;
    else if ((buf = malloc(n + 1)) != NULL) {
        memcpy(buf, git_blob_rawcontent(blob), n);
        content_set(pi, f, buf, n, o, (f->flags & AIRLOCK_FILE_BINARY) ? AIRLOCK_FILE_CONTENT_DECODED : 0);
    }
    git_blob_free(blob);
}

/* git_apply_to_tree onto the base: the post-images gitops will check out.
 * Returns 0 when the patch applied (it may not: then the caller decodes what
 * it can and gitops will call the patch apply_failed). */
static int from_apply(plugin_input_t *pi, git_repository *repo, git_tree *base, git_diff *diff,
                      const plugin_input_opts_t *o)
{
    git_index *index = NULL;
    git_apply_options ao;
    git_apply_options_init(&ao, GIT_APPLY_OPTIONS_VERSION);
    if (git_apply_to_tree(&index, repo, base, diff, &ao) != 0) {
        const git_error *e = git_error_last();
        char q[256];
        al_info("plugin_host.apply_preview_failed", "error=%s",
                al_log_quote(q, sizeof q, e && e->message ? e->message : "unknown"));
        return -1;
    }
    for (uint32_t i = 0; i < pi->in.n_files; i++) {
        airlock_file_t *f = &pi->files[i];
        const git_index_entry *e = wanted(f, o) ? git_index_get_bypath(index, f->new_path, 0) : NULL;
        if (e)
            from_blob(pi, repo, &e->id, f, o);
    }
    git_index_free(index);
    return 0;
}

/* The pre-image of a modified binary file, from the base tree. */
static unsigned char *base_blob(git_repository *repo, git_tree *base, const char *path, size_t *len)
{
    git_tree_entry *te = NULL;
    git_blob *blob = NULL;
    unsigned char *buf = NULL;
    if (repo && base && path && git_tree_entry_bypath(&te, base, path) == 0 &&
        git_blob_lookup(&blob, repo, git_tree_entry_id(te)) == 0) {
        *len = (size_t)git_blob_rawsize(blob);
        if ((buf = malloc(*len + 1)) != NULL)
            memcpy(buf, git_blob_rawcontent(blob), *len);
    }
    git_blob_free(blob);
    git_tree_entry_free(te);
    return buf;
}

/* Binary files still without a post-image: decode the hunk. */
static void decode_binaries(plugin_input_t *pi, const bins_t *b, git_repository *repo, git_tree *base,
                            const plugin_input_opts_t *o)
{
    for (uint32_t i = 0; i < pi->in.n_files && i < b->n; i++) {
        airlock_file_t *f = &pi->files[i];
        if (!(f->flags & AIRLOCK_FILE_BINARY) || !wanted(f, o) || f->content ||
            (f->flags & AIRLOCK_FILE_CONTENT_TRUNCATED))
            continue;
        size_t base_len = 0, out_len = 0;
        unsigned char *pre = NULL, *out = NULL;
        int have_base = (f->flags & AIRLOCK_FILE_ADDED) || b->bins[i].type == PLUGIN_BIN_LITERAL;
        if (!have_base && (pre = base_blob(repo, base, f->old_path, &base_len)) != NULL)
            have_base = 1;
        int rc = have_base && b->bins[i].type
                     ? plugin_binary_decode(&b->bins[i], pre, base_len, o->max_file_bytes, &out, &out_len)
                     : AL_ENOTFOUND;
        free(pre);
        if (rc == 0)
            content_set(pi, f, out, out_len, o, AIRLOCK_FILE_CONTENT_DECODED);
        else
            f->flags |= rc == AL_ELIMIT ? AIRLOCK_FILE_CONTENT_TRUNCATED : AIRLOCK_FILE_UNDECODED;
    }
}

static int open_base(const plugin_source_t *src, git_repository **repo, git_tree **tree)
{
    git_oid oid;
    if (!src->repo_dir || !src->base_tree)
        return 0;
    if (git_repository_open_ext(repo, src->repo_dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0 ||
        git_oid_fromstr(&oid, src->base_tree) != 0 || git_tree_lookup(tree, *repo, &oid) != 0) {
        const git_error *e = git_error_last();
        return al_err_set(AL_EINVAL, "plugin host: base tree %s in %s: %s", src->base_tree, src->repo_dir,
                          e && e->message ? e->message : "unavailable");
    }
    return 0;
}

int plugin_postimages(plugin_input_t *pi, git_diff *diff, const plugin_source_t *src,
                      const plugin_input_opts_t *o)
{
    git_repository *repo = NULL;
    git_tree *base = NULL;
    bins_t b = { NULL, pi->in.n_files, 0 };
    int rc = 0;
    if (!o->want_text && !o->want_binary)
        return 0;
    if (!(b.bins = calloc(b.n + 1, sizeof *b.bins)))
        return al_err_set(AL_ENOMEM, "plugin host: out of memory");
    if (git_diff_foreach(diff, bin_file, bin_hunk, NULL, NULL, &b) != 0) {
        rc = al_err_set(AL_EGIT, "plugin host: binary hunks unavailable");
        goto done;
    }
    if (src->workspace_dir) {
        all_from_disk(pi, src->workspace_dir, o);
    } else if ((rc = open_base(src, &repo, &base)) == 0 && repo) {
        pi->preview_failed = from_apply(pi, repo, base, diff, o) != 0;
    }
    if (rc == 0)
        decode_binaries(pi, &b, repo, base, o);
done:
    git_tree_free(base);
    git_repository_free(repo);
    free(b.bins);
    return rc;
}
