/*
 * executor.c: one thread per running attempt, tracked in a mutex-protected list.
 */
#include "worker/executor.h"
#include "common/error.h"
#include "common/log.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    struct slot *next;
    task_t task;
    pthread_t thread;
    atomic_int done;
    struct executor *ex;
} slot_t;

struct executor {
    pthread_mutex_t lock;
    slot_t *slots;            /* running and finished-not-joined */
    unsigned max;
    executor_runner_fn run;
    void *run_ctx;
    char endpoint[128];
    char worker_name[129];
    char state_dir[512];
};

executor_t *executor_new(unsigned slots, executor_runner_fn run, void *run_ctx,
                         const char *outbox_endpoint, const char *worker_name,
                         const char *state_dir)
{
    executor_t *ex = calloc(1, sizeof *ex);
    if (!ex)
        return NULL;
    pthread_mutex_init(&ex->lock, NULL);
    ex->max = slots;
    ex->run = run;
    ex->run_ctx = run_ctx;
    snprintf(ex->endpoint, sizeof ex->endpoint, "%s", outbox_endpoint);
    snprintf(ex->worker_name, sizeof ex->worker_name, "%s", worker_name);
    snprintf(ex->state_dir, sizeof ex->state_dir, "%s", state_dir);
    return ex;
}

static void s_slot_free(slot_t *s)
{
    pthread_mutex_destroy(&s->task.emit_lock);
    zsock_destroy(&s->task.out);
    free(s->task.job_json);
    free(s);
}

static void *s_thread(void *arg)
{
    slot_t *s = arg;
    task_t *t = &s->task;
    al_info("task.start", "task=%s attempt=%u job=%s", t->task_id, t->attempt, t->job_id);
    s->ex->run(s->ex->run_ctx, t);
    if (!task_result_sent(t))
        task_result(t, task_cancelled(t) ? AL_VERDICT_CANCELLED : AL_VERDICT_SANDBOX_ERROR,
                    task_cancelled(t) ? "cancelled" : "the runner ended without a result", 0, 0, NULL);
    al_info("task.end", "task=%s attempt=%u", t->task_id, t->attempt);
    atomic_store(&s->done, 1);
    return NULL;
}

static void s_cancel_slot(slot_t *s)
{
    task_cancel(&s->task);
}

int executor_start(executor_t *ex, const proto_w_assign_t *a)
{
    pthread_mutex_lock(&ex->lock);
    for (slot_t *s = ex->slots; s; s = s->next) {
        if (atomic_load(&s->done) || strcmp(s->task.task_id, a->task_id) != 0)
            continue;
        if (s->task.attempt == a->attempt) {   /* a resent ASSIGN: already running */
            pthread_mutex_unlock(&ex->lock);
            return al_err_set(AL_EEXISTS, "task %s attempt %llu already runs", a->task_id,
                              (unsigned long long)a->attempt);
        }
        /* A newer attempt of a task we still run: the old one lost its lease. */
        al_info("task.superseded", "task=%s attempt=%u new_attempt=%llu", a->task_id,
                s->task.attempt, (unsigned long long)a->attempt);
        s_cancel_slot(s);
    }
    pthread_mutex_unlock(&ex->lock);
    slot_t *s = calloc(1, sizeof *s);
    if (!s)
        return al_err_set(AL_ENOMEM, "out of memory");
    s->ex = ex;
    pthread_mutex_init(&s->task.emit_lock, NULL);
    snprintf(s->task.task_id, sizeof s->task.task_id, "%s", a->task_id);
    snprintf(s->task.job_id, sizeof s->task.job_id, "%s", a->job_id);
    s->task.attempt = (unsigned)a->attempt;
    s->task.job_json = strdup(a->job ? a->job : "{}");
    s->task.worker_name = ex->worker_name;
    s->task.state_dir = ex->state_dir;
    s->task.out = zsock_new_push(ex->endpoint);
    if (!s->task.job_json || !s->task.out) {
        s_slot_free(s);
        return al_err_set(AL_EIO, "cannot connect task %s to the link", a->task_id);
    }
    zsock_set_sndhwm(s->task.out, 0);   /* never drop: the link is the only reader */
    /* The link drains its inbox before it reaps a finished task, so nothing is
     * pending at close; the linger is a second guard for a busy link. */
    zsock_set_linger(s->task.out, 30000);
    pthread_mutex_lock(&ex->lock);
    if (pthread_create(&s->thread, NULL, s_thread, s) != 0) {
        pthread_mutex_unlock(&ex->lock);
        s_slot_free(s);
        return al_err_set_errno(AL_EIO, "cannot start a thread for task %s", a->task_id);
    }
    s->next = ex->slots;
    ex->slots = s;
    pthread_mutex_unlock(&ex->lock);
    return AL_OK;
}


void executor_cancel(executor_t *ex, const char *task_id, unsigned attempt)
{
    pthread_mutex_lock(&ex->lock);
    for (slot_t *s = ex->slots; s; s = s->next) {
        if (!atomic_load(&s->done) && strcmp(s->task.task_id, task_id) == 0 &&
            (attempt == 0 || s->task.attempt == attempt)) {
            al_info("task.cancel", "task=%s attempt=%u", task_id, s->task.attempt);
            s_cancel_slot(s);
        }
    }
    pthread_mutex_unlock(&ex->lock);
}

void executor_cancel_all(executor_t *ex)
{
    pthread_mutex_lock(&ex->lock);
    for (slot_t *s = ex->slots; s; s = s->next) {
        if (!atomic_load(&s->done))
            s_cancel_slot(s);
    }
    pthread_mutex_unlock(&ex->lock);
}

int executor_running(executor_t *ex, proto_strlist_t *list)
{
    int rc = AL_OK;
    pthread_mutex_lock(&ex->lock);
    for (slot_t *s = ex->slots; s && rc == AL_OK; s = s->next) {
        if (!atomic_load(&s->done))
            rc = proto_strlist_add(list, s->task.task_id);
    }
    pthread_mutex_unlock(&ex->lock);
    return rc;
}

unsigned executor_count(executor_t *ex)
{
    unsigned n = 0;
    pthread_mutex_lock(&ex->lock);
    for (slot_t *s = ex->slots; s; s = s->next)
        n += !atomic_load(&s->done);
    pthread_mutex_unlock(&ex->lock);
    return n;
}

unsigned executor_free_slots(executor_t *ex)
{
    unsigned n = executor_count(ex);
    return n >= ex->max ? 0 : ex->max - n;
}

void executor_reap(executor_t *ex)
{
    pthread_mutex_lock(&ex->lock);
    slot_t **pp = &ex->slots;
    while (*pp) {
        slot_t *s = *pp;
        if (atomic_load(&s->done)) {
            *pp = s->next;
            pthread_join(s->thread, NULL);
            s_slot_free(s);
        } else {
            pp = &s->next;
        }
    }
    pthread_mutex_unlock(&ex->lock);
}

void executor_destroy(executor_t **exp)
{
    if (!exp || !*exp)
        return;
    executor_t *ex = *exp;
    executor_cancel_all(ex);
    pthread_mutex_lock(&ex->lock);
    slot_t *all = ex->slots;
    ex->slots = NULL;
    pthread_mutex_unlock(&ex->lock);
    while (all) {
        slot_t *next = all->next;
        pthread_join(all->thread, NULL);
        s_slot_free(all);
        all = next;
    }
    pthread_mutex_destroy(&ex->lock);
    free(ex);
    *exp = NULL;
}
