/*
 * pipeline.h: what one task attempt does on a worker (DESIGN.md §2):
 *
 *   workspace  libgit2: fetch into a mirror cache, check out base in a fresh dir
 *   analyze    analyzer plugins over the patch (libgit2's model, post-images
 *              from the base tree) and the job's commands; a finding at or
 *              above policy.block_at rejects the job before anything runs
 *   apply      git_apply_to_tree under the path policy, then checkout
 *   environment  the job's environment from the worker's cache (fetched from
 *              airlockd and verified on first use); skipped for the default
 *   run        sandbox #1 (fresh): the job's run commands, egress per policy
 *   diff       workspace vs base tree incl. untracked and ignored files;
 *              changes outside write_paths or inside protected -> policy_violation
 *   analyze_run  symlink chains the run made (-> policy_violation), then the
 *              analyzers over what the run changed (-> rejected), before any
 *              of it reaches the test stage (pipeline_analyze.c)
 *   test       sandbox #2 (fresh, never #1) over the result tree only
 *   destroy    sandboxes (each at the end of its stage), the workspace and
 *              the task directory, BEFORE the result: a stored verdict means
 *              nothing of the task is left on the worker
 *   report     events for every step, the diff as an artifact, one RESULT
 *              whose summary has stage_ms ("workspace=..,analyze=..,...,
 *              destroy=.."; every stage that ran, also the one that failed)
 *
 * Verdicts: a patch that applies cleanly but whose result the path policy
 * refuses (a symlink to /etc/passwd or ../../outside, a protected path, a
 * submodule) is `policy_violation` with "patch refused at apply: <path>
 * (<kind>)": the patch is well-formed, the policy says no, and the same
 * verdict covers what the run stage writes. `apply_failed` stays for patches
 * that do not apply (hunks that do not match, malformed diffs).
 * The ns driver keeps no state on disk worth a task directory: its sandboxes
 * get $TMPDIR (see stage_exec.c); other drivers use the task directory.
 *
 * pipeline_run() is an executor_runner_fn: it always ends with task_result().
 * The config is shared by all tasks of the worker (read-only while tasks run).
 */
#ifndef AIRLOCK_WORKER_PIPELINE_H
#define AIRLOCK_WORKER_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/jobspec/jobspec.h"
#include "worker/egress/egress.h"
#include "worker/env/env_cache.h"
#include "worker/task.h"

typedef struct {
    const char *const *drivers;   /* usable sandbox drivers, preferred first */
    size_t n_drivers;
    const char *cache_dir;        /* git mirror cache */
    const char *bases_dir;        /* shared read-only base trees (layered workspaces); NULL: off */
    unsigned max_bases;           /* base trees kept; 0 = GITOPS_DEFAULT_MAX_BASES */
    const char *plugins_dir;      /* <dir>/<analyzer>.so */
    const char *analyzer_host;    /* airlock-analyzer; NULL: the build tree's */
    const unsigned char *token_key;   /* egress token HMAC key */
    size_t token_key_len;
    const egress_resolve_t *resolve;  /* egress resolver overrides (demo, tests) */
    size_t n_resolve;
    int egress_allow_private;
    env_cache_t *envs;            /* job environments (NULL: jobs naming one fail) */
    const struct gitops_remote *remote;   /* remote repositories: rules, credentials */
    struct sandbox_pools *pools;  /* warm microVMs by flavor (NULL: every sandbox is created) */
    int stage_overlap;            /* make the test stage's sandbox while the run stage works */
    /* worker-level ceilings on a job's policy.limits (0: none): a job asking
     * more is refused before any sandbox exists (settings max_memory_mb,
     * max_disk_mb, max_timeout_s) */
    int64_t max_memory_mb, max_disk_mb, max_timeout_s;
} pipeline_config_t;

/* 0 when lim is within cfg's ceilings, else AL_EINVAL naming the field, the
 * job's value and the worker's ceiling. */
int pipeline_limits_check(const pipeline_config_t *cfg, const jobspec_limits_t *lim);

void pipeline_run(void *config, task_t *task);

/* Starts the warm pool of a job with default limits on `driver` (worker
 * start-up: the first jobs find their sandboxes ready). AL_OK without pools. */
int pipeline_pools_warm(const pipeline_config_t *cfg, const char *driver);

#endif
