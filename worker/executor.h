/*
 * executor.h: runs task attempts concurrently, one thread each.
 *
 * The link hands each ASSIGN to executor_start(); the executor creates a
 * task_t, connects its PUSH socket to the link's inproc endpoint and runs the
 * runner on a new thread. A runner must end with task_result(); if it returns
 * without one, the executor sends sandbox_error so no attempt is left silent.
 *
 * Ownership: the executor owns its tasks and threads; executor_destroy()
 * cancels what still runs and joins every thread. Thread-safe.
 */
#ifndef AIRLOCK_WORKER_EXECUTOR_H
#define AIRLOCK_WORKER_EXECUTOR_H

#include "common/proto/proto.h"
#include "worker/task.h"

typedef void (*executor_runner_fn)(void *ctx, task_t *task);

typedef struct executor executor_t;

/* outbox_endpoint: the link's inproc PULL endpoint. Strings are copied. */
executor_t *executor_new(unsigned slots, executor_runner_fn run, void *run_ctx,
                         const char *outbox_endpoint, const char *worker_name,
                         const char *state_dir);
void executor_destroy(executor_t **ex);

/* Starts an attempt. AL_EEXISTS when that task already runs (a duplicate ASSIGN). */
int executor_start(executor_t *ex, const proto_w_assign_t *assign);

/* Cancels the task (any attempt when attempt is 0). */
void executor_cancel(executor_t *ex, const char *task_id, unsigned attempt);
void executor_cancel_all(executor_t *ex);

/* Adds the ids of running tasks to list. */
int executor_running(executor_t *ex, proto_strlist_t *list);
unsigned executor_free_slots(executor_t *ex);
unsigned executor_count(executor_t *ex);

/* Joins threads of finished tasks (call now and then). */
void executor_reap(executor_t *ex);

#endif
