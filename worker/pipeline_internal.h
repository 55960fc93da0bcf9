/*
 * pipeline_internal.h: state of one pipeline run, shared by pipeline*.c and
 * stage_exec.c (internal to the worker).
 */
#ifndef AIRLOCK_WORKER_PIPELINE_INTERNAL_H
#define AIRLOCK_WORKER_PIPELINE_INTERNAL_H

#include <limits.h>

#include "common/jobspec/jobspec.h"
#include "common/states.h"
#include "worker/gitops/gitops.h"
#include "worker/pipeline.h"
#include "worker/sandbox/sandbox.h"

typedef enum {
    STAGE_OK = 0,
    STAGE_FAILED,       /* command exited non-zero or was killed by a signal */
    STAGE_TIMEOUT,
    STAGE_RESOURCE,     /* killed for memory */
    STAGE_CANCELLED,
    STAGE_ERROR,        /* the sandbox itself failed */
} stage_status_t;

typedef struct {
    const pipeline_config_t *cfg;
    task_t *t;
    jobspec_t *job;
    char dir[PATH_MAX];            /* the task's private directory */
    gitops_workspace_t *ws;
    env_handle_t *env;             /* the job's environment, NULL = default */
    const char *driver;
    char isolation[16], kernel[128], vmm[128];
    char environment[80];          /* SANDBOX_ENV_DEFAULT or the digest */
    char token[EGRESS_TOKEN_MAX];
    /* outcome */
    int decided;                   /* a stage set the verdict */
    al_verdict_t verdict;
    char reason[1024];
    int has_exit, exit_code;
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

/* Sets the verdict once (the first decisive stage wins). */
void pipeline_verdict(pipeline_t *p, al_verdict_t verdict, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* stage_exec.c: runs commands of one stage in a fresh sandbox over host_dir,
 * whose /workspace/.git has HEAD = the base commit and index_tree staged.
 * with_egress: start the task's egress proxy for this stage. Sets the verdict
 * on failure. Returns the status of the first command that did not succeed. */
stage_status_t stage_exec_commands(pipeline_t *p, const char *stage, const jobspec_cmd_t *cmds,
                                   size_t n, const char *host_dir, const char *index_tree,
                                   int with_egress, int copy_back);

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
