/*
 * registry.c: connected workers keyed by CURVE public key.
 */
#include "orchestrator/registry.h"

#include <stdlib.h>
#include <string.h>

struct registry {
    zhash_t *workers;   /* key -> worker_entry_t */
};

static void s_entry_free(void *item)
{
    worker_entry_t *w = item;
    zframe_destroy(&w->routing);
    zhash_destroy(&w->tasks);
    free(w->drivers_pg);
    free(w->labels_json);
    free(w);
}

registry_t *registry_new(void)
{
    registry_t *reg = calloc(1, sizeof *reg);
    if (!reg)
        return NULL;
    reg->workers = zhash_new();
    if (!reg->workers) {
        free(reg);
        return NULL;
    }
    return reg;
}

void registry_destroy(registry_t **reg)
{
    if (!reg || !*reg)
        return;
    zhash_destroy(&(*reg)->workers);
    free(*reg);
    *reg = NULL;
}

worker_entry_t *registry_put(registry_t *reg, const char *key, zframe_t *routing)
{
    worker_entry_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    snprintf(w->key, sizeof w->key, "%s", key);
    w->routing = zframe_dup(routing);
    w->tasks = zhash_new();
    if (!w->routing || !w->tasks) {
        s_entry_free(w);
        return NULL;
    }
    zhash_autofree(w->tasks);
    zhash_delete(reg->workers, key);
    if (zhash_insert(reg->workers, key, w) != 0) {
        s_entry_free(w);
        return NULL;
    }
    zhash_freefn(reg->workers, key, s_entry_free);
    return w;
}

worker_entry_t *registry_get(registry_t *reg, const char *key)
{
    return key ? zhash_lookup(reg->workers, key) : NULL;
}

void registry_remove(registry_t *reg, const char *key)
{
    zhash_delete(reg->workers, key);
}

zlist_t *registry_keys(registry_t *reg)
{
    zlist_t *keys = zhash_keys(reg->workers);
    if (keys)
        zlist_sort(keys, (zlist_compare_fn *)strcmp);
    return keys;
}

size_t registry_size(registry_t *reg) { return zhash_size(reg->workers); }

unsigned registry_capacity(const worker_entry_t *w)
{
    size_t assigned = zhash_size(w->tasks);
    unsigned by_count = assigned >= w->slots ? 0 : w->slots - (unsigned)assigned;
    return by_count < w->reported_free ? by_count : w->reported_free;
}

void registry_task_add(worker_entry_t *w, const char *task_id, int attempt)
{
    char a[16];
    snprintf(a, sizeof a, "%d", attempt);
    zhash_update(w->tasks, task_id, a);
}

void registry_task_remove(worker_entry_t *w, const char *task_id)
{
    zhash_delete(w->tasks, task_id);
}

int registry_task_attempt(worker_entry_t *w, const char *task_id)
{
    const char *a = zhash_lookup(w->tasks, task_id);
    return a ? atoi(a) : 0;
}
