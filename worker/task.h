/*
 * task.h: one attempt of a task as the code that runs it sees it.
 *
 * A task_t is created by the executor for each ASSIGN and handed to the runner
 * on the runner's own thread. The runner reports progress with task_event()
 * and ends with exactly one task_result(); each message gets the next sequence
 * number of the attempt and goes to the link (over an inproc socket owned by
 * the task), which keeps it until airlockd acknowledges it.
 *
 * Cancellation: task_cancelled() turns true when airlockd sends CANCEL or the
 * worker stops; a runner checks it between steps. A runner that starts a
 * process group registers it with task_set_pgid() so cancellation kills it at
 * once (SIGKILL to the group), whatever the runner is blocked on.
 *
 * task_event() and task_result() are thread-safe (the egress proxy reports
 * from its own thread).
 *
 * Ownership: the executor owns the task_t; strings are lent to the runner for
 * the duration of the run. Errors: AL_E* codes; emission failures are logged
 * and returned, never fatal for the worker.
 */
#ifndef AIRLOCK_WORKER_TASK_H
#define AIRLOCK_WORKER_TASK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include <czmq.h>

#include "common/states.h"

typedef struct task {
    char task_id[65];
    char job_id[65];
    unsigned attempt;
    char *job_json;            /* the job spec as sent by airlockd */
    const char *worker_name;
    const char *state_dir;     /* worker's state directory (task dirs go below it) */
    atomic_int cancelled;
    atomic_int pgid;           /* process group to kill on cancel, 0 = none */
    pthread_mutex_t emit_lock; /* events may come from helper threads (egress proxy) */
    uint64_t next_seq;         /* under emit_lock */
    zsock_t *out;              /* PUSH to the link; owned by the task, under emit_lock */
    int result_sent;           /* under emit_lock */
    void (*cancel_hook)(void *arg); /* under emit_lock; called once on cancel */
    void *cancel_arg;
} task_t;

/* Sends EVENT kind (its name, common/states.h) with data given as key, value
 * pairs ending with NULL. */
int task_event(task_t *t, al_event_kind_id_t kind, ...) __attribute__((sentinel));
/* Same with arrays. */
int task_event_kv(task_t *t, al_event_kind_id_t kind, const char *const *keys,
                  const char *const *values, size_t n);
/* Sends the final RESULT (only the first call counts) with the verdict's name
 * (common/states.h). summary: key, value pairs ending with NULL. has_exit:
 * whether exit_code is meaningful. */
int task_result(task_t *t, al_verdict_t verdict, const char *reason, int has_exit, int exit_code,
                ...) __attribute__((sentinel));

int task_cancelled(const task_t *t);
/* Registers fn(arg) to be called (from the canceller's thread) when the task is
 * cancelled, e.g. sandbox_interrupt of the sandbox running a command; NULL
 * clears it. If the task is already cancelled, fn runs at once. */
void task_set_cancel_hook(task_t *t, void (*fn)(void *arg), void *arg);
/* Marks the task cancelled, runs its hook and kills its process group. */
void task_cancel(task_t *t);
int task_result_sent(task_t *t);
void task_set_pgid(task_t *t, pid_t pgid);

/* Microseconds since the Unix epoch. */
uint64_t task_now_us(void);

#endif
