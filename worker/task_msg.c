/*
 * task_msg.c: the one RESULT builder and the value cut of EVENT/RESULT maps
 * (see task_msg.h). Owns the message it builds until it hands it to *out.
 */
#include "worker/task_msg.h"
#include "common/base64.h"
#include "common/error.h"
#include "common/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* keep, moved back to the start of the UTF-8 sequence s[keep] is in. */
static size_t s_seq_start(const char *s, size_t keep)
{
    while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
        keep--;
    return keep;
}

/* s as valid UTF-8 (U+FFFD for each stray byte) in out[size], cut at a
 * sequence boundary. */
static int s_text_cut(const char *s, char *out, size_t size)
{
    char *fixed = al_utf8_repair(s);
    if (!fixed)
        return al_err_set(AL_ENOMEM, "out of memory");
    size_t keep = strlen(fixed);
    if (keep >= size)
        keep = s_seq_start(fixed, size - 1);
    memcpy(out, fixed, keep);
    out[keep] = '\0';
    free(fixed);
    return AL_OK;
}

static int s_put_cut(proto_strmap_t *map, const char *key, const char *value)
{
    size_t len = strlen(value);
    if (len < TASK_MSG_VALUE_MAX)
        return proto_strmap_put(map, key, value);
    char *cut = malloc(TASK_MSG_VALUE_MAX);
    if (!cut)
        return AL_ENOMEM;
    size_t keep = s_seq_start(value, TASK_MSG_VALUE_MAX - 32);
    snprintf(cut, TASK_MSG_VALUE_MAX, "%.*s...[truncated %zu bytes]", (int)keep, value, len - keep);
    int rc = proto_strmap_put(map, key, cut);
    free(cut);
    return rc;
}

int task_msg_put(proto_strmap_t *map, const char *key, const char *value)
{
    if (!value)
        value = "";
    if (al_utf8_valid(value))
        return s_put_cut(map, key, value);
    /* bytes (a file name, a command line, output): the text; a file name's
     * exact bytes too (airlockd redacts them as it does the text) */
    static const char *const names[] = { "path", "old_path" };
    int exact = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        exact |= strcmp(key, names[i]) == 0;
    char *fixed = al_utf8_repair(value), *b64 = exact ? al_b64_encode(value, strlen(value)) : NULL;
    char raw_key[256];
    int rc = fixed ? s_put_cut(map, key, fixed) : al_err_set(AL_ENOMEM, "out of memory");
    if (rc == AL_OK && b64 && (size_t)snprintf(raw_key, sizeof raw_key, "%s_raw_b64", key) < sizeof raw_key)
        rc = proto_strmap_put(map, raw_key, b64);
    free(fixed);
    free(b64);
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
    int rc = s_text_cut(r->reason ? r->reason : "", cut, sizeof cut);
    if (rc == AL_OK)
        rc = proto_str_set(&w->task_id, r->task_id);
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
