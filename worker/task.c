/*
 * task.c: EVENT and RESULT messages of one attempt, numbered and pushed to the
 * link. The RESULT itself is built by task_msg.c (its one builder).
 */
#include "worker/task.h"
#include "worker/task_msg.h"
#include "common/error.h"
#include "common/log.h"
#include "common/proto/proto.h"

#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>

uint64_t task_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

int task_cancelled(const task_t *t) { return atomic_load(&t->cancelled); }

void task_set_cancel_hook(task_t *t, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&t->emit_lock);
    t->cancel_hook = fn;
    t->cancel_arg = arg;
    pthread_mutex_unlock(&t->emit_lock);
    if (fn && task_cancelled(t))
        fn(arg);
}

void task_cancel(task_t *t)
{
    atomic_store(&t->cancelled, 1);
    pthread_mutex_lock(&t->emit_lock);
    if (t->cancel_hook)
        t->cancel_hook(t->cancel_arg);
    pthread_mutex_unlock(&t->emit_lock);
    int pgid = atomic_load(&t->pgid);
    if (pgid > 0)
        kill(-pgid, SIGKILL);
}

int task_result_sent(task_t *t)
{
    pthread_mutex_lock(&t->emit_lock);
    int sent = t->result_sent;
    pthread_mutex_unlock(&t->emit_lock);
    return sent;
}

void task_set_pgid(task_t *t, pid_t pgid) { atomic_store(&t->pgid, (int)pgid); }

static int s_push(task_t *t, proto_msg_t *m)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = proto_encode(m, &buf, &len);
    if (rc == AL_OK) {
        zframe_t *f = zframe_new(buf, len);
        if (zframe_send(&f, t->out, 0) != 0) {
            zframe_destroy(&f);
            rc = al_err_set(AL_EIO, "task %s: link is gone", t->task_id);
        }
    }
    free(buf);
    if (rc != AL_OK)
        al_warn("task.emit_failed", "task=%s type=%s error=\"%.200s\"", t->task_id,
                proto_type_name(m->type), al_err_msg());
    return rc;
}

int task_event_kv(task_t *t, al_event_kind_id_t kind, const char *const *keys,
                  const char *const *values, size_t n)
{
    proto_msg_t *m = proto_msg_new(PROTO_W_EVENT);
    if (!m)
        return AL_ENOMEM;
    proto_w_event_t *e = &m->body.w_event;
    int rc = proto_str_set(&e->task_id, t->task_id);
    if (rc == AL_OK)
        rc = al_event_kind_name(kind)
                 ? proto_str_set(&e->kind, al_event_kind_name(kind))
                 : al_err_set(AL_EINVAL, "task %s: event kind %d is not one", t->task_id, (int)kind);
    e->attempt = t->attempt;
    e->ts_us = task_now_us();
    for (size_t i = 0; rc == AL_OK && i < n; i++)
        rc = task_msg_put(&e->data, keys[i], values[i]);
    pthread_mutex_lock(&t->emit_lock);
    if (rc == AL_OK && t->result_sent)
        rc = al_err_set(AL_ESTATE, "task %s: event after the result", t->task_id);
    e->seq = ++t->next_seq;
    if (rc == AL_OK)
        rc = s_push(t, m);
    pthread_mutex_unlock(&t->emit_lock);
    proto_msg_destroy(&m);
    return rc;
}

int task_event(task_t *t, al_event_kind_id_t kind, ...)
{
    const char *keys[128], *values[128];
    size_t n = 0;
    va_list ap;
    va_start(ap, kind);
    for (const char *k = va_arg(ap, const char *); k && n < 128; k = va_arg(ap, const char *)) {
        keys[n] = k;
        values[n++] = va_arg(ap, const char *);
    }
    va_end(ap);
    return task_event_kv(t, kind, keys, values, n);
}

int task_result(task_t *t, al_verdict_t verdict, const char *reason, int has_exit, int exit_code, ...)
{
    const char *keys[128], *values[128];
    task_msg_result_t r = { .task_id = t->task_id, .attempt = t->attempt, .verdict = verdict, .reason = reason,
                            .has_exit = has_exit, .exit_code = exit_code, .keys = keys, .values = values };
    va_list ap;
    va_start(ap, exit_code);
    for (const char *k = va_arg(ap, const char *); k && r.n < 128; k = va_arg(ap, const char *)) {
        keys[r.n] = k;
        values[r.n++] = va_arg(ap, const char *);
    }
    va_end(ap);
    proto_msg_t *m = NULL;
    int rc = task_msg_result_new(&m, &r);
    pthread_mutex_lock(&t->emit_lock);
    if (!t->result_sent) {
        uint64_t seq = ++t->next_seq;   /* taken also by a RESULT that cannot be built */
        if (rc == AL_OK) {
            m->body.w_result.seq = seq;
            rc = s_push(t, m);
        }
        if (rc == AL_OK)
            t->result_sent = 1;
    }
    pthread_mutex_unlock(&t->emit_lock);
    proto_msg_destroy(&m);
    return rc;
}
