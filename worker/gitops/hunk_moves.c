/*
 * hunk_moves.c: where the hunks of a patch are written when gitops_apply
 * finds them at an offset (relocate.c), so a finding the analyzers numbered
 * by the hunk's stated line names the line it will have in the file.
 *
 * Owns: the moves (a path, the stated new-side range, the applied start),
 * copied out of one libgit2 parse and one relocation plan.
 */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "worker/gitops/gitops_internal.h"

typedef struct {
    char *path;
    unsigned stated, lines, applied;
} hunk_move_t;

struct gitops_hunk_moves {
    hunk_move_t *v;
    size_t n;
};

static int moves_push(gitops_hunk_moves_t *m, const char *path, const git_diff_hunk *h, int applied)
{
    hunk_move_t *v = realloc(m->v, (m->n + 1) * sizeof *v);
    if (!v)
        return al_err_set(AL_ENOMEM, "hunk moves");
    m->v = v;
    if (!(v[m->n].path = strdup(path)))
        return al_err_set(AL_ENOMEM, "hunk moves");
    v[m->n].stated = (unsigned)h->new_start;
    v[m->n].lines = (unsigned)h->new_lines;
    v[m->n].applied = (unsigned)applied;
    m->n++;
    return 0;
}

/* The moved hunks of delta i (its first hunk is plan index k). */
static int delta_moves(gitops_hunk_moves_t *m, git_diff *diff, size_t i, const gitops_relocation_t *plan)
{
    git_patch *patch = NULL;
    const git_diff_delta *d = git_diff_get_delta(diff, i);
    int rc = 0;
    if (git_patch_from_diff(&patch, diff, i) < 0)
        return gitops_git_err(AL_EGIT, "hunk moves: patch");
    for (size_t j = 0; rc == 0 && j < git_patch_num_hunks(patch); j++) {
        const git_diff_hunk *h = NULL;
        size_t k = plan->first[i] + j;
        if (git_patch_get_hunk(&h, NULL, patch, j) < 0) {
            rc = gitops_git_err(AL_EGIT, "hunk moves: hunk");
            break;
        }
        if (k < plan->n && plan->new_start[k] > 0 && plan->new_start[k] != h->new_start && d->new_file.path)
            rc = moves_push(m, d->new_file.path, h, plan->new_start[k]);
    }
    git_patch_free(patch);
    return rc;
}

int gitops_hunk_moves_new(gitops_workspace_t *ws, const char *patch, size_t len, gitops_hunk_moves_t **out)
{
    git_diff *diff = NULL;
    gitops_relocation_t plan = { NULL, NULL, 0, 0, 0 };
    gitops_hunk_moves_t *m;
    int rc = 0;

    if (!out || !ws || (!patch && len))
        return al_err_set(AL_EINVAL, "gitops_hunk_moves_new: NULL argument");
    if (!(*out = m = calloc(1, sizeof *m)))
        return al_err_set(AL_ENOMEM, "hunk moves");
    if (!len || gitops_patch_parse(&diff, patch, len) < 0)
        return 0;   /* nothing to place: gitops_apply reports the patch */
    if ((rc = gitops_relocate_plan(ws->repo, ws->base_tree, diff, &plan)) < 0)
        goto done;
    for (size_t i = 0; rc == 0 && plan.moved && i < plan.n_deltas; i++)
        rc = delta_moves(m, diff, i, &plan);
done:
    gitops_relocation_free(&plan);
    git_diff_free(diff);
    if (rc < 0)
        gitops_hunk_moves_destroy(out);
    return rc;
}

unsigned gitops_hunk_moves_line(const gitops_hunk_moves_t *m, const char *path, unsigned line)
{
    for (size_t i = 0; m && path && line && i < m->n; i++) {
        const hunk_move_t *h = &m->v[i];
        if (line >= h->stated && line < h->stated + (h->lines ? h->lines : 1) && !strcmp(h->path, path))
            return line - h->stated + h->applied;
    }
    return line;
}

size_t gitops_hunk_moves_count(const gitops_hunk_moves_t *m)
{
    return m ? m->n : 0;
}

void gitops_hunk_moves_destroy(gitops_hunk_moves_t **p)
{
    if (!p || !*p)
        return;
    for (size_t i = 0; i < (*p)->n; i++)
        free((*p)->v[i].path);
    free((*p)->v);
    free(*p);
    *p = NULL;
}
