/*
 * pipeline.c: the stages of one attempt in order, the first decisive stage
 * setting the verdict (see pipeline.h); the run and test stages go through
 * stage_exec.c, whose outcome pipeline_verdict.c turns into the verdict.
 * Owns the task directory:
 *   <state_dir>/t/<task[0..12]>-<attempt>-XXXXXX/
 *       ws/work     the git work tree (apply, run)
 *       test/       the exported result tree (test)
 *       egress-<stage>.sock
 * and removes it (without following symlinks) when the attempt ends.
 */
#include "worker/pipeline_internal.h"
#include "worker/sandbox_pools.h"
#include "worker/stage_ahead.h"
#include "worker/plugin_host/plugin_host.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void s_stage_time(pipeline_t *p, const char *stage, uint64_t start_us)
{
    size_t len = strlen(p->stage_ms);
    snprintf(p->stage_ms + len, sizeof p->stage_ms - len, "%s%s=%llu", len ? "," : "", stage,
             (unsigned long long)((task_now_us() - start_us) / 1000));
}

/* The worker's first driver (its order of preference) that the job may use
 * and that gives at least the job's policy.min_isolation: never a weaker one. */
static const char *s_pick_driver(const pipeline_t *p)
{
    const char *want = jobspec_driver_name(p->job->driver);
    for (size_t i = 0; i < p->cfg->n_drivers; i++) {
        const char *d = p->cfg->drivers[i];
        int level = JOBSPEC_ISO_NONE;
        if (strcmp(want, "any") != 0 && strcmp(want, d) != 0)
            continue;
        if (jobspec_isolation_parse(sandbox_driver_isolation(d), &level) == AL_OK &&
            level >= p->job->policy.min_isolation)
            return d;
    }
    return NULL;
}

int pipeline_limits_check(const pipeline_config_t *cfg, const jobspec_limits_t *lim)
{
    const struct {
        const char *field, *setting;
        int64_t want, max;
    } caps[] = {
        { "memory_mb", "max_memory_mb", lim->memory_mb, cfg->max_memory_mb },
        { "disk_mb", "max_disk_mb", lim->disk_mb, cfg->max_disk_mb },
        { "timeout_s", "max_timeout_s", lim->timeout_s, cfg->max_timeout_s },
    };
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        if (caps[i].max > 0 && caps[i].want > caps[i].max)
            return al_err_set(AL_EINVAL, "policy.limits.%s %lld is above this worker's %s %lld", caps[i].field,
                              (long long)caps[i].want, caps[i].setting, (long long)caps[i].max);
    }
    return 0;
}

static int s_prepare(pipeline_t *p)
{
    int rc = jobspec_parse(p->t->job_json, strlen(p->t->job_json), &p->job);
    if (rc != AL_OK) {
        pipeline_verdict_set(&p->v, AL_VERDICT_SANDBOX_ERROR, "invalid job spec: %s", al_err_msg());
        return rc;
    }
    if ((rc = pipeline_limits_check(p->cfg, &p->job->policy.limits)) != AL_OK) {
        pipeline_verdict_set(&p->v, AL_VERDICT_SANDBOX_ERROR, "%s", al_err_msg());
        return rc;
    }
    p->driver = s_pick_driver(p);
    if (!p->driver) {
        pipeline_verdict_set(&p->v, AL_VERDICT_SANDBOX_ERROR,
                             "this worker has no '%s' sandbox driver giving isolation %s or stronger",
                             jobspec_driver_name(p->job->driver), jobspec_isolation_name(p->job->policy.min_isolation));
        return AL_ESANDBOX;
    }
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s/t", p->t->state_dir);
    if (mkdir(parent, 0700) != 0 && errno != EEXIST) {
        pipeline_verdict_set(&p->v, AL_VERDICT_SANDBOX_ERROR, "cannot create %s: %s", parent, strerror(errno));
        return AL_EIO;
    }
    int n = snprintf(p->dir, sizeof p->dir, "%s/%.12s-%u-XXXXXX", parent, p->t->task_id,
                     p->t->attempt);
    if (n < 0 || (size_t)n >= sizeof p->dir || !mkdtemp(p->dir)) {
        pipeline_verdict_set(&p->v, AL_VERDICT_SANDBOX_ERROR, "cannot create the task directory: %s", strerror(errno));
        p->dir[0] = '\0';
        return AL_EIO;
    }
    unsigned ttl = (unsigned)(p->job->policy.limits.timeout_s * 3 + 300);
    return egress_token_make(p->cfg->token_key, p->cfg->token_key_len, p->t->task_id, ttl,
                             p->token, sizeof p->token);
}

/* A layered workspace (one shared base tree per base, an overlay per stage)
 * when the worker keeps a base cache and the driver can attach a host mount
 * as /workspace; AL_ESTATE when not (the caller makes a plain one). A mount
 * that fails (no overlayfs) falls back to the plain workspace too: slower,
 * the same verdict. */
static int s_workspace_layered(pipeline_t *p, const gitops_source_t *src, const char *dir)
{
    gitops_layer_opts_t lo = GITOPS_LAYER_OPTS_INIT;
    if (!p->cfg->bases_dir || !p->cfg->cache_dir ||
        !sandbox_driver_attach_owner(p->driver, &lo.owner_uid, &lo.owner_gid))
        return AL_ESTATE;
    lo.bases_dir = p->cfg->bases_dir;
    lo.max_bases = p->cfg->max_bases;
    lo.upper_mb = p->job->policy.limits.disk_mb > 0 ? (unsigned)p->job->policy.limits.disk_mb : 0;
    int rc = gitops_workspace_new_layered(&p->ws, src, dir, &lo);
    if (rc != AL_EIO)
        return rc;
    al_warn("task.layered_unavailable", "task=%s error=\"%s\"", p->t->task_id, al_err_msg());
    gitops_workspace_destroy(&p->ws);
    rc = gitops_dir_remove(dir);
    return rc == AL_OK ? AL_ESTATE : rc;
}

static int s_workspace(pipeline_t *p)
{
    char dir[PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/ws", p->dir);
    gitops_source_t src = GITOPS_SOURCE_INIT;
    src.url = p->job->repo;
    src.base = p->job->base;
    src.cache_dir = p->cfg->cache_dir;
    src.task_id = p->t->task_id;
    src.ref = p->job->ref;
    src.remote = p->cfg->remote;
    task_event(p->t, AL_EVENT_STAGE_START, "stage", "workspace", "repo", p->job->repo, "base", p->job->base, NULL);
    int rc = s_workspace_layered(p, &src, dir);
    if (rc == AL_ESTATE)   /* not layered here: the plain workspace */
        rc = gitops_workspace_new(&p->ws, &src, dir);
    if (rc != AL_OK) {
        pipeline_verdict_set(&p->v, AL_VERDICT_SANDBOX_ERROR, "workspace: %s", al_err_msg());
        return rc;
    }
    snprintf(p->base_commit, sizeof p->base_commit, "%s", gitops_workspace_base_commit(p->ws));
    task_event(p->t, AL_EVENT_STAGE_END, "stage", "workspace", "exit_status", "0",
               "base_commit", gitops_workspace_base_commit(p->ws),
               "base_tree", gitops_workspace_base_tree(p->ws),
               "layered", gitops_workspace_layered(p->ws) ? "true" : "false", NULL);
    return AL_OK;
}

static void s_policy(const pipeline_t *p, gitops_policy_t *pol)
{
    const jobspec_policy_t *jp = &p->job->policy;
    pol->write_paths = (const char *const *)jp->write_paths.items;
    pol->n_write_paths = jp->write_paths.n;
    pol->protected_paths = (const char *const *)jp->protected_paths.items;
    pol->n_protected_paths = jp->protected_paths.n;
}

static int s_apply(pipeline_t *p)
{
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    s_policy(p, &pol);
    task_event(p->t, AL_EVENT_STAGE_START, "stage", "apply", NULL);
    gitops_apply_report_t *rep = NULL;
    int rc = gitops_apply(p->ws, p->job->patch, p->job->patch_len, &pol, &rep);
    if (rc != AL_OK && rep && rep->outcome == GITOPS_APPLY_FAILED) {
        pipeline_verdict_set(&p->v, AL_VERDICT_APPLY_FAILED, "%s", rep->message ? rep->message : al_err_msg());
    } else if (rc != AL_OK && rep && rep->outcome == GITOPS_APPLY_REFUSED) {
        char paths[700] = "";
        for (size_t i = 0; i < rep->violations.count && strlen(paths) < 600; i++)
            snprintf(paths + strlen(paths), sizeof paths - strlen(paths), "%s%s (%s)", i ? ", " : "",
                     rep->violations.items[i].path,
                     gitops_violation_kind_name(rep->violations.items[i].kind));
        pipeline_verdict_set(&p->v, AL_VERDICT_POLICY_VIOLATION, "patch refused at apply: %s", paths);
    } else if (rc != AL_OK) {
        pipeline_verdict_set(&p->v, AL_VERDICT_SANDBOX_ERROR, "apply: %s", al_err_msg());
    }
    char files[16];
    snprintf(files, sizeof files, "%zu", rep ? rep->files_changed : 0);
    task_event(p->t, AL_EVENT_STAGE_END, "stage", "apply", "exit_status", rc == AL_OK ? "0" : "1",
               "files", files, "message", rc == AL_OK ? "" : p->v.reason, NULL);
    gitops_apply_report_destroy(&rep);
    return rc;
}

static int s_diff(pipeline_t *p)
{
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    s_policy(p, &pol);
    task_event(p->t, AL_EVENT_STAGE_START, "stage", "diff", NULL);
    gitops_changes_t *changes = NULL;
    gitops_violations_t *viol = NULL;
    int rc = gitops_diff_workspace(p->ws, &changes);
    if (rc == AL_OK)
        rc = gitops_policy_check_changes(changes, &pol, &viol);
    if (rc != AL_OK) {
        pipeline_verdict_set(&p->v, rc == AL_ELIMIT ? AL_VERDICT_RESOURCE_EXCEEDED : AL_VERDICT_SANDBOX_ERROR,
                             "diff: %s", al_err_msg());
    } else {
        pipeline_emit_changes(p, changes, viol);
        p->violations = (unsigned)viol->count;
        if (viol->count) {
            char paths[700] = "";
            for (size_t i = 0; i < viol->count && strlen(paths) < 600; i++)
                snprintf(paths + strlen(paths), sizeof paths - strlen(paths), "%s%s (%s)",
                         i ? ", " : "", viol->items[i].path,
                         gitops_violation_kind_name(viol->items[i].kind));
            pipeline_verdict_set(&p->v, AL_VERDICT_POLICY_VIOLATION, "changes outside the policy: %s", paths);
        }
    }
    char n[16];
    snprintf(n, sizeof n, "%u", p->changes);
    task_event(p->t, AL_EVENT_STAGE_END, "stage", "diff", "changes", n, "exit_status",
               (rc == AL_OK && p->violations == 0) ? "0" : "1", NULL);
    gitops_violations_destroy(&viol);
    gitops_changes_destroy(&changes);
    return rc != AL_OK ? rc : p->violations ? AL_EPOLICY : AL_OK;
}

/* The task's egress proxy config for one stage: the policy's allowlist, the
 * worker's key and resolver, events to pipeline_egress_event. */
static void s_egress_config(pipeline_t *p, egress_ctx_t *ectx, egress_config_t *ec)
{
    const jobspec_policy_t *pol = &p->job->policy;
    ec->task_id = p->t->task_id;
    ec->allowlist = (const char *const *)pol->egress.items;
    ec->allowlist_len = pol->egress.n;
    ec->token_key = p->cfg->token_key;
    ec->token_key_len = p->cfg->token_key_len;
    ec->resolve = p->cfg->resolve;
    ec->resolve_len = p->cfg->n_resolve;
    ec->allow_private = p->cfg->egress_allow_private != 0;
    ec->on_event = pipeline_egress_event;
    ec->event_ctx = ectx;
}

/* Runs a stage's commands (stage_exec.c) and records its outcome: the
 * sandbox that ran it, and the verdict when it did not succeed. The egress
 * proxy runs when the stage's phase allows network and the policy lists hosts. */
static stage_ctx_t s_stage_ctx(pipeline_t *p, struct stage_ahead *ahead)
{
    stage_ctx_t c = {
        .t = p->t, .limits = &p->job->policy.limits, .driver = p->driver, .dir = p->dir, .ws = p->ws,
        .env = p->env, .environment = p->environment, .token = p->token, .pools = p->cfg->pools,
        .ahead = ahead,
    };
    return c;
}

static int s_stage_exec(pipeline_t *p, stage_req_t *req, int with_egress, struct stage_ahead *ahead)
{
    stage_ctx_t c = s_stage_ctx(p, ahead);
    egress_ctx_t ectx = { p, req->stage };
    egress_config_t ec = EGRESS_CONFIG_INIT;
    if (with_egress && p->job->policy.egress.n > 0) {
        s_egress_config(p, &ectx, &ec);
        req->egress = &ec;
    }
    stage_outcome_t o;
    stage_status_t st = stage_exec_commands(&c, req, &o);
    if (o.sandboxed) {
        snprintf(p->isolation, sizeof p->isolation, "%s", o.isolation);
        snprintf(p->kernel, sizeof p->kernel, "%s", o.kernel);
        snprintf(p->vmm, sizeof p->vmm, "%s", o.vmm);
    }
    pipeline_verdict_stage(&p->v, req->stage, &o);
    return st == STAGE_OK ? AL_OK : AL_EINVAL;
}

static int s_test(pipeline_t *p)
{
    int rc = gitops_result_tree(p->ws, p->result_tree);
    char dir[PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/test", p->dir);
    if (rc == AL_OK)
        rc = gitops_export_tree(p->ws, p->result_tree, dir);
    if (rc != AL_OK) {
        pipeline_verdict_set(&p->v, AL_VERDICT_SANDBOX_ERROR, "result tree: %s", al_err_msg());
        return rc;
    }
    char *text = NULL;
    size_t len = 0;
    if (gitops_diff_text(p->ws, p->result_tree, &text, &len) == AL_OK)
        pipeline_emit_artifact(p, "diff", "result.diff", text, len);
    free(text);
    int phase = p->job->policy.egress_phase;
    int egress = phase == JOBSPEC_PHASE_TEST || phase == JOBSPEC_PHASE_BOTH;
    stage_req_t req = { "test", &p->job->test, 1, dir, p->result_tree, NULL, 0 };
    return s_stage_exec(p, &req, egress, p->test_ahead);   /* NULL unless s_test_ahead made one */
}

/* The test stage's sandbox is made while the run stage works (stage_ahead.h)
 * unless the worker says not to, the test stage has egress (its sandbox is
 * made with the stage's proxy), or the driver's sandboxes come from a warm
 * pool: its refill already makes them beside the stages, and taking the next
 * one early only left the pool less time to refill (bench/pipeline/README.md). */
static void s_test_ahead(pipeline_t *p)
{
    int phase = p->job->policy.egress_phase;
    int test_egress = (phase == JOBSPEC_PHASE_TEST || phase == JOBSPEC_PHASE_BOTH) && p->job->policy.egress.n > 0;
    if (!p->cfg->stage_overlap || test_egress)
        return;
    stage_ctx_t c = s_stage_ctx(p, NULL);
    sandbox_spec_t spec;
    stage_exec_spec(&c, NULL, &spec);
    if (sandbox_pools_pooled(p->cfg->pools, &spec))
        return;
    if (!(p->test_ahead = stage_ahead_start(p->cfg->pools, &spec)))
        al_warn("stage.ahead.off", "task=%s msg=\"%s\"", p->t->task_id, al_err_msg());
}

/* The job's environment from the worker's cache: fetched from airlockd,
 * verified and unpacked the first time this worker needs it. A job naming
 * none runs on the default environment; one whose environment cannot be
 * prepared ends sandbox_error with the reason, never on another root. */
static int s_environment(pipeline_t *p)
{
    snprintf(p->environment, sizeof p->environment, "%s", SANDBOX_ENV_DEFAULT);
    if (!p->job->environment)
        return AL_OK;
    task_event(p->t, AL_EVENT_STAGE_START, "stage", "environment", "environment", p->job->environment, NULL);
    int rc = p->cfg->envs ? env_cache_acquire(p->cfg->envs, p->job->environment, strcmp(p->driver, "microvm") == 0,
                                              &p->env)
                          : al_err_set(AL_ESTATE, "this worker has no environment cache");
    if (rc != AL_OK)
        pipeline_verdict_set(&p->v, AL_VERDICT_SANDBOX_ERROR, "environment %s: %s", p->job->environment, al_err_msg());
    else
        snprintf(p->environment, sizeof p->environment, "%s", p->env->digest);
    char ms[24];
    snprintf(ms, sizeof ms, "%llu", (unsigned long long)(p->env ? p->env->fetch_ms : 0));
    task_event(p->t, AL_EVENT_STAGE_END, "stage", "environment", "environment", p->job->environment,
               "exit_status", rc == AL_OK ? "0" : "1", "fetch_ms", ms, "message", rc == AL_OK ? "" : p->v.reason,
               NULL);
    return rc;
}

static int s_run(pipeline_t *p)
{
    int phase = p->job->policy.egress_phase;
    int egress = phase == JOBSPEC_PHASE_RUN || phase == JOBSPEC_PHASE_BOTH;
    s_test_ahead(p);
    if (p->job->run.n == 0)
        return AL_OK;
    stage_req_t req = { "run", p->job->run.items, p->job->run.n, gitops_workspace_workdir(p->ws),
                        gitops_workspace_tracked_tree(p->ws), NULL, 1 };
    return s_stage_exec(p, &req, egress, NULL);
}

/* Runs one stage and records its time in stage_ms, whatever its outcome. */
static int s_timed(pipeline_t *p, const char *stage, int (*fn)(pipeline_t *))
{
    uint64_t t0 = task_now_us();
    int rc = fn(p);
    s_stage_time(p, stage, t0);
    return rc != AL_OK ? rc : task_cancelled(p->t) ? AL_ECANCELLED : AL_OK;
}

static void s_stages(pipeline_t *p)
{
    if (s_timed(p, "workspace", s_workspace) == AL_OK && s_timed(p, "analyze", pipeline_analyze_patch) == AL_OK &&
        s_timed(p, "apply", s_apply) == AL_OK && s_timed(p, "environment", s_environment) == AL_OK &&
        s_timed(p, "run", s_run) == AL_OK && s_timed(p, "diff", s_diff) == AL_OK &&
        s_timed(p, "analyze_run", pipeline_analyze_run) == AL_OK && s_timed(p, "test", s_test) == AL_OK)
        pipeline_verdict_set(&p->v, AL_VERDICT_ACCEPTED, "tests passed");
}

static void s_report(pipeline_t *p)
{
    al_verdict_t verdict = pipeline_verdict_final(&p->v, task_cancelled(p->t));
    char f[16], bf[16], ch[16], v[16], ea[16], eb[16];
    snprintf(f, sizeof f, "%u", p->findings);
    snprintf(bf, sizeof bf, "%u", p->blocking_findings);
    snprintf(ch, sizeof ch, "%u", p->changes);
    snprintf(v, sizeof v, "%u", p->violations);
    snprintf(ea, sizeof ea, "%u", __atomic_load_n(&p->egress_allowed, __ATOMIC_RELAXED));
    snprintf(eb, sizeof eb, "%u", __atomic_load_n(&p->egress_blocked, __ATOMIC_RELAXED));
    task_result(p->t, verdict, p->v.reason, p->v.has_exit, p->v.exit_code,
                "driver", p->driver ? p->driver : "", "isolation", p->isolation,
                "kernel", p->kernel, "vmm", p->vmm, "environment", p->environment,
                "worker", p->t->worker_name,
                "base_commit", p->base_commit,
                "result_tree", p->result_tree, "findings", f, "blocking_findings", bf,
                "file_changes", ch, "violations", v, "egress_allowed", ea, "egress_blocked", eb,
                "stage_ms", p->stage_ms, NULL);
}

/* The stages' sandboxes are gone already (stage_exec destroys each one); a test
 * sandbox made ahead and never taken, the workspace and the task directory go
 * here (the sandbox first: a microVM keeps its state in the task directory). */
static void s_destroy(pipeline_t *p)
{
    uint64_t t0 = task_now_us();
    stage_ahead_destroy(&p->test_ahead);
    env_cache_release(&p->env);
    gitops_workspace_destroy(&p->ws);
    if (p->dir[0] && gitops_dir_remove(p->dir) != AL_OK)
        al_warn("task.cleanup_failed", "task=%s dir=%s error=\"%s\"", p->t->task_id, p->dir,
                al_err_msg());
    if (p->dir[0])
        s_stage_time(p, "destroy", t0);
}

int pipeline_pools_warm(const pipeline_config_t *cfg, const char *driver)
{
    return stage_exec_pools_warm(cfg->pools, driver);
}

void pipeline_run(void *config, task_t *t)
{
    pipeline_t *p = calloc(1, sizeof *p);
    if (!p) {
        task_result(t, AL_VERDICT_SANDBOX_ERROR, "worker out of memory", 0, 0, NULL);
        return;
    }
    p->cfg = config;
    p->t = t;
    if (s_prepare(p) == AL_OK)
        s_stages(p);
    s_destroy(p);   /* before the result: a stored verdict means nothing is left */
    s_report(p);
    al_info("task.verdict", "task=%s attempt=%u verdict=%s driver=%s", t->task_id, t->attempt,
            p->v.decided ? al_verdict_name(p->v.verdict) : "", p->driver ? p->driver : "");
    jobspec_destroy(&p->job);
    free(p);
}
