/*
 * registry.h: the workers airlockd talks to right now (memory only; the
 * workers table in PostgreSQL is the durable record).
 *
 * A worker is identified by its CURVE public key; its routing id may change
 * when it reconnects. The registry tracks the attempts airlockd assigned to
 * each worker (task ids), so free capacity is known without asking it.
 *
 * Ownership: the registry owns its entries; lookups lend them until the entry
 * is removed. Entries own their routing frame copy.
 */
#ifndef AIRLOCK_ORCH_REGISTRY_H
#define AIRLOCK_ORCH_REGISTRY_H

#include <czmq.h>
#include <stdint.h>

typedef struct {
    char key[48];
    char name[129];
    zframe_t *routing;
    unsigned slots;
    unsigned reported_free;   /* from the last HEARTBEAT */
    uint64_t drained_at;      /* scheduler epoch + 1 of its last claim that came back short, 0: none */
    char accel[33];
    char *drivers_pg;         /* "{microvm,ns}" */
    char *labels_json;
    int64_t last_seen_ms;
    zhash_t *tasks;           /* task id -> (char *) "attempt" */
} worker_entry_t;

typedef struct registry registry_t;

registry_t *registry_new(void);
void registry_destroy(registry_t **reg);

/* Adds or replaces the entry of `key`; takes a copy of routing. The new entry
 * starts with no tasks. Returns the entry (lent) or NULL when out of memory. */
worker_entry_t *registry_put(registry_t *reg, const char *key, zframe_t *routing);
worker_entry_t *registry_get(registry_t *reg, const char *key);
void registry_remove(registry_t *reg, const char *key);

/* Workers in a stable round-robin order starting after the last one served. */
zlist_t *registry_keys(registry_t *reg);   /* caller destroys the list (items lent) */
size_t registry_size(registry_t *reg);

/* Free capacity: min(slots - assigned, reported free). */
unsigned registry_capacity(const worker_entry_t *w);

void registry_task_add(worker_entry_t *w, const char *task_id, int attempt);
void registry_task_remove(worker_entry_t *w, const char *task_id);
/* Attempt airlockd assigned for this task, 0 when not held. */
int registry_task_attempt(worker_entry_t *w, const char *task_id);

#endif
