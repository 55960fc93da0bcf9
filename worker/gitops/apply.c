/*
 * apply.c: gitops_apply. The patch is parsed (git_diff_from_buffer), its
 * deltas are checked against the policy (paths, gitlinks, the modes of
 * added, copied, renamed and modified files), it is applied to the base tree
 * in memory (git_apply_to_tree; when libgit2 refuses it, once more with the
 * hunks placed where git apply finds them, relocate.c), the resulting index
 * is checked (symlink targets alone and as chains through every link of the
 * tree, gitlinks, case collisions), and only then is the new tree checked out into the work
 * tree. Nothing touches the work tree before every check passed.
 *
 * Owns: the report it builds (handed to the caller) and the libgit2 diff,
 * index and tree of one call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "common/patch_text.h"
#include "worker/gitops/gitops_internal.h"

typedef struct {
    const char *path;     /* delta being applied (lent by libgit2) */
    int hunk;             /* 1-based hunk being applied */
    char header[128];
    const gitops_relocation_t *plan;   /* where hunks apply (relocate.c) */
    size_t delta;         /* index of the next delta */
    size_t next;          /* index over all hunks of the next hunk */
} apply_progress_t;

static int on_delta(const git_diff_delta *delta, void *payload)
{
    apply_progress_t *pr = payload;
    pr->path = delta->new_file.path ? delta->new_file.path : delta->old_file.path;
    pr->hunk = 0;
    if (pr->plan && pr->delta < pr->plan->n_deltas)
        pr->next = pr->plan->first[pr->delta];
    pr->delta++;
    pr->header[0] = '\0';
    return 0;
}

/* libgit2 calls this before it places the hunk (apply_hunk reads new_start
 * after the callback): a hunk the plan found elsewhere is placed there. The
 * hunk is libgit2's own, non-const object of the parsed diff this call owns. */
static int on_hunk(const git_diff_hunk *hunk, void *payload)
{
    apply_progress_t *pr = payload;
    size_t n = hunk->header_len < sizeof(pr->header) - 1 ? hunk->header_len : sizeof(pr->header) - 1;
    if (pr->plan && pr->next < pr->plan->n && pr->plan->new_start[pr->next])
        ((git_diff_hunk *)hunk)->new_start = pr->plan->new_start[pr->next];
    pr->next++;
    pr->hunk++;
    memcpy(pr->header, hunk->header, n);
    while (n > 0 && (pr->header[n - 1] == '\n' || pr->header[n - 1] == '\r'))
        n--;
    pr->header[n] = '\0';
    return 0;
}

void gitops_apply_report_destroy(gitops_apply_report_t **p)
{
    gitops_apply_report_t *r = p ? *p : NULL;
    if (!r)
        return;
    free(r->message);
    free(r->failed_path);
    for (size_t i = 0; i < r->violations.count; i++) {
        free(r->violations.items[i].path);
        free(r->violations.items[i].detail);
    }
    free(r->violations.items);
    for (size_t i = 0; i < r->n_mode_changes; i++)
        free(r->mode_changes[i].path);
    free(r->mode_changes);
    free(r);
    *p = NULL;
}

/* Marks the report APPLY_FAILED with a message; returns AL_EINVAL. */
static int report_failed(gitops_apply_report_t *r, const apply_progress_t *pr, const char *what)
{
    const git_error *e = git_error_last();
    const char *lib = e && e->message ? e->message : "unknown error";
    int n;

    r->outcome = GITOPS_APPLY_FAILED;
    if (pr && pr->path) {
        r->failed_path = strdup(pr->path);
        r->failed_hunk = pr->hunk;
        n = asprintf(&r->message, "%s: file %s hunk %d%s%s%s: %s", what, pr->path, pr->hunk,
                     pr->header[0] ? " (" : "", pr->header, pr->header[0] ? ")" : "", lib);
    } else {
        n = asprintf(&r->message, "%s: %s", what, lib);
    }
    if (n < 0)
        r->message = NULL;
    return al_err_set(AL_EINVAL, "apply_failed: %s", r->message ? r->message : what);
}

static int mode_change_add(gitops_apply_report_t *r, const git_diff_delta *d)
{
    gitops_mode_change_t *m = realloc(r->mode_changes, (r->n_mode_changes + 1) * sizeof(*m));
    if (!m)
        return al_err_set(AL_ENOMEM, "mode change list");
    r->mode_changes = m;
    m[r->n_mode_changes].old_mode = d->old_file.mode;
    m[r->n_mode_changes].new_mode = d->new_file.mode;
    if (!(m[r->n_mode_changes].path = strdup(d->new_file.path)))
        return al_err_set(AL_ENOMEM, "mode change list");
    r->n_mode_changes++;
    return 0;
}

/* Modes of one delta, whatever its status, all reported in mode_changes. A
 * mode git never writes (setuid, 0777, ...) is refused outright; an existing
 * file that gains or loses the executable bit (modified or renamed) is a mode
 * change the policy refuses unless allow_mode_change; a new file (added, or a
 * copy) may be executable: real projects add scripts, and the paths analyzer
 * reports it (paths.new_executable). */
static int mode_check(const git_diff_delta *d, const gitops_policy_t *policy, gitops_apply_report_t *r)
{
    gitops_violations_t *v = &r->violations;
    uint32_t om = (d->status == GIT_DELTA_ADDED || d->status == GIT_DELTA_COPIED) ? 0 : d->old_file.mode;
    uint32_t nm = d->status == GIT_DELTA_DELETED ? 0 : d->new_file.mode;
    char detail[64];
    int rc = 0;

    if (nm && nm != GIT_FILEMODE_BLOB && nm != GIT_FILEMODE_BLOB_EXECUTABLE && nm != GIT_FILEMODE_LINK &&
        nm != GIT_FILEMODE_COMMIT) {
        snprintf(detail, sizeof(detail), "unusual mode %06o", nm);
        return gitops_violation_add(v, d->new_file.path, GITOPS_VIOL_MODE_CHANGE, detail);
    }
    int made_exec = nm == GIT_FILEMODE_BLOB_EXECUTABLE && om != GIT_FILEMODE_BLOB_EXECUTABLE;
    int lost_exec = om == GIT_FILEMODE_BLOB_EXECUTABLE && nm == GIT_FILEMODE_BLOB;
    if (!made_exec && !lost_exec)
        return 0;
    rc = mode_change_add(r, d);
    if (rc == 0 && om && !policy->allow_mode_change)
        rc = gitops_violation_add(v, d->new_file.path, GITOPS_VIOL_MODE_CHANGE,
                                  lost_exec ? "mode changed" : "made executable");
    return rc;
}

/* Policy over one delta of the patch: both paths, gitlinks, modes. */
static int delta_check(const git_diff_delta *d, const gitops_policy_t *policy, gitops_apply_report_t *r)
{
    gitops_violations_t *v = &r->violations;
    int rc = 0;

    if (d->status != GIT_DELTA_ADDED)
        rc = gitops_policy_check_path(policy, d->old_file.path, v);
    if (rc == 0 && d->status != GIT_DELTA_DELETED && (d->status == GIT_DELTA_ADDED ||
                                                      strcmp(d->old_file.path, d->new_file.path)))
        rc = gitops_policy_check_path(policy, d->new_file.path, v);
    if (rc == 0 && (d->new_file.mode == GIT_FILEMODE_COMMIT || d->old_file.mode == GIT_FILEMODE_COMMIT ||
                    !strcmp(d->new_file.path, ".gitmodules")))
        rc = gitops_violation_add(v, d->new_file.path, GITOPS_VIOL_SUBMODULE, "submodule");
    if (rc == 0)
        rc = mode_check(d, policy, r);
    return rc;
}

/* The paths the patch writes, sorted, for the chain and collision checks. */
typedef struct {
    const char **paths;
    size_t n;
} touched_t;

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_touched(void *ctx, const char *path)
{
    const touched_t *t = ctx;
    return t->n && bsearch(&path, t->paths, t->n, sizeof *t->paths, str_cmp) != NULL;
}

static int touched_build(git_diff *diff, touched_t *t)
{
    size_t n = git_diff_num_deltas(diff);
    t->n = 0;
    if (!(t->paths = calloc(n + 1, sizeof *t->paths)))
        return al_err_set(AL_ENOMEM, "touched paths");
    for (size_t i = 0; i < n; i++) {
        const git_diff_delta *d = git_diff_get_delta(diff, i);
        if (d->status != GIT_DELTA_DELETED)
            t->paths[t->n++] = d->new_file.path;
    }
    qsort(t->paths, t->n, sizeof *t->paths, str_cmp);
    return 0;
}

/* The mode a path had in the base tree, 0 when absent. */
static uint32_t base_mode(git_tree *base, const char *path)
{
    git_tree_entry *te = NULL;
    uint32_t m = 0;
    if (path && git_tree_entry_bypath(&te, base, path) == 0)
        m = (uint32_t)git_tree_entry_filemode(te);
    git_tree_entry_free(te);
    return m;
}

/* The mode the applied index holds, whatever the patch header said (a copy
 * or rename header may carry no mode line: libgit2 keeps the source's). */
static int index_mode_check(const git_diff_delta *d, const git_index_entry *e, git_tree *base,
                            const gitops_policy_t *policy, gitops_apply_report_t *r)
{
    uint32_t om = (d->status == GIT_DELTA_ADDED || d->status == GIT_DELTA_COPIED) ? 0
                                                                                     : base_mode(base, d->old_file.path);
    for (size_t i = 0; i < r->violations.count; i++)
        if (!strcmp(r->violations.items[i].path, e->path) && r->violations.items[i].kind == GITOPS_VIOL_MODE_CHANGE)
            return 0; /* already refused from the header */
    if (e->mode != GIT_FILEMODE_BLOB_EXECUTABLE || om == GIT_FILEMODE_BLOB_EXECUTABLE || !om ||
        policy->allow_mode_change)
        return 0;   /* a new executable file is reported, not refused (mode_check) */
    return gitops_violation_add(&r->violations, e->path, GITOPS_VIOL_MODE_CHANGE, "made executable");
}

/* Symlinks the patch creates: each target alone (lexically), then every
 * chain through the applied index (links.c), then case collisions; and the
 * modes the index ended up with. */
static int index_check(git_repository *repo, git_tree *base, git_index *index, git_diff *diff,
                       const gitops_policy_t *policy, gitops_apply_report_t *r)
{
    touched_t t = { NULL, 0 };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < git_diff_num_deltas(diff); i++) {
        const git_diff_delta *d = git_diff_get_delta(diff, i);
        const git_index_entry *e;
        git_blob *blob = NULL;
        if (d->status == GIT_DELTA_DELETED)
            continue;
        e = git_index_get_bypath(index, d->new_file.path, 0);
        if (!e || e->mode == GIT_FILEMODE_COMMIT) {
            rc = e ? gitops_violation_add(&r->violations, e->path, GITOPS_VIOL_SUBMODULE, "gitlink") : 0;
            continue;
        }
        if (e->mode != GIT_FILEMODE_LINK) {
            rc = index_mode_check(d, e, base, policy, r);
            continue;
        }
        if (git_blob_lookup(&blob, repo, &e->id) < 0)
            return gitops_git_err(AL_EGIT, "symlink blob");
        rc = gitops_policy_check_symlink(e->path, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
                                         &r->violations);
        git_blob_free(blob);
    }
    if (rc == 0)
        rc = touched_build(diff, &t);
    if (rc == 0)
        rc = gitops_links_check_index(repo, index, policy, is_touched, &t, &r->violations);
    if (rc == 0)
        rc = gitops_case_collisions(index, is_touched, &t, &r->violations);
    free(t.paths);
    return rc;
}

static int refused(gitops_apply_report_t *r, const char *task)
{
    r->outcome = GITOPS_APPLY_REFUSED;
    al_info("gitops.apply.refused", "task=%s violations=%zu first=%s", task, r->violations.count,
            gitops_violation_kind_name(r->violations.items[0].kind));
    return al_err_set(AL_EPOLICY, "patch refused by policy: %s (%s), %zu violation(s)",
                      r->violations.items[0].path, gitops_violation_kind_name(r->violations.items[0].kind),
                      r->violations.count);
}

/* Writes the index as a tree and checks it out over the base. */
static int checkout_index(gitops_workspace_t *ws, git_index *index, gitops_apply_report_t *r)
{
    git_oid oid;
    git_tree *tree = NULL;
    git_checkout_options co;
    int rc = 0;

    git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_RECREATE_MISSING;
    co.disable_filters = 1;
    co.baseline = ws->base_tree;
    if (git_index_write_tree_to(&oid, index, ws->repo) < 0 || git_tree_lookup(&tree, ws->repo, &oid) < 0) {
        rc = gitops_git_err(AL_EGIT, "checkout applied tree");
        goto done;
    }
    if (ws->layered) {   /* only the patch's paths are written (into the upper layer) */
        rc = gitops_layer_checkout(ws, ws->base_tree, tree, NULL);
        if (rc < 0)
            goto done;
    } else if (git_checkout_tree(ws->repo, (git_object *)tree, &co) < 0) {
        rc = gitops_git_err(AL_EGIT, "checkout applied tree");
        goto done;
    }
    git_oid_cpy(&ws->tracked_tree_oid, &oid);
    git_oid_tostr(r->tree_id, sizeof(r->tree_id), &oid);
done:
    git_tree_free(tree);
    return rc;
}

/* libgit2 applies diff to the base tree in memory, reporting its progress
 * (and taking the plan's hunk lines, when pr has a plan) through pr. */
static int apply_to_index(gitops_workspace_t *ws, git_diff *diff, apply_progress_t *pr, git_index **index)
{
    git_apply_options ao;
    git_apply_options_init(&ao, GIT_APPLY_OPTIONS_VERSION);
    ao.delta_cb = on_delta;
    ao.hunk_cb = on_hunk;
    ao.payload = pr;
    return git_apply_to_tree(index, ws->repo, ws->base_tree, diff, &ao);
}

int gitops_patch_parse(git_diff **out, const char *patch, size_t len)
{
    size_t text_len = 0;
    char *text;
    int rc;
    *out = NULL;
    if (len > GITOPS_MAX_PATCH) {
        git_error_set_str(GIT_ERROR_INVALID, "patch larger than 64 MiB");
        return -1;
    }
    if (memchr(patch, '\0', len)) {
        /* Text diffs and base85 binary patches never hold NUL; libgit2 would
         * read the lines up to it and apply something else than was sent. */
        git_error_set_str(GIT_ERROR_INVALID, "NUL byte in patch");
        return -1;
    }
    text = patch_text_for_libgit2(patch, len, &text_len);
    rc = git_diff_from_buffer(out, text ? text : patch, text ? text_len : len);
    free(text);   /* libgit2 parsed a copy */
    return rc;
}

static int apply_run(gitops_workspace_t *ws, const char *patch, size_t len, const gitops_policy_t *policy,
                     gitops_apply_report_t *r)
{
    git_diff *diff = NULL;
    git_index *index = NULL;
    apply_progress_t pr = { NULL, 0, "", NULL, 0, 0 };
    gitops_relocation_t plan = { NULL, NULL, 0, 0, 0 };
    int rc = 0;

    if (gitops_patch_parse(&diff, patch, len) < 0)
        return report_failed(r, NULL, len > GITOPS_MAX_PATCH ? "patch" : "patch does not parse");
    r->files_changed = git_diff_num_deltas(diff);
    for (size_t i = 0; rc == 0 && i < r->files_changed; i++)
        rc = delta_check(git_diff_get_delta(diff, i), policy, r);
    if (rc == 0 && r->violations.count > 0)
        rc = refused(r, ws->task);
    if (rc < 0)
        goto done;
    if (apply_to_index(ws, diff, &pr, &index) < 0) {
        /* libgit2 looked only at each hunk's stated line: where git apply
         * would find the hunks (relocate.c), and once more if one moved */
        const git_error *e = git_error_last();
        char why[256];
        snprintf(why, sizeof why, "%s", e && e->message ? e->message : "unknown error");
        if ((rc = gitops_relocate_plan(ws->repo, ws->base_tree, diff, &plan)) < 0)
            goto done;
        if (plan.moved == 0) {
            git_error_set_str(GIT_ERROR_PATCH, why);
            rc = report_failed(r, &pr, "patch does not apply");
            goto done;
        }
        pr = (apply_progress_t){ NULL, 0, "", &plan, 0, 0 };
        if (apply_to_index(ws, diff, &pr, &index) < 0) {
            rc = report_failed(r, &pr, "patch does not apply");
            goto done;
        }
    }
    if ((rc = index_check(ws->repo, ws->base_tree, index, diff, policy, r)) == 0 && r->violations.count > 0)
        rc = refused(r, ws->task);
    if (rc == 0)
        rc = checkout_index(ws, index, r);
done:
    gitops_relocation_free(&plan);
    git_index_free(index);
    git_diff_free(diff);
    return rc;
}

int gitops_apply(gitops_workspace_t *ws, const char *patch, size_t len, const gitops_policy_t *policy,
                 gitops_apply_report_t **out)
{
    gitops_apply_report_t *r;
    int rc;

    if (!out)
        return al_err_set(AL_EINVAL, "gitops_apply: NULL out");
    *out = NULL;
    if (!ws || (!patch && len) || !policy || policy->version != GITOPS_POLICY_VERSION)
        return al_err_set(AL_EINVAL, "gitops_apply: NULL argument or bad policy version");
    if (ws->applied)
        return al_err_set(AL_ESTATE, "gitops_apply: workspace already has a patch applied");
    if (!(r = calloc(1, sizeof(*r))))
        return al_err_set(AL_ENOMEM, "apply report");
    ws->applied = 1;
    rc = len ? apply_run(ws, patch, len, policy, r) : 0;
    if (rc == 0) {
        r->outcome = GITOPS_APPLY_OK;
        git_oid_tostr(r->tree_id, sizeof(r->tree_id), &ws->tracked_tree_oid);
        al_info("gitops.apply.ok", "task=%s files=%zu tree=%s", ws->task, r->files_changed, r->tree_id);
    } else if (r->outcome == GITOPS_APPLY_FAILED) {
        char file[256];
        al_info("gitops.apply.failed", "task=%s file=%s hunk=%d", ws->task,
                al_log_quote(file, sizeof(file), r->failed_path ? r->failed_path : "-"), r->failed_hunk);
    } else if (r->outcome == GITOPS_APPLY_OK) {
        gitops_apply_report_destroy(&r); /* internal error: no verdict to report */
    }
    *out = r;
    return rc;
}
