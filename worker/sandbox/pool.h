/*
 * pool.h: a warm pool of ready sandboxes, generic over drivers.
 *
 * A pool keeps up to `size` sandboxes created from one spec template ready
 * ahead of demand; a background thread refills it. Each pooled sandbox is
 * handed out exactly once and never returned: the caller owns it and destroys
 * it with sandbox_destroy() after its task. A sandbox that fails a liveness
 * ping when taken is discarded. When the pool is empty, take() creates one
 * synchronously, so a take never waits for the refill thread.
 *
 * CPU: the refill makes sandboxes with spec.background (drivers that support it
 * give them the lowest CPU weight), so a refill never slows the tasks running
 * beside it on a busy machine; take() gives the sandbox the default weight
 * before it hands it out (sandbox_foreground), and discards it if it cannot.
 *
 * Flavors: the template fixes everything decided at VM start (limits, and
 * whether there is a network device). Keep one pool per flavor; sandboxes with
 * egress need their own per-task proxy socket, so in practice pools hold
 * no-network sandboxes and tasks with egress create theirs directly.
 *
 * Threads: all functions may be called from any thread. On Linux a microVM's
 * qemu is killed when the thread that started it ends (PR_SET_PDEATHSIG), and
 * the refill thread ends in sandbox_pool_destroy(): destroy the pool only
 * after the sandboxes taken from it (normally at worker shutdown).
 *
 * Errors: NULL / negative AL_E* with the reason in al_err_msg().
 */
#ifndef AIRLOCK_SANDBOX_POOL_H
#define AIRLOCK_SANDBOX_POOL_H

#include "worker/sandbox/sandbox.h"

typedef struct sandbox_pool sandbox_pool_t;

typedef struct {
    unsigned ready;          /* sandboxes waiting in the pool now */
    unsigned long hits;      /* takes served from the pool */
    unsigned long misses;    /* takes that created synchronously */
    unsigned long discarded; /* pooled sandboxes that failed the liveness ping */
    unsigned long failures;  /* refill attempts that failed */
} sandbox_pool_stats_t;

/* The template (its strings and environment included) is copied. size 0 means an always-empty pool
 * (every take creates synchronously). Starts the refill thread. */
sandbox_pool_t *sandbox_pool_new(const sandbox_spec_t *tmpl, unsigned size);

/* Hands out one ready sandbox (owned by the caller), info.from_pool = 1 when
 * it came from the pool. task_id is for logs only and may be NULL. */
int sandbox_pool_take(sandbox_pool_t *pool, sandbox_t **out);

/* Waits (condition variable, no polling) until `ready` sandboxes are pooled or
 * timeout_ms passes: 0 or AL_ETIMEOUT. For benchmarks and warm-up. */
int sandbox_pool_wait_ready(sandbox_pool_t *pool, unsigned ready, unsigned timeout_ms);

/* Changes how many sandboxes the pool keeps ready, at most the size it was
 * created with; pooled sandboxes beyond the new size are destroyed. The
 * refill thread keeps running (it started the qemu of every sandbox it made,
 * including those already handed out), so shrinking to 0 is how a pool idles. */
void sandbox_pool_resize(sandbox_pool_t *pool, unsigned size);

void sandbox_pool_stats(sandbox_pool_t *pool, sandbox_pool_stats_t *out);

/* Stops the refill thread and destroys every sandbox still pooled. NULL-safe. */
void sandbox_pool_destroy(sandbox_pool_t **pool);

#endif
