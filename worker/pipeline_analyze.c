/*
 * pipeline_analyze.c: the two analysis stages of an attempt (see pipeline.h).
 *
 *   analyze      before anything is applied: the analyzer plugins over the
 *                job's patch (the libgit2 patch model, post-images from the
 *                base tree: what apply will write) and the job's commands;
 *                a finding in a hunk apply finds at an offset names the line
 *                the hunk is written at, not the line its header states;
 *   analyze_run  after the run stage and its path-policy diff, before the
 *                test stage: symlink chains the run made (a chain leaving the
 *                tree is a policy_violation), then the analyzers over what
 *                the run changed (tracked files and untracked ones, post-
 *                images read from the work tree), like over a patch.
 *
 * A finding at or above policy.block_at rejects the job; the reason names
 * the stage and the BLOCKING finding (the highest severity, then the first
 * reported), not merely the first. Owns the plugin set and result of a call.
 */
#include "worker/pipeline_internal.h"
#include "worker/plugin_host/plugin_host.h"
#include "common/error.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The finding that blocks: highest severity, then the first reported. */
static const analysis_finding_t *s_blocking(const analysis_result_t *r, int block_at)
{
    const analysis_finding_t *b = NULL;
    for (size_t i = 0; i < r->n_findings; i++)
        if (r->findings[i].severity >= block_at && (!b || r->findings[i].severity > b->severity))
            b = &r->findings[i];
    return b;
}

static void s_reject(pipeline_t *p, const char *stage, unsigned blocking, const analysis_result_t *r)
{
    const jobspec_policy_t *pol = &p->job->policy;
    const analysis_finding_t *b = s_blocking(r, pol->block_at);
    if (!b)
        return;
    pipeline_verdict_set(&p->v, AL_VERDICT_REJECTED, "%s: %u finding(s) at or above %s; blocking: %s (%s) in %s:%u: %s",
                         stage, blocking, jobspec_severity_name(pol->block_at), b->rule_id,
                         jobspec_severity_name(b->severity), b->file ? b->file : "(patch)", b->line,
                         b->message ? b->message : "");
}

/* The analyzers number a hunk's lines as its header states them; a hunk
 * gitops_apply finds elsewhere (an offset, as git apply) is written there,
 * and the findings say where. Planned only when a finding names a line. */
static void s_lines_as_applied(pipeline_t *p, analysis_result_t *res)
{
    gitops_hunk_moves_t *moves = NULL;
    size_t lined = 0;
    for (size_t i = 0; i < res->n_findings; i++)
        lined += res->findings[i].file && res->findings[i].line && strncmp(res->findings[i].file, "job:", 4) != 0;
    if (!lined)
        return;
    if (gitops_hunk_moves_new(p->ws, p->job->patch, p->job->patch_len, &moves) != AL_OK) {
        al_warn("analyze.lines", "task=%s msg=\"%s\"", p->t->task_id, al_err_msg());
        return;   /* the stated lines stay */
    }
    for (size_t i = 0; i < res->n_findings && gitops_hunk_moves_count(moves); i++)
        if (res->findings[i].file && strncmp(res->findings[i].file, "job:", 4) != 0)
            res->findings[i].line = gitops_hunk_moves_line(moves, res->findings[i].file, res->findings[i].line);
    gitops_hunk_moves_destroy(&moves);
}

/* Runs the job's analyzers over src; emits the findings. *blocking gets the
 * number of findings at or above block_at. */
static int s_run_plugins(pipeline_t *p, const plugin_source_t *src, int with_job, const char *stage,
                         unsigned *blocking)
{
    const jobspec_policy_t *pol = &p->job->policy;
    plugin_set_t *set = plugin_set_new(NULL);
    analysis_result_t *res = NULL;
    unsigned before = p->blocking_findings;
    int rc = set ? AL_OK : AL_ENOMEM;
    if (rc == AL_OK && p->cfg->analyzer_host)
        rc = plugin_set_helper(set, p->cfg->analyzer_host);
    if (rc == AL_OK)
        rc = plugin_set_add_names(set, p->cfg->plugins_dir, (const char *const *)pol->analyzers.items,
                                  pol->analyzers.n);
    if (rc == AL_OK)
        rc = with_job ? plugin_host_run_jobspec(set, p->job, src, &res) : plugin_host_run_source(set, src, &res);
    if (rc == AL_OK) {
        if (with_job)
            s_lines_as_applied(p, res);
        pipeline_emit_findings(p, res);
        *blocking = p->blocking_findings - before;
        if (*blocking)
            s_reject(p, stage, *blocking, res);
    }
    analysis_result_destroy(&res);
    plugin_set_destroy(&set);
    return rc;
}

int pipeline_analyze_patch(pipeline_t *p)
{
    unsigned blocking = 0, findings0 = p->findings;
    plugin_source_t where = PLUGIN_SOURCE_INIT;
    char n[16];
    task_event(p->t, AL_EVENT_STAGE_START, "stage", "analyze", NULL);
    where.repo_dir = gitops_workspace_gitdir(p->ws);
    where.base_tree = gitops_workspace_base_tree(p->ws);
    int rc = s_run_plugins(p, &where, 1, "analyze", &blocking); /* patch and the job's commands */
    if (rc != AL_OK)
        pipeline_verdict_set(&p->v, AL_VERDICT_SANDBOX_ERROR, "analyze: %s", al_err_msg());
    snprintf(n, sizeof n, "%u", p->findings - findings0);
    task_event(p->t, AL_EVENT_STAGE_END, "stage", "analyze", "findings", n, "exit_status", blocking ? "1" : "0", NULL);
    return rc != AL_OK ? rc : blocking ? AL_EPOLICY : AL_OK;
}

/* Links the run made that lead out of the tree (or into .git or a protected
 * path) through a chain: policy_violation. Returns AL_EPOLICY when found. */
static int s_run_links(pipeline_t *p, const gitops_policy_t *pol)
{
    gitops_changes_t *changes = NULL;
    gitops_violations_t *viol = NULL;
    int rc = gitops_diff_workspace(p->ws, &changes);
    if (rc == AL_OK)
        rc = gitops_links_check_workspace(p->ws, changes, pol, &viol);
    if (rc == AL_OK && viol->count) {
        char paths[700] = "";
        for (size_t i = 0; i < viol->count && strlen(paths) < 600; i++)
            snprintf(paths + strlen(paths), sizeof paths - strlen(paths), "%s%s (%s: %s)", i ? ", " : "",
                     viol->items[i].path, gitops_violation_kind_name(viol->items[i].kind), viol->items[i].detail);
        pipeline_verdict_set(&p->v, AL_VERDICT_POLICY_VIOLATION, "analyze_run: symlinks made by the run stage: %s",
                             paths);
        p->violations += (unsigned)viol->count;
        rc = AL_EPOLICY;
    } else if (rc != AL_OK) {
        pipeline_verdict_set(&p->v, rc == AL_ELIMIT ? AL_VERDICT_RESOURCE_EXCEEDED : AL_VERDICT_SANDBOX_ERROR,
                             "analyze_run: %s", al_err_msg());
    }
    gitops_violations_destroy(&viol);
    gitops_changes_destroy(&changes);
    return rc;
}

int pipeline_analyze_run(pipeline_t *p)
{
    const jobspec_policy_t *jp = &p->job->policy;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    unsigned blocking = 0, findings0 = p->findings;
    char *text = NULL, n[16];
    size_t len = 0;
    pol.write_paths = (const char *const *)jp->write_paths.items;
    pol.n_write_paths = jp->write_paths.n;
    pol.protected_paths = (const char *const *)jp->protected_paths.items;
    pol.n_protected_paths = jp->protected_paths.n;
    task_event(p->t, AL_EVENT_STAGE_START, "stage", "analyze_run", NULL);
    int rc = s_run_links(p, &pol);
    if (rc == AL_OK && (rc = gitops_run_diff_text(p->ws, &text, &len)) != AL_OK)
        pipeline_verdict_set(&p->v, rc == AL_ELIMIT ? AL_VERDICT_RESOURCE_EXCEEDED : AL_VERDICT_SANDBOX_ERROR,
                             "analyze_run: the run stage's changes: %s", al_err_msg());
    if (rc == AL_OK && len) {
        plugin_source_t src = PLUGIN_SOURCE_INIT;
        src.patch = text;
        src.patch_len = len;
        src.origin = AIRLOCK_ORIGIN_RUN;
        src.workspace_dir = gitops_workspace_workdir(p->ws);
        if ((rc = s_run_plugins(p, &src, 0, "analyze_run (changes made by the run stage)", &blocking)) != AL_OK)
            pipeline_verdict_set(&p->v, AL_VERDICT_SANDBOX_ERROR, "analyze_run: %s", al_err_msg());
    }
    free(text);
    snprintf(n, sizeof n, "%u", p->findings - findings0);
    task_event(p->t, AL_EVENT_STAGE_END, "stage", "analyze_run", "findings", n, "exit_status",
               (rc == AL_OK && !blocking) ? "0" : "1", NULL);
    return rc != AL_OK ? rc : blocking ? AL_EPOLICY : AL_OK;
}
