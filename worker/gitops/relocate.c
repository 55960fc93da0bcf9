/*
 * relocate.c: hunks whose stated line is off, found where `git apply` finds
 * them (gitops_internal.h, gitops_relocate_plan).
 *
 * libgit2 applies a hunk only at the line its header states
 * (find_hunk_linenum); git apply and patch(1) search for the hunk's
 * preimage (context and removed lines) nearest to that line. Patches
 * written by hand or by coding agents often carry line numbers that are off
 * while every context line matches, and came out apply_failed.
 *
 * gitops_apply makes the plan only after libgit2 refused the patch. It
 * replays the patch's hunks over line views of the base files (and,
 * for a series that changes one file twice, over the result of the earlier
 * diff, as libgit2 does), keeping every stated position whose preimage
 * matches and searching for the others like git apply's find_pos: outward
 * from the stated line, a line below before a line above at each distance;
 * a hunk that starts at the file's first line must match there, and one
 * without trailing context must match at the end. No context line is ever
 * dropped (no fuzz). A hunk found nowhere keeps its stated line, and
 * libgit2 says it does not apply.
 *
 * Owns: the plan (caller frees with gitops_relocation_free); the blobs and
 * line views of one call.
 */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "worker/gitops/gitops_internal.h"

/* Positions all searches of one patch may try: a few seconds of work at
 * worst; beyond it hunks keep their stated lines. */
#define RELOCATE_SEARCH_BUDGET ((size_t)1 << 26)

typedef struct {
    const char *p;
    size_t n;
} rl_line_t;

typedef struct {
    rl_line_t *v;
    size_t n, cap;
} rl_lines_t;

typedef struct {
    char *path;          /* NULL: empty slot */
    rl_lines_t lines;
    int unknown;         /* content not simulated (binary, failed hunk): keep stated lines */
    int absent;          /* deleted or renamed away by an earlier diff */
} rl_image_t;

typedef struct {
    git_repository *repo;
    git_tree *base;
    rl_image_t *slots;   /* open addressing by path */
    size_t cap;
    git_blob **blobs;    /* kept until the end: the views point into them */
    size_t n_blobs, blobs_cap;
    gitops_relocation_t *plan;
    size_t budget;       /* positions the searches may still try (a hostile patch's many hunks) */
} rl_ctx_t;

static int lines_push(rl_lines_t *l, const char *p, size_t n)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        rl_line_t *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return al_err_set(AL_ENOMEM, "relocate: lines");
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].p = p;
    l->v[l->n++].n = n;
    return 0;
}

/* Lines of buf as libgit2's patch image splits them: each with its '\n'. */
static int lines_of(rl_lines_t *l, const char *buf, size_t len)
{
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        if (lines_push(l, p, n) < 0)
            return AL_ENOMEM;
        p += n;
    }
    return 0;
}

static size_t path_hash(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The slot of path (an empty one when it is not there). */
static rl_image_t *slot_of(rl_ctx_t *c, const char *path)
{
    size_t i = path_hash(path) & (c->cap - 1);
    while (c->slots[i].path && strcmp(c->slots[i].path, path) != 0)
        i = (i + 1) & (c->cap - 1);
    return &c->slots[i];
}

/* The lines of path in the base tree; an empty image when it is not there. */
static int base_lines(rl_ctx_t *c, const char *path, rl_lines_t *out, int *unknown)
{
    git_tree_entry *e = NULL;
    git_blob *b = NULL;
    *unknown = 0;
    if (git_tree_entry_bypath(&e, c->base, path) < 0) {
        git_error_clear();
        *unknown = 1;   /* libgit2 reports the missing preimage */
        return 0;
    }
    int rc = git_blob_lookup(&b, c->repo, git_tree_entry_id(e));
    git_tree_entry_free(e);
    if (rc < 0) {
        git_error_clear();
        *unknown = 1;
        return 0;
    }
    if (c->n_blobs == c->blobs_cap) {
        size_t cap = c->blobs_cap ? c->blobs_cap * 2 : 16;
        git_blob **v = realloc(c->blobs, cap * sizeof *v);
        if (!v) {
            git_blob_free(b);
            return al_err_set(AL_ENOMEM, "relocate: blobs");
        }
        c->blobs = v;
        c->blobs_cap = cap;
    }
    c->blobs[c->n_blobs++] = b;
    return lines_of(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
}

static int match_at(const rl_lines_t *img, size_t at, const rl_lines_t *pre)
{
    if (at > img->n || img->n - at < pre->n)
        return 0;
    for (size_t i = 0; i < pre->n; i++)
        if (img->v[at + i].n != pre->v[i].n || memcmp(img->v[at + i].p, pre->v[i].p, pre->v[i].n) != 0)
            return 0;
    return 1;
}

/* git apply's find_pos: from line outward, below first at each distance,
 * under the beginning/end anchors. Returns 1 and *at when found. Each
 * position tried costs one unit of *budget; none left: not found. */
static int find_pos(const rl_lines_t *img, size_t line, const rl_lines_t *pre, int at_beginning, int at_end,
                    size_t *at, size_t *budget)
{
    if (pre->n > img->n)
        return 0;
    size_t last = img->n - pre->n;   /* the last position the preimage fits at */
    if (at_beginning) {
        *at = 0;
        return match_at(img, 0, pre) && (!at_end || last == 0);
    }
    if (at_end) {
        *at = last;
        return match_at(img, last, pre);
    }
    if (line > last)
        line = last;
    for (size_t d = 0; d <= img->n; d++) {
        if (*budget < 2)
            return 0;
        *budget -= 2;
        if (line + d <= last && match_at(img, line + d, pre)) {
            *at = line + d;
            return 1;
        }
        if (d && d <= line && match_at(img, line - d, pre)) {
            *at = line - d;
            return 1;
        }
        if (line + d > last && d > line)
            break;
    }
    return 0;
}

/* The hunk's preimage and postimage as libgit2's apply_hunk builds them (an
 * end-of-file marker takes the '\n' off the line before it). */
static int hunk_images(git_patch *patch, size_t h, size_t n_lines, rl_lines_t *pre, rl_lines_t *post,
                       int *trailing_context)
{
    int prev_origin = 0;
    *trailing_context = 0;
    for (size_t i = 0; i < n_lines; i++) {
        const git_diff_line *l;
        if (git_patch_get_line_in_hunk(&l, patch, h, i) < 0)
            return gitops_git_err(AL_EGIT, "relocate: hunk line");
        switch (l->origin) {
        case GIT_DIFF_LINE_CONTEXT_EOFNL:
        case GIT_DIFF_LINE_DEL_EOFNL:
        case GIT_DIFF_LINE_ADD_EOFNL: {
            /* the line before the marker loses its '\n' in each image it is in */
            rl_line_t *in_pre = prev_origin == GIT_DIFF_LINE_CONTEXT || prev_origin == GIT_DIFF_LINE_DELETION
                                    ? &pre->v[pre->n - 1] : NULL;
            rl_line_t *in_post = prev_origin == GIT_DIFF_LINE_CONTEXT || prev_origin == GIT_DIFF_LINE_ADDITION
                                     ? &post->v[post->n - 1] : NULL;
            if (in_pre && in_pre->n && in_pre->p[in_pre->n - 1] == '\n')
                in_pre->n--;
            if (in_post && in_post->n && in_post->p[in_post->n - 1] == '\n')
                in_post->n--;
            continue;
        }
        case GIT_DIFF_LINE_CONTEXT:
            if (lines_push(pre, l->content, l->content_len) < 0 || lines_push(post, l->content, l->content_len) < 0)
                return AL_ENOMEM;
            break;
        case GIT_DIFF_LINE_DELETION:
            if (lines_push(pre, l->content, l->content_len) < 0)
                return AL_ENOMEM;
            break;
        case GIT_DIFF_LINE_ADDITION:
            if (lines_push(post, l->content, l->content_len) < 0)
                return AL_ENOMEM;
            break;
        default:
            continue;
        }
        prev_origin = l->origin;
        *trailing_context = l->origin == GIT_DIFF_LINE_CONTEXT;
    }
    return 0;
}

/* Replaces pre->n lines at `at` with post. */
static int splice(rl_lines_t *img, size_t at, const rl_lines_t *pre, const rl_lines_t *post)
{
    size_t n = img->n - pre->n + post->n;
    if (n > img->cap) {
        rl_line_t *v = realloc(img->v, n * sizeof *v);
        if (!v)
            return al_err_set(AL_ENOMEM, "relocate: lines");
        img->v = v;
        img->cap = n;
    }
    if (n == 0 || (pre->n == 0 && post->n == 0)) {
        img->n = n;
        return 0;
    }
    if (img->n - at - pre->n > 0 && pre->n != post->n)
        memmove(img->v + at + post->n, img->v + at + pre->n, (img->n - at - pre->n) * sizeof *img->v);
    if (post->n > 0)
        memcpy(img->v + at, post->v, post->n * sizeof *img->v);
    img->n = n;
    return 0;
}

/* Plans the hunks of one delta over img; k: the plan index of its first hunk. */
static int plan_delta(rl_ctx_t *c, git_patch *patch, rl_image_t *img, size_t k, const char *path)
{
    size_t nh = git_patch_num_hunks(patch);
    rl_lines_t pre = { NULL, 0, 0 }, post = { NULL, 0, 0 };
    int rc = 0;
    for (size_t h = 0; h < nh && !img->unknown && rc == 0; h++) {
        const git_diff_hunk *hunk;
        size_t n_lines;
        int trailing;
        pre.n = post.n = 0;
        if (git_patch_get_hunk(&hunk, &n_lines, patch, h) < 0) {
            rc = gitops_git_err(AL_EGIT, "relocate: hunk");
            break;
        }
        if ((rc = hunk_images(patch, h, n_lines, &pre, &post, &trailing)) < 0)
            break;
        size_t stated = hunk->new_start ? (size_t)hunk->new_start - 1 : 0, at = stated;
        if (stated > img->lines.n)
            stated = img->lines.n;
        if (!match_at(&img->lines, stated, &pre)) {
            int at_beginning = hunk->old_start <= 1, at_end = !trailing;
            if (!find_pos(&img->lines, stated, &pre, at_beginning, at_end, &at, &c->budget)) {
                img->unknown = 1;   /* libgit2 reports this hunk */
                break;
            }
            c->plan->new_start[k + h] = (int)at + 1;
            c->plan->moved++;
            char q[256];
            al_info("gitops.apply.offset", "file=%s hunk=%zu stated=%d found=%zu", al_log_quote(q, sizeof q, path),
                    h + 1, hunk->new_start, at + 1);
        } else {
            at = stated;
        }
        rc = splice(&img->lines, at, &pre, &post);
    }
    free(pre.v);
    free(post.v);
    return rc;
}

static int plan_one(rl_ctx_t *c, git_diff *diff, size_t i, size_t k)
{
    git_patch *patch = NULL;
    if (git_patch_from_diff(&patch, diff, i) < 0)
        return gitops_git_err(AL_EGIT, "relocate: patch");
    const git_diff_delta *d = git_patch_get_delta(patch);
    const char *old_path = d->old_file.path, *new_path = d->new_file.path ? d->new_file.path : old_path;
    rl_image_t src = { NULL, { NULL, 0, 0 }, 0, 0 };
    int rc = 0;

    /* the source: an earlier diff's result for the path, else the base file */
    rl_image_t *seen = d->status != GIT_DELTA_RENAMED && old_path ? slot_of(c, old_path) : NULL;
    if (d->flags & GIT_DIFF_FLAG_BINARY) {
        src.unknown = 1;
    } else if (seen && seen->path && seen->absent) {
        /* deleted by an earlier diff: added again from nothing (libgit2
         * refuses any other change to it) */
    } else if (seen && seen->path) {
        src.unknown = seen->unknown;
        if (!src.unknown && (rc = splice(&src.lines, 0, &(rl_lines_t){ NULL, 0, 0 }, &seen->lines)) < 0)
            goto done;
    } else if (d->status != GIT_DELTA_ADDED && old_path) {
        if ((rc = base_lines(c, old_path, &src.lines, &src.unknown)) < 0)
            goto done;
    }
    if ((rc = plan_delta(c, patch, &src, k, new_path)) < 0 || !new_path)
        goto done;
    /* what the path holds now: the result, or nothing (deleted; a rename's
     * old path) */
    int gone = d->status == GIT_DELTA_DELETED;
    if (gone && !old_path)
        goto done;
    rl_image_t *dst = slot_of(c, gone ? old_path : new_path);
    if (!dst->path && !(dst->path = strdup(gone ? old_path : new_path))) {
        rc = al_err_set(AL_ENOMEM, "relocate: path");
        goto done;
    }
    free(dst->lines.v);
    dst->lines = gone ? (rl_lines_t){ NULL, 0, 0 } : src.lines;
    dst->unknown = src.unknown;
    dst->absent = gone;
    if (!gone)
        src.lines.v = NULL;
    if (d->status == GIT_DELTA_RENAMED && old_path && strcmp(old_path, new_path) != 0) {
        rl_image_t *was = slot_of(c, old_path);
        if (!was->path && !(was->path = strdup(old_path))) {
            rc = al_err_set(AL_ENOMEM, "relocate: path");
            goto done;
        }
        free(was->lines.v);
        was->lines = (rl_lines_t){ NULL, 0, 0 };
        was->absent = 1;
    }
done:
    free(src.lines.v);
    git_patch_free(patch);
    return rc;
}

void gitops_relocation_free(gitops_relocation_t *r)
{
    if (!r)
        return;
    free(r->new_start);
    free(r->first);
    memset(r, 0, sizeof *r);
}

int gitops_relocate_plan(git_repository *repo, git_tree *base, git_diff *diff, gitops_relocation_t *plan)
{
    size_t nd = git_diff_num_deltas(diff), total = 0;
    rl_ctx_t c = { repo, base, NULL, 16, NULL, 0, 0, plan, RELOCATE_SEARCH_BUDGET };
    int rc = 0;

    memset(plan, 0, sizeof *plan);
    if (!(plan->first = calloc(nd + 1, sizeof *plan->first)))
        return al_err_set(AL_ENOMEM, "relocate: plan");
    plan->n_deltas = nd;
    for (size_t i = 0; i < nd; i++) {   /* where each delta's hunks start in new_start */
        git_patch *p = NULL;
        if (git_patch_from_diff(&p, diff, i) < 0) {
            gitops_relocation_free(plan);
            return gitops_git_err(AL_EGIT, "relocate: patch");
        }
        plan->first[i] = total;
        total += git_patch_num_hunks(p);
        git_patch_free(p);
    }
    while (c.cap < 4 * nd + 4)   /* at most two paths a delta (a rename), half full at most */
        c.cap *= 2;
    if (!(plan->new_start = calloc(total + 1, sizeof *plan->new_start)) || !(c.slots = calloc(c.cap, sizeof *c.slots))) {
        gitops_relocation_free(plan);
        return al_err_set(AL_ENOMEM, "relocate: plan");
    }
    plan->n = total;
    for (size_t i = 0; i < nd && rc == 0; i++)
        rc = plan_one(&c, diff, i, plan->first[i]);
    for (size_t i = 0; i < c.cap; i++) {
        free(c.slots[i].path);
        free(c.slots[i].lines.v);
    }
    free(c.slots);
    for (size_t i = 0; i < c.n_blobs; i++)
        git_blob_free(c.blobs[i]);
    free(c.blobs);
    if (rc < 0)
        gitops_relocation_free(plan);
    return rc;
}
