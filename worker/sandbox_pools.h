/*
 * sandbox_pools.h: the worker's warm pools, one per sandbox flavor.
 *
 * A flavor is everything fixed when a sandbox starts: driver, environment,
 * limits. Only microVMs are pooled (an ns sandbox starts in milliseconds);
 * any other spec is created directly. Egress is not part of the flavor: every
 * microVM carries its egress port from the start, and a pooled one is bound to
 * the task's proxy and token when taken (sandbox_egress_bind), so tasks with
 * and without egress share one pool (a taken sandbox that fails to bind is
 * destroyed and the stage gets a created one). A flavor gets its pool the first
 * time a stage asks for it (that stage's sandbox is created at once, the pool
 * refills behind it), so pools follow the recent mix of jobs: at most
 * `flavors` pools keep sandboxes ready, the least recently used one idles
 * (size 0) when another needs the room, and the sum of ready sandboxes'
 * memory stays under `memory_mb`. Every sandbox is handed out once and
 * destroyed by its stage; sandbox_pools_destroy (after the last task, at
 * drain) destroys what is still pooled.
 *
 * Threads: any thread. Errors: negative AL_E* with al_err_msg().
 */
#ifndef AIRLOCK_WORKER_SANDBOX_POOLS_H
#define AIRLOCK_WORKER_SANDBOX_POOLS_H

#include "worker/sandbox/sandbox.h"

typedef struct sandbox_pools sandbox_pools_t;

typedef struct {
    unsigned per_flavor;      /* sandboxes kept ready per flavor; 0 disables pooling */
    unsigned flavors;         /* flavors with ready sandboxes at once */
    unsigned memory_mb;       /* budget: ready sandboxes' memory limits summed */
    const char *state_dir;    /* where pooled sandboxes keep their state (created 0700) */
} sandbox_pools_config_t;

typedef struct {
    unsigned flavors, ready;
    unsigned long hits, misses, direct;   /* direct: specs that are never pooled */
} sandbox_pools_stats_t;

/* NULL with al_err_msg() on failure. */
sandbox_pools_t *sandbox_pools_new(const sandbox_pools_config_t *cfg);

/* A fresh sandbox for spec: from its flavor's pool when the spec is poolable,
 * else created. NULL pools: always created. info.from_pool says which. */
int sandbox_pools_create(sandbox_pools_t *pools, const sandbox_spec_t *spec, sandbox_t **out);

/* 1 when sandboxes of spec come from a pool (pools exist and pool its
 * driver), else 0. */
int sandbox_pools_pooled(const sandbox_pools_t *pools, const sandbox_spec_t *spec);

/* Starts spec's flavor's pool ahead of its first stage (worker start-up):
 * 0, or AL_EINVAL when the spec is never pooled. */
int sandbox_pools_warm(sandbox_pools_t *pools, const sandbox_spec_t *spec);

/* Waits until spec's flavor has `ready` sandboxes pooled (warm-up, tests):
 * 0, AL_ETIMEOUT, or AL_ENOTFOUND when the flavor has no pool yet. */
int sandbox_pools_wait_ready(sandbox_pools_t *pools, const sandbox_spec_t *spec, unsigned ready,
                             unsigned timeout_ms);

void sandbox_pools_stats(sandbox_pools_t *pools, sandbox_pools_stats_t *out);

/* Destroys every pooled sandbox; NULL-safe. Call after the last task ended. */
void sandbox_pools_destroy(sandbox_pools_t **pools);

#endif
