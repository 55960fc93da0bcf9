/*
 * patch_input.c: the patch model. The patch is parsed once, by libgit2
 * (git_diff_from_buffer: the parser whose result gitops applies), into the
 * airlock_input_t view handed to every plugin: per delta the paths, modes,
 * flags, similarity, every hunk line (origin, old and new line numbers, the
 * "no newline at end of file" mark) and the added lines; postimage.c then
 * adds the post-images. Nothing here reads the patch text itself.
 *
 * Owns everything the view points to (plugin_input_free): the file array,
 * the line arrays, the path strings, the arena holding line texts, the
 * post-images.
 */
#include "worker/plugin_host/plugin_host_internal.h"

#include "common/error.h"
#include "common/log.h"
#include "common/patch_text.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    plugin_input_t *pi;
    size_t n;              /* deltas */
    airlock_file_t *cur;
    uint32_t lines_cap, added_cap;
    int hunk;
    int rc;
} build_t;

static uint32_t file_flags(const git_diff_delta *d)
{
    uint32_t f = 0;
    uint32_t mode = d->status == GIT_DELTA_DELETED ? d->old_file.mode : d->new_file.mode;
    if (d->status == GIT_DELTA_ADDED) f |= AIRLOCK_FILE_ADDED;
    if (d->status == GIT_DELTA_DELETED) f |= AIRLOCK_FILE_DELETED;
    if (d->status == GIT_DELTA_RENAMED) f |= AIRLOCK_FILE_RENAMED;
    if (d->status == GIT_DELTA_COPIED) f |= AIRLOCK_FILE_COPIED;
    if (mode == AIRLOCK_MODE_LINK) f |= AIRLOCK_FILE_SYMLINK;
    if (mode == AIRLOCK_MODE_GITLINK) f |= AIRLOCK_FILE_SUBMODULE;
    if (d->flags & GIT_DIFF_FLAG_BINARY) f |= AIRLOCK_FILE_BINARY;
    if (d->status != GIT_DELTA_ADDED && d->status != GIT_DELTA_DELETED && d->old_file.mode &&
        d->new_file.mode && d->old_file.mode != d->new_file.mode)
        f |= AIRLOCK_FILE_MODE_CHANGED;
    if (d->status != GIT_DELTA_DELETED && d->new_file.mode == AIRLOCK_MODE_EXEC)
        f |= AIRLOCK_FILE_EXECUTABLE;
    return f;
}

static int on_file(const git_diff_delta *d, float progress, void *payload)
{
    build_t *b = payload;
    (void)progress;
    size_t i = b->cur ? (size_t)(b->cur - b->pi->files) + 1 : 0;
    if (i >= b->n)
        return (b->rc = al_err_set(AL_EGIT, "plugin host: libgit2 reported more deltas than it counted"));
    airlock_file_t *f = b->cur = &b->pi->files[i];
    b->pi->in.n_files = (uint32_t)(i + 1);
    b->lines_cap = b->added_cap = 0;
    b->hunk = -1;
    f->struct_size = sizeof *f;
    f->old_mode = d->status == GIT_DELTA_ADDED ? 0 : d->old_file.mode;
    f->new_mode = d->status == GIT_DELTA_DELETED ? 0 : d->new_file.mode;
    f->flags = file_flags(d);
    if (d->status == GIT_DELTA_RENAMED || d->status == GIT_DELTA_COPIED)
        f->similarity = d->similarity;
    if ((d->status != GIT_DELTA_ADDED && d->old_file.path && !(f->old_path = strdup(d->old_file.path))) ||
        (d->status != GIT_DELTA_DELETED && d->new_file.path && !(f->new_path = strdup(d->new_file.path))))
        return (b->rc = al_err_set(AL_ENOMEM, "plugin host: out of memory"));
    f->path = f->new_path ? f->new_path : f->old_path;
    if (!f->path && !(f->path = f->new_path = strdup("")))
        return (b->rc = al_err_set(AL_ENOMEM, "plugin host: out of memory"));
    return 0;
}

static int on_hunk(const git_diff_delta *d, const git_diff_hunk *h, void *payload)
{
    build_t *b = payload;
    (void)d;
    (void)h;
    b->hunk++;
    return 0;
}

/* Grows *arr (elements of size sz) to hold one more than *used. */
static int grow(void *arr, uint32_t *cap, uint32_t used, size_t sz)
{
    void **p = arr;
    if (used < *cap)
        return 0;
    uint32_t nc = *cap ? *cap * 2 : 16;
    if (nc <= *cap)
        return -1;
    void *q = realloc(*p, (size_t)nc * sz);
    if (!q)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

/* Copies a line's text into the arena (the sum of all line texts never
 * exceeds the patch: each is a slice of it). */
static const char *arena_copy(plugin_input_t *pi, const char *s, size_t n)
{
    if (n > pi->arena_cap - pi->arena_used)
        return NULL;
    char *dst = pi->arena + pi->arena_used;
    memcpy(dst, s, n);
    pi->arena_used += n;
    return dst;
}

static int on_line(const git_diff_delta *d, const git_diff_hunk *h, const git_diff_line *l, void *payload)
{
    build_t *b = payload;
    airlock_file_t *f = b->cur;
    (void)d;
    (void)h;
    if (l->origin == GIT_DIFF_LINE_CONTEXT_EOFNL || l->origin == GIT_DIFF_LINE_ADD_EOFNL ||
        l->origin == GIT_DIFF_LINE_DEL_EOFNL) {
        if (f->n_lines)
            ((airlock_hunk_line_t *)f->lines)[f->n_lines - 1].flags |= AIRLOCK_LINE_NO_EOL;
        return 0;
    }
    if (l->origin != GIT_DIFF_LINE_CONTEXT && l->origin != GIT_DIFF_LINE_ADDITION &&
        l->origin != GIT_DIFF_LINE_DELETION)
        return 0;
    size_t len = l->content_len;
    if (len && l->content[len - 1] == '\n')
        len--;
    const char *text = arena_copy(b->pi, l->content, len);
    if (!text || len > UINT32_MAX || grow(&f->lines, &b->lines_cap, f->n_lines, sizeof *f->lines) != 0)
        return (b->rc = al_err_set(AL_ENOMEM, "plugin host: line view out of memory"));
    airlock_hunk_line_t *hl = (airlock_hunk_line_t *)&f->lines[f->n_lines++];
    memset(hl, 0, sizeof *hl);
    hl->origin = (uint8_t)l->origin;
    hl->old_lineno = l->old_lineno > 0 ? (uint32_t)l->old_lineno : 0;
    hl->new_lineno = l->new_lineno > 0 ? (uint32_t)l->new_lineno : 0;
    hl->len = (uint32_t)len;
    hl->hunk = b->hunk < 0 ? 0 : b->hunk > 0xffff ? 0xffff : (uint16_t)b->hunk;
    hl->text = text;
    if (l->origin != GIT_DIFF_LINE_ADDITION)
        return 0;
    if (grow(&f->added, &b->added_cap, f->n_added, sizeof *f->added) != 0)
        return (b->rc = al_err_set(AL_ENOMEM, "plugin host: line view out of memory"));
    airlock_line_t *al = (airlock_line_t *)&f->added[f->n_added++];
    al->lineno = hl->new_lineno;
    al->len = hl->len;
    al->text = text;
    return 0;
}

/* Parses; *diff is NULL (and pi->parsed 0) when libgit2 refuses the patch. */
static int parse(plugin_input_t *pi, const char *patch, size_t len, git_diff **diff)
{
    size_t text_len = 0;
    char *text = patch_text_for_libgit2(patch, len, &text_len);   /* as gitops_apply reads it */
    int prc = git_diff_from_buffer(diff, text ? text : patch, text ? text_len : len);
    free(text);   /* libgit2 parsed a copy */
    if (prc != 0) {
        const git_error *e = git_error_last();
        char q[256];
        al_info("plugin_host.patch_unparsed", "error=%s",
                al_log_quote(q, sizeof q, e && e->message ? e->message : "unknown"));
        *diff = NULL;
        return 0;
    }
    size_t n = git_diff_num_deltas(*diff);
    if (n >= UINT32_MAX || !(pi->arena = malloc(len + 1)) || !(pi->files = calloc(n + 1, sizeof *pi->files)))
        return al_err_set(AL_ENOMEM, "plugin host: out of memory");
    pi->arena_cap = len + 1;
    build_t b = { pi, n, NULL, 0, 0, -1, 0 };
    int grc = git_diff_foreach(*diff, on_file, NULL, on_hunk, on_line, &b);
    if (b.rc != 0)
        return b.rc;
    if (grc != 0 || pi->in.n_files != n) {
        /* libgit2 parsed the deltas but cannot show one: nothing it applies is known */
        const git_error *e = git_error_last();
        char q[256];
        al_info("plugin_host.patch_unparsed", "error=%s",
                al_log_quote(q, sizeof q, e && e->message ? e->message : "incomplete delta list"));
        return AL_EGIT;
    }
    pi->in.files = pi->files;
    pi->parsed = 1;
    return 0;
}

int plugin_input_build(plugin_input_t *pi, const plugin_source_t *src, const plugin_input_opts_t *o)
{
    git_diff *diff = NULL;
    int rc = 0;
    memset(pi, 0, sizeof *pi);
    pi->in.struct_size = sizeof pi->in;
    pi->in.patch = src->patch ? src->patch : "";
    pi->in.patch_len = src->patch ? src->patch_len : 0;
    pi->in.origin = src->origin;
    if (pi->in.patch_len == 0) {
        pi->parsed = 1;
        return 0;
    }
    git_libgit2_init();
    rc = parse(pi, src->patch, src->patch_len, &diff);
    if (rc == 0 && diff)
        rc = plugin_postimages(pi, diff, src, o);
    git_diff_free(diff);
    git_libgit2_shutdown();
    if (rc != 0) {
        plugin_input_free(pi);
        pi->in.struct_size = sizeof pi->in;
        pi->in.patch = src->patch;
        pi->in.patch_len = src->patch_len;
        pi->in.origin = src->origin;
        if (rc == AL_EGIT) /* a delta libgit2 parsed but cannot show: treat as unparsed */
            rc = 0;
    }
    return rc;
}

void plugin_input_free(plugin_input_t *pi)
{
    for (size_t i = 0; pi->files && i < pi->in.n_files; i++) {
        airlock_file_t *f = &pi->files[i];
        free((void *)f->added);
        free((void *)f->lines);
        free((void *)f->content);
        if (f->old_path != f->new_path)
            free((void *)f->old_path);
        free((void *)f->new_path);
    }
    free(pi->files);
    free(pi->arena);
    plugin_commands_free(pi);
    memset(pi, 0, sizeof *pi);
}
