/*
 * task_msg.c: the one RESULT builder and the value cut of EVENT/RESULT maps
 * (see task_msg.h). Owns the message it builds until it hands it to *out.
 */
#include "worker/task_msg.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int task_msg_put(proto_strmap_t *map, const char *key, const char *value)
{
    if (!value)
        value = "";
    size_t len = strlen(value);
    if (len < TASK_MSG_VALUE_MAX)
        return proto_strmap_put(map, key, value);
    char *cut = malloc(TASK_MSG_VALUE_MAX);
    if (!cut)
        return AL_ENOMEM;
    size_t keep = TASK_MSG_VALUE_MAX - 32;
    while (keep > 0 && ((unsigned char)value[keep] & 0xC0) == 0x80)
        keep--;   /* do not split a UTF-8 sequence */
    snprintf(cut, TASK_MSG_VALUE_MAX, "%.*s...[truncated %zu bytes]", (int)keep, value, len - keep);
    int rc = proto_strmap_put(map, key, cut);
    free(cut);
    return rc;
}

int task_msg_result_new(proto_msg_t **out, const task_msg_result_t *r)
{
    *out = NULL;
    const char *verdict = al_verdict_name(r->verdict);
    if (!verdict)
        return al_err_set(AL_EINVAL, "task %s: verdict %d is not one", r->task_id, (int)r->verdict);
    proto_msg_t *m = proto_msg_new(PROTO_W_RESULT);
    if (!m)
        return al_err_set(AL_ENOMEM, "task %s: RESULT", r->task_id);
    proto_w_result_t *w = &m->body.w_result;
    char cut[TASK_MSG_REASON_MAX];
    snprintf(cut, sizeof cut, "%s", r->reason ? r->reason : "");
    int rc = proto_str_set(&w->task_id, r->task_id);
    if (rc == AL_OK)
        rc = proto_str_set(&w->verdict, verdict);
    if (rc == AL_OK)
        rc = proto_str_set(&w->reason, cut);
    w->attempt = r->attempt;
    w->has_exit_code = r->has_exit != 0;
    w->exit_code = r->exit_code;
    for (size_t i = 0; rc == AL_OK && i < r->n; i++)
        rc = task_msg_put(&w->summary, r->keys[i], r->values[i]);
    if (rc != AL_OK) {
        proto_msg_destroy(&m);
        return rc;
    }
    *out = m;
    return AL_OK;
}
