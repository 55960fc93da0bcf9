/*
 * pipeline_internal.h: state of one pipeline run, shared by pipeline*.c
 * (internal to the worker). The layers below them: stage_exec.h (runs a
 * stage, returns its outcome) and pipeline_verdict.h (the verdict record
 * and the outcome -> verdict table).
 */
#ifndef AIRLOCK_WORKER_PIPELINE_INTERNAL_H
#define AIRLOCK_WORKER_PIPELINE_INTERNAL_H

#include <limits.h>

#include "common/jobspec/jobspec.h"
#include "common/states.h"
#include "worker/gitops/gitops.h"
#include "worker/pipeline.h"
#include "worker/pipeline_verdict.h"
#include "worker/sandbox/sandbox.h"
#include "worker/stage_exec.h"

typedef struct {
    const pipeline_config_t *cfg;
    task_t *t;
    jobspec_t *job;
    char dir[PATH_MAX];            /* the task's private directory */
    gitops_workspace_t *ws;
    env_handle_t *env;             /* the job's environment, NULL = default */
    struct stage_ahead *test_ahead;/* the test stage's sandbox, made during the run stage */
    const char *driver;
    char isolation[16], kernel[128], vmm[128];
    char environment[80];          /* SANDBOX_ENV_DEFAULT or the digest */
    char token[EGRESS_TOKEN_MAX];
    pipeline_verdict_t v;          /* outcome: the first decisive stage's verdict */
    /* counts for the summary */
    unsigned findings, blocking_findings, changes, violations, egress_allowed, egress_blocked;
    char base_commit[GITOPS_OID_HEXSZ + 1];
    char result_tree[GITOPS_OID_HEXSZ + 1];
    char stage_ms[256];            /* "workspace=12,analyze=30,..." */
} pipeline_t;

/* Context of the egress proxy's event callback (pipeline_egress_event). */
typedef struct {
    pipeline_t *p;
    const char *stage;
} egress_ctx_t;

/* pipeline_analyze.c: the analysis stages (analyzers over the patch and the
 * job's commands; over what the run stage changed). Set the verdict. */
int pipeline_analyze_patch(pipeline_t *p);
int pipeline_analyze_run(pipeline_t *p);

/* pipeline_events.c */
struct analysis_result;
void pipeline_emit_findings(pipeline_t *p, const struct analysis_result *r);
void pipeline_emit_changes(pipeline_t *p, const gitops_changes_t *changes,
                           const gitops_violations_t *violations);
void pipeline_emit_artifact(pipeline_t *p, const char *kind, const char *name,
                            const char *content, size_t len);
void pipeline_egress_event(void *ctx, const egress_event_t *ev);

#endif
