/*
 * outbox.c: unacknowledged messages in send order (a zlistx) with an index by
 * key (a zhashx of handles), so ACK and resend are both cheap.
 */
#include "worker/outbox.h"
#include "common/error.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char key[112];
    char task_id[65];
    int is_result;
    int64_t sent_ms;
    size_t len;
    unsigned char data[];
} entry_t;

struct outbox {
    zlistx_t *order;    /* entry_t, oldest first; owns entries */
    zhashx_t *index;    /* key -> list handle */
};

static void s_entry_free(void **item)
{
    free(*item);
    *item = NULL;
}

outbox_t *outbox_new(void)
{
    outbox_t *ob = calloc(1, sizeof *ob);
    if (!ob)
        return NULL;
    ob->order = zlistx_new();
    ob->index = zhashx_new();
    if (!ob->order || !ob->index) {
        outbox_destroy(&ob);
        return NULL;
    }
    zlistx_set_destructor(ob->order, s_entry_free);
    return ob;
}

void outbox_destroy(outbox_t **ob)
{
    if (!ob || !*ob)
        return;
    zhashx_destroy(&(*ob)->index);
    zlistx_destroy(&(*ob)->order);
    free(*ob);
    *ob = NULL;
}

static void s_key(char *out, size_t size, const char *task_id, uint64_t attempt, uint64_t seq)
{
    snprintf(out, size, "%.64s/%llu/%llu", task_id, (unsigned long long)attempt,
             (unsigned long long)seq);
}

int outbox_add(outbox_t *ob, const char *task_id, uint64_t attempt, uint64_t seq, int is_result,
               const void *data, size_t len, int64_t now_ms)
{
    entry_t *e = malloc(sizeof *e + len);
    if (!e)
        return al_err_set(AL_ENOMEM, "outbox: out of memory");
    s_key(e->key, sizeof e->key, task_id, attempt, seq);
    snprintf(e->task_id, sizeof e->task_id, "%s", task_id);
    e->is_result = is_result;
    e->sent_ms = now_ms;
    e->len = len;
    memcpy(e->data, data, len);
    if (zhashx_lookup(ob->index, e->key)) {   /* already kept: nothing new */
        free(e);
        return AL_OK;
    }
    void *handle = zlistx_add_end(ob->order, e);
    zhashx_insert(ob->index, e->key, handle);
    return AL_OK;
}

void outbox_ack(outbox_t *ob, const char *task_id, uint64_t attempt, uint64_t seq)
{
    char key[112];
    s_key(key, sizeof key, task_id, attempt, seq);
    void *handle = zhashx_lookup(ob->index, key);
    if (!handle)
        return;
    zhashx_delete(ob->index, key);
    zlistx_delete(ob->order, handle);
}

size_t outbox_resend(outbox_t *ob, int64_t now_ms, int64_t min_age_ms, outbox_send_fn send,
                     void *ctx)
{
    size_t sent = 0;
    for (entry_t *e = zlistx_first(ob->order); e; e = zlistx_next(ob->order)) {
        if (min_age_ms && now_ms - e->sent_ms < min_age_ms)
            continue;
        if (send(ctx, e->data, e->len) != 0)
            break;
        e->sent_ms = now_ms;
        sent++;
    }
    return sent;
}

size_t outbox_size(const outbox_t *ob) { return zlistx_size(ob->order); }

int outbox_pending_results(const outbox_t *ob, proto_strlist_t *list)
{
    for (entry_t *e = zlistx_first(ob->order); e; e = zlistx_next(ob->order)) {
        if (e->is_result) {
            int rc = proto_strlist_add(list, e->task_id);
            if (rc != AL_OK)
                return rc;
        }
    }
    return AL_OK;
}
