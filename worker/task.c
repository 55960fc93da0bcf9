/*
 * task.c: EVENT and RESULT messages of one attempt, numbered and pushed to the link.
 */
#include "worker/task.h"
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

/* Values longer than the protocol allows are cut (with a marker) rather than
 * making the whole event unsendable. */
#define VALUE_MAX 65536

static int s_put(proto_strmap_t *map, const char *key, const char *value)
{
    if (!value)
        value = "";
    size_t len = strlen(value);
    if (len < VALUE_MAX)
        return proto_strmap_put(map, key, value);
    char *cut = malloc(VALUE_MAX);
    if (!cut)
        return AL_ENOMEM;
    size_t keep = VALUE_MAX - 32;
    while (keep > 0 && ((unsigned char)value[keep] & 0xC0) == 0x80)
        keep--;   /* do not split a UTF-8 sequence */
    snprintf(cut, VALUE_MAX, "%.*s...[truncated %zu bytes]", (int)keep, value, len - keep);
    int rc = proto_strmap_put(map, key, cut);
    free(cut);
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
        rc = s_put(&e->data, keys[i], values[i]);
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
    proto_msg_t *m = proto_msg_new(PROTO_W_RESULT);
    if (!m)
        return AL_ENOMEM;
    proto_w_result_t *r = &m->body.w_result;
    int rc = proto_str_set(&r->task_id, t->task_id);
    if (rc == AL_OK)
        rc = al_verdict_name(verdict)
                 ? proto_str_set(&r->verdict, al_verdict_name(verdict))
                 : al_err_set(AL_EINVAL, "task %s: verdict %d is not one", t->task_id, (int)verdict);
    if (rc == AL_OK) {
        char cut[4096];
        snprintf(cut, sizeof cut, "%s", reason ? reason : "");
        rc = proto_str_set(&r->reason, cut);
    }
    r->attempt = t->attempt;
    r->has_exit_code = has_exit != 0;
    r->exit_code = exit_code;
    va_list ap;
    va_start(ap, exit_code);
    for (const char *k = va_arg(ap, const char *); rc == AL_OK && k; k = va_arg(ap, const char *))
        rc = s_put(&r->summary, k, va_arg(ap, const char *));
    va_end(ap);
    pthread_mutex_lock(&t->emit_lock);
    if (!t->result_sent) {
        r->seq = ++t->next_seq;
        if (rc == AL_OK)
            rc = s_push(t, m);
        if (rc == AL_OK)
            t->result_sent = 1;
    }
    pthread_mutex_unlock(&t->emit_lock);
    proto_msg_destroy(&m);
    return rc;
}
