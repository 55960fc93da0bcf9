/*
 * pipeline_verdict.h: the verdict of one attempt (pipeline_verdict.c): set
 * once, by the first decisive stage; the one table from a stage's outcome
 * (stage_exec.h) to its verdict; and the verdict reported at the end, where
 * a cancelled task stays cancelled.
 */
#ifndef AIRLOCK_WORKER_PIPELINE_VERDICT_H
#define AIRLOCK_WORKER_PIPELINE_VERDICT_H

#include "common/states.h"
#include "worker/stage_exec.h"

typedef struct {
    int decided;                   /* a stage set the verdict */
    al_verdict_t verdict;
    char reason[1024];
    int has_exit, exit_code;       /* the command's exit code the RESULT reports */
} pipeline_verdict_t;

/* Sets the verdict once (the first decisive stage wins). */
void pipeline_verdict_set(pipeline_verdict_t *v, al_verdict_t verdict, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The verdict a stage status stands for: AL_OK and *out, or AL_ENOTFOUND
 * for STAGE_OK (a stage that succeeded decides nothing) and unknown values. */
int pipeline_verdict_of_stage(stage_status_t status, al_verdict_t *out);

/* Records how stage ended: its verdict and reason (first wins) when it did
 * not succeed, the exit code of a failed command, and of a test stage that
 * passed. */
void pipeline_verdict_stage(pipeline_verdict_t *v, const char *stage, const stage_outcome_t *o);

/* The verdict to report: a cancelled task is `cancelled` unless it was
 * accepted already; no verdict at all is `sandbox_error`. Updates v. */
al_verdict_t pipeline_verdict_final(pipeline_verdict_t *v, int cancelled);

#endif
