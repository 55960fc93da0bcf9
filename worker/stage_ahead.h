/*
 * stage_ahead.h: the next stage's sandbox, made while the current stage works.
 *
 * A task's test stage runs in a second fresh sandbox; made only when the run
 * stage has ended, its creation (a pool miss's restore, an ns or gvisor
 * create) is on the task's critical path. stage_ahead_start hands the making
 * to a thread at once; stage_ahead_take waits for it when the stage begins.
 * The sandbox is fresh: nothing runs in it and no workspace goes in before
 * the stage that takes it. A task therefore holds two sandboxes at once for
 * the length of its run stage.
 *
 * The thread that made a sandbox stays until stage_ahead_destroy (a microVM's
 * qemu dies with the thread that started it): destroy what was taken first,
 * then the stage_ahead. One never taken is destroyed by its own thread.
 *
 * Threads: one task thread uses a stage_ahead; its own thread only creates.
 */
#ifndef AIRLOCK_WORKER_STAGE_AHEAD_H
#define AIRLOCK_WORKER_STAGE_AHEAD_H

#include "worker/sandbox/sandbox.h"

struct sandbox_pools;
typedef struct stage_ahead stage_ahead_t;

/* Starts making a sandbox for spec (from pools when they pool it). spec's
 * strings and environment are lent until stage_ahead_destroy. NULL (with
 * al_err_msg) when the thread cannot start: the stage then makes its own. */
stage_ahead_t *stage_ahead_start(struct sandbox_pools *pools, const sandbox_spec_t *spec);

/* Waits until the sandbox is made; 0 with *out the caller's to use and to
 * destroy (before stage_ahead_destroy), or the create's error (AL_E*, with
 * al_err_msg). Once only. */
int stage_ahead_take(stage_ahead_t *a, sandbox_t **out);

/* Ends the thread, destroying a sandbox never taken. NULL-safe, nulls *a. */
void stage_ahead_destroy(stage_ahead_t **a);

#endif
