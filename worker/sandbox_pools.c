/*
 * sandbox_pools.c: the worker's pools by flavor (see sandbox_pools.h).
 *
 * Owns: the flavor table (a key, its sandbox_pool_t, whether it keeps
 * sandboxes ready, when it was last used), a copy of the state directory, one
 * mutex. Flavors are never removed while the worker runs (the pool's refill
 * thread started the qemu of the sandboxes it handed out, which die with that
 * thread): an evicted flavor only shrinks to 0.
 */
#include "worker/sandbox_pools.h"
#include "worker/sandbox/pool.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FLAVORS_MAX 32u        /* flavors tracked; later ones are created directly */
#define MICROVM_DEFAULT_MB 256u

typedef struct {
    char key[256];
    sandbox_pool_t *pool;
    unsigned memory_mb;        /* of one sandbox */
    unsigned size;             /* sandboxes it keeps ready now (per_flavor or what fits) */
    int active;                /* size > 0 */
    unsigned long used;        /* the table's clock at the last take */
} flavor_t;

struct sandbox_pools {
    sandbox_pools_config_t cfg;
    char *state_dir;
    pthread_mutex_t mu;
    flavor_t flavors[FLAVORS_MAX];
    unsigned n;
    unsigned long clock, direct;
};

sandbox_pools_t *sandbox_pools_new(const sandbox_pools_config_t *cfg)
{
    if (!cfg->state_dir || (mkdir(cfg->state_dir, 0700) != 0 && errno != EEXIST)) {
        al_err_set_errno(AL_ECONFIG, "pool state directory %s", cfg->state_dir ? cfg->state_dir : "(none)");
        return NULL;
    }
    sandbox_pools_t *p = calloc(1, sizeof *p);
    if (!p || !(p->state_dir = strdup(cfg->state_dir))) {
        free(p);
        al_err_set(AL_ENOMEM, "pools: out of memory");
        return NULL;
    }
    p->cfg = *cfg;
    p->cfg.state_dir = p->state_dir;
    pthread_mutex_init(&p->mu, NULL);
    return p;
}

static int s_poolable(const sandbox_pools_t *p, const sandbox_spec_t *spec)
{
    return p && p->cfg.per_flavor > 0 && spec->driver && strcmp(spec->driver, "microvm") == 0 &&
           (!spec->egress_socket || sandbox_egress_bindable(spec->driver));
}

static void s_key(const sandbox_spec_t *spec, char *key, size_t size)
{
    const sandbox_limits_t *l = &spec->limits;
    snprintf(key, size, "%s|%u|%u|%u|%u|%llu|%s", spec->driver, l->vcpus, l->memory_mb, l->disk_mb, l->max_procs,
             (unsigned long long)l->max_output_bytes, spec->env ? spec->env->digest : SANDBOX_ENV_DEFAULT);
}

/* Sizes f to per_flavor, or to what fits the memory budget, idling least
 * recently used flavors while f does not fit the count or the budget and
 * another could make room. Called with the mutex held. */
static void s_activate(sandbox_pools_t *p, flavor_t *f)
{
    for (;;) {
        unsigned active = 0, memory = 0;
        flavor_t *lru = NULL;
        for (unsigned i = 0; i < p->n; i++) {
            flavor_t *o = &p->flavors[i];
            if (!o->active || o == f)
                continue;
            active++, memory += o->memory_mb * o->size;
            if (!lru || o->used < lru->used)
                lru = o;
        }
        unsigned room = memory < p->cfg.memory_mb ? p->cfg.memory_mb - memory : 0;
        unsigned fit = room / f->memory_mb < p->cfg.per_flavor ? room / f->memory_mb : p->cfg.per_flavor;
        if (!lru || (active < p->cfg.flavors && fit == p->cfg.per_flavor)) {
            f->size = active < p->cfg.flavors ? fit : 0;
            f->active = f->size > 0;
            sandbox_pool_resize(f->pool, f->size);
            return;
        }
        al_info("worker.pool.idle", "flavor=\"%s\" reason=\"room for %s\"", lru->key, f->key);
        lru->active = 0, lru->size = 0;
        sandbox_pool_resize(lru->pool, 0);
    }
}

/* spec's flavor, NULL when it has none yet; key gets spec's key. Mutex held. */
static flavor_t *s_find(sandbox_pools_t *p, const sandbox_spec_t *spec, char key[256])
{
    s_key(spec, key, 256);
    for (unsigned i = 0; i < p->n; i++)
        if (strcmp(p->flavors[i].key, key) == 0)
            return &p->flavors[i];
    return NULL;
}

/* The flavor's pool (made on first use), or NULL when the table is full. */
static sandbox_pool_t *s_flavor_pool(sandbox_pools_t *p, const sandbox_spec_t *spec)
{
    char key[256];
    flavor_t *f = s_find(p, spec, key);
    if (!f && p->n < FLAVORS_MAX) {
        sandbox_spec_t tmpl = *spec;
        tmpl.task_id = "pool";
        tmpl.state_dir = p->state_dir;
        tmpl.egress_socket = tmpl.egress_token = NULL;   /* bound when taken */
        sandbox_pool_t *pool = sandbox_pool_new(&tmpl, p->cfg.per_flavor);
        if (!pool)
            return NULL;
        f = &p->flavors[p->n++];
        snprintf(f->key, sizeof f->key, "%s", key);
        f->pool = pool;
        f->memory_mb = spec->limits.memory_mb ? spec->limits.memory_mb : MICROVM_DEFAULT_MB;
        f->active = 0;   /* s_activate decides */
        al_info("worker.pool.flavor", "flavor=\"%s\" size=%u", key, p->cfg.per_flavor);
    }
    if (!f)
        return NULL;
    f->used = ++p->clock;
    if (!f->active)
        s_activate(p, f);
    return f->pool;
}

int sandbox_pools_pooled(const sandbox_pools_t *pools, const sandbox_spec_t *spec)
{
    return s_poolable(pools, spec);
}

int sandbox_pools_create(sandbox_pools_t *pools, const sandbox_spec_t *spec, sandbox_t **out)
{
    sandbox_pool_t *pool = NULL;
    if (s_poolable(pools, spec)) {
        pthread_mutex_lock(&pools->mu);
        pool = s_flavor_pool(pools, spec);
        if (!pool)
            pools->direct++;
        pthread_mutex_unlock(&pools->mu);
    } else if (pools) {
        pthread_mutex_lock(&pools->mu);
        pools->direct++;
        pthread_mutex_unlock(&pools->mu);
    }
    if (!pool)
        return sandbox_create(out, spec);
    int rc = sandbox_pool_take(pool, out);
    if (rc == 0 && spec->egress_socket &&
        (rc = sandbox_egress_bind(*out, spec->egress_socket, spec->egress_token, spec->task_id)) < 0) {
        al_warn("worker.pool.bind_failed", "task=%s err=%s msg=\"%s\" fallback=create",
                spec->task_id ? spec->task_id : "-", al_err_name(rc), al_err_msg());
        sandbox_destroy(out);   /* a pooled VM that cannot be bound: a fresh one for this stage */
        rc = sandbox_create(out, spec);
    }
    return rc;
}

int sandbox_pools_warm(sandbox_pools_t *pools, const sandbox_spec_t *spec)
{
    if (!s_poolable(pools, spec))
        return al_err_set(AL_EINVAL, "pools: %s sandboxes with these settings are never pooled",
                          spec->driver ? spec->driver : "(no driver)");
    pthread_mutex_lock(&pools->mu);
    int rc = s_flavor_pool(pools, spec) ? 0
             : pools->n >= FLAVORS_MAX ? al_err_set(AL_ELIMIT, "pools: %u flavors already", FLAVORS_MAX)
                                       : al_err_code();
    pthread_mutex_unlock(&pools->mu);
    return rc;
}

int sandbox_pools_wait_ready(sandbox_pools_t *pools, const sandbox_spec_t *spec, unsigned ready,
                             unsigned timeout_ms)
{
    char key[256];
    pthread_mutex_lock(&pools->mu);
    flavor_t *f = s_find(pools, spec, key);
    sandbox_pool_t *pool = f ? f->pool : NULL;
    pthread_mutex_unlock(&pools->mu);
    if (!pool)
        return al_err_set(AL_ENOTFOUND, "pools: no pool for flavor %s", key);
    return sandbox_pool_wait_ready(pool, ready, timeout_ms);
}

void sandbox_pools_stats(sandbox_pools_t *pools, sandbox_pools_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (!pools)
        return;
    pthread_mutex_lock(&pools->mu);
    out->flavors = pools->n;
    out->direct = pools->direct;
    for (unsigned i = 0; i < pools->n; i++) {
        sandbox_pool_stats_t s;
        sandbox_pool_stats(pools->flavors[i].pool, &s);
        out->ready += s.ready, out->hits += s.hits, out->misses += s.misses;
    }
    pthread_mutex_unlock(&pools->mu);
}

void sandbox_pools_destroy(sandbox_pools_t **pp)
{
    if (!pp || !*pp)
        return;
    sandbox_pools_t *p = *pp;
    *pp = NULL;
    sandbox_pools_stats_t s;
    sandbox_pools_stats(p, &s);
    al_info("worker.pool.stats", "flavors=%u hits=%lu misses=%lu direct=%lu ready=%u", s.flavors, s.hits,
            s.misses, s.direct, s.ready);
    for (unsigned i = 0; i < p->n; i++)
        sandbox_pool_destroy(&p->flavors[i].pool);
    pthread_mutex_destroy(&p->mu);
    free(p->state_dir);
    free(p);
}
