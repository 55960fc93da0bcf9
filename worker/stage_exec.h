/*
 * stage_exec.h: one stage's commands in one fresh sandbox (stage_exec.c), a
 * layer below the pipeline. A stage run says what happened, as a typed
 * outcome (the command that did not succeed, how it ended, the sandbox that
 * ran it); it never decides a verdict and never calls into pipeline*.c.
 * The one mapping of outcomes to verdicts is pipeline_verdict.c's.
 */
#ifndef AIRLOCK_WORKER_STAGE_EXEC_H
#define AIRLOCK_WORKER_STAGE_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/jobspec/jobspec.h"
#include "worker/egress/egress.h"
#include "worker/env/env_cache.h"
#include "worker/gitops/gitops.h"
#include "worker/sandbox/sandbox.h"
#include "worker/task.h"

struct sandbox_pools;

/* How a stage ended: the first thing that did not succeed. */
typedef enum {
    STAGE_OK = 0,
    STAGE_FAILED,       /* a command exited non-zero or was killed by a signal */
    STAGE_TIMEOUT,      /* a command ran past the job's timeout */
    STAGE_RESOURCE,     /* a command was killed for memory, or its workspace is over the limits (error) */
    STAGE_CANCELLED,    /* the task was cancelled before or while a command ran */
    STAGE_ERROR,        /* the sandbox, the egress proxy or the workspace copy failed */
    STAGE_STATUS_COUNT
} stage_status_t;

#define STAGE_COMMAND_MAX 4096

typedef struct {
    stage_status_t status;
    size_t idx;                      /* the command status is about (OK: the last one) */
    char command[STAGE_COMMAND_MAX]; /* its argv joined by spaces, bounded */
    int ran;                         /* CANCELLED: 1 when the command had started */
    int exited, exit_code, signal;   /* FAILED and OK: how the command ended */
    int64_t limit;                   /* TIMEOUT: timeout_s; RESOURCE: memory_mb */
    char error[1024];                /* ERROR (and RESOURCE of the workspace): what failed, naming the stage */
    int sandboxed;                   /* a sandbox took the workspace: the next are its */
    char isolation[16], kernel[128], vmm[128];
} stage_outcome_t;

/* What a stage needs of its attempt; everything is lent for the call. */
typedef struct {
    task_t *t;                       /* events, cancellation, the task id */
    const jobspec_limits_t *limits;  /* the job's policy.limits */
    const char *driver;              /* the sandbox driver */
    const char *dir;                 /* the task directory: egress sockets, sandbox state */
    gitops_workspace_t *ws;
    const env_handle_t *env;         /* the job's environment; NULL: the default */
    const char *environment;         /* its name in events */
    const char *token;               /* the task's egress token: never shown in output */
    struct sandbox_pools *pools;     /* warm sandboxes; NULL: every sandbox is created */
    struct stage_ahead *ahead;       /* this stage's sandbox made ahead (stage_ahead.h), taken
                                        when the stage has no egress; NULL: made when it starts */
} stage_ctx_t;

typedef struct {
    const char *stage;               /* "run", "test": events, egress socket name */
    const jobspec_cmd_t *cmds;
    size_t n;
    const char *host_dir;            /* the stage's /workspace */
    const char *index_tree;          /* staged in the sandbox's .git (HEAD = the base) */
    const egress_config_t *egress;   /* NULL: no network; else the proxy's config (socket_path is set here) */
    int copy_back;                   /* the sandbox's /workspace replaces host_dir after the stage */
} stage_req_t;

/* Runs req's commands in a fresh sandbox over req->host_dir, whose
 * /workspace/.git has HEAD = the base commit and index_tree staged, with the
 * stage's egress proxy when req->egress is set. Destroys the sandbox and the
 * proxy before it returns. *out says how the stage ended; returns out->status. */
stage_status_t stage_exec_commands(const stage_ctx_t *c, const stage_req_t *req, stage_outcome_t *out);

/* The spec of a stage's sandbox (sock: its egress proxy's socket, or NULL);
 * its strings are c's. */
void stage_exec_spec(const stage_ctx_t *c, const char *sock, sandbox_spec_t *out);

/* A stage sandbox's limits from the job's (one place: the warm pools key on them). */
void stage_exec_limits(sandbox_limits_t *out, const jobspec_limits_t *lim);

/* Starts the warm pool of a job with default limits on driver. AL_OK without pools. */
int stage_exec_pools_warm(struct sandbox_pools *pools, const char *driver);

const char *stage_status_name(stage_status_t st);

#endif
