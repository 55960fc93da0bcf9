/*
 * pool.c: the warm sandbox pool (see pool.h).
 *
 * Owns: a deep copy of the spec template, the array of ready sandboxes (each
 * owned by the pool until handed out), one refill thread, its mutex and
 * condition variables. The refill thread creates sandboxes with the lock
 * released, so takes never wait behind a boot.
 */
#include "worker/sandbox/pool.h"
#include "worker/sandbox/sandbox_driver.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PING_TIMEOUT_MS 5000u
#define RETRY_MS 1000u         /* after a failed refill; doubles per failure in a row */
#define RETRY_MAX_MS 60000u    /* (e.g. an environment image evicted from the cache) */

struct sandbox_pool {
    sandbox_spec_t spec;
    char *strs[8];            /* owned copies behind spec's strings (and its environment's) */
    sandbox_env_t env;        /* spec.env points here when the template has one */
    unsigned size, capacity, nready;
    sandbox_t **ready;        /* FIFO, owned until handed out */
    pthread_mutex_t mu;
    pthread_cond_t wake;      /* refill thread waits here */
    pthread_cond_t changed;   /* sandbox_pool_wait_ready waits here */
    int stop, started;
    pthread_t thread;
    sandbox_pool_stats_t st;
};

static int s_copy_spec(sandbox_pool_t *p, const sandbox_spec_t *t)
{
    p->spec = *t;
    p->spec.background = 1;   /* refills yield the CPU to running tasks */
    if (t->env) {
        p->env = *t->env;
        p->spec.env = &p->env;
    }
    const char *src[8] = { t->driver, t->task_id, t->egress_socket, t->egress_token, t->state_dir,
                           t->env ? t->env->digest : NULL, t->env ? t->env->tree : NULL,
                           t->env ? t->env->image : NULL };
    const char **dst[8] = { &p->spec.driver, &p->spec.task_id, &p->spec.egress_socket, &p->spec.egress_token,
                            &p->spec.state_dir, &p->env.digest, &p->env.tree, &p->env.image };
    for (int i = 0; i < 8; i++) {
        if (src[i] && !(p->strs[i] = strdup(src[i])))
            return al_err_set(AL_ENOMEM, "pool: out of memory");
        *dst[i] = p->strs[i];
    }
    return 0;
}

static void s_deadline(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static int s_alive(sandbox_t *sb);
static int s_run_true(sandbox_t *sb);

static void *s_refill(void *arg)
{
    sandbox_pool_t *p = arg;
    unsigned retry_ms = RETRY_MS;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        if (p->nready >= p->size) {
            pthread_cond_wait(&p->wake, &p->mu);
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        sandbox_t *sb = NULL;
        int rc = sandbox_create(&sb, &p->spec);
        /* warm-up: one throwaway `true` (no task involved) so the guest's fork/exec
         * path is already translated (TCG) or paged in when a task takes it */
        if (rc == 0 && !s_run_true(sb)) {
            rc = al_err_set(AL_ESANDBOX, "pool: warm-up command failed");
            sandbox_destroy(&sb);
        }
        if (rc < 0)
            al_warn("sandbox.pool.refill_failed", "driver=%s err=%s msg=\"%s\"", p->spec.driver, al_err_name(rc),
                    al_err_msg());
        pthread_mutex_lock(&p->mu);
        if (rc < 0) {
            p->st.failures++;
            struct timespec ts;
            s_deadline(&ts, retry_ms);
            retry_ms = retry_ms < RETRY_MAX_MS / 2 ? retry_ms * 2 : RETRY_MAX_MS;
            if (!p->stop)
                pthread_cond_timedwait(&p->wake, &p->mu, &ts);
            continue;
        }
        retry_ms = RETRY_MS;
        if (p->stop || p->nready >= p->size) {   /* stopped or shrunk while it booted */
            pthread_mutex_unlock(&p->mu);
            sandbox_destroy(&sb);
            pthread_mutex_lock(&p->mu);
            continue;
        }
        p->ready[p->nready++] = sb;
        if (p->nready == p->size)
            al_info("sandbox.pool.full", "driver=%s ready=%u", p->spec.driver, p->nready);
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

sandbox_pool_t *sandbox_pool_new(const sandbox_spec_t *tmpl, unsigned size)
{
    if (!tmpl || tmpl->version != SANDBOX_SPEC_VERSION) {
        al_err_set(AL_EINVAL, "pool: spec template missing or of the wrong version");
        return NULL;
    }
    sandbox_pool_t *p = calloc(1, sizeof *p);
    if (!p || s_copy_spec(p, tmpl) < 0 || !(p->ready = calloc(size ? size : 1, sizeof *p->ready))) {
        al_err_set(AL_ENOMEM, "pool: out of memory");
        sandbox_pool_destroy(&p);
        return NULL;
    }
    p->size = p->capacity = size;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->changed, NULL);
    if (size > 0) {
        if (pthread_create(&p->thread, NULL, s_refill, p) != 0) {
            al_err_set(AL_EIO, "pool: cannot start the refill thread");
            sandbox_pool_destroy(&p);
            return NULL;
        }
        p->started = 1;
    }
    al_info("sandbox.pool.started", "driver=%s size=%u", p->spec.driver ? p->spec.driver : "-", size);
    return p;
}

/* A driver with a ping of its own (microvm: the guest agent's PING) is asked
 * that; any other runs `true` in the sandbox. */
static int s_alive(sandbox_t *sb)
{
    if (sb->ops->ping)
        return sb->ops->ping(sb, PING_TIMEOUT_MS) == 0;
    return s_run_true(sb);
}

static int s_run_true(sandbox_t *sb)
{
    const char *argv[] = { "true", NULL };
    sandbox_exec_req_t rq = { .argv = argv, .timeout_ms = PING_TIMEOUT_MS };
    sandbox_exec_result_t res;
    return sandbox_exec(sb, &rq, &res) == 0 && res.exited && res.exit_code == 0;
}

int sandbox_pool_take(sandbox_pool_t *pool, sandbox_t **out)
{
    *out = NULL;
    for (;;) {
        sandbox_t *sb = NULL;
        pthread_mutex_lock(&pool->mu);
        if (pool->nready > 0) {
            sb = pool->ready[0];
            memmove(pool->ready, pool->ready + 1, (pool->nready - 1) * sizeof *pool->ready);
            pool->nready--;
            pthread_cond_signal(&pool->wake);
        }
        pthread_mutex_unlock(&pool->mu);
        if (!sb)
            break;
        /* a sandbox left at the background weight would run its task slowly */
        const char *why = sandbox_foreground(sb) < 0 ? "its CPU weight could not be restored"
                          : !s_alive(sb)             ? "liveness ping failed"
                                                     : NULL;
        if (!why) {
            pthread_mutex_lock(&pool->mu);
            pool->st.hits++;
            pthread_mutex_unlock(&pool->mu);
            sb->info.from_pool = 1;
            *out = sb;
            return 0;
        }
        al_warn("sandbox.pool.discarded", "driver=%s reason=\"%s\" msg=\"%s\"", pool->spec.driver, why,
                al_err_msg());
        al_err_clear();
        sandbox_destroy(&sb);
        pthread_mutex_lock(&pool->mu);
        pool->st.discarded++;
        pthread_mutex_unlock(&pool->mu);
    }
    pthread_mutex_lock(&pool->mu);
    pool->st.misses++;
    pthread_mutex_unlock(&pool->mu);
    sandbox_spec_t now = pool->spec;
    now.background = 0;   /* made for the task waiting on it */
    return sandbox_create(out, &now);
}

int sandbox_pool_wait_ready(sandbox_pool_t *pool, unsigned ready, unsigned timeout_ms)
{
    struct timespec ts;
    s_deadline(&ts, timeout_ms);
    int rc = 0;
    pthread_mutex_lock(&pool->mu);
    while (pool->nready < ready && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&pool->changed, &pool->mu, &ts);
    int ok = pool->nready >= ready;
    pthread_mutex_unlock(&pool->mu);
    return ok ? 0 : al_err_set(AL_ETIMEOUT, "pool: %u sandboxes not ready within %u ms", ready, timeout_ms);
}

void sandbox_pool_resize(sandbox_pool_t *pool, unsigned size)
{
    sandbox_t *extra[64];
    unsigned nextra = 0;
    pthread_mutex_lock(&pool->mu);
    pool->size = size < pool->capacity ? size : pool->capacity;
    while (pool->nready > pool->size && nextra < sizeof extra / sizeof *extra)
        extra[nextra++] = pool->ready[--pool->nready];
    pthread_cond_signal(&pool->wake);
    pthread_mutex_unlock(&pool->mu);
    for (unsigned i = 0; i < nextra; i++)
        sandbox_destroy(&extra[i]);
}

void sandbox_pool_stats(sandbox_pool_t *pool, sandbox_pool_stats_t *out)
{
    pthread_mutex_lock(&pool->mu);
    *out = pool->st;
    out->ready = pool->nready;
    pthread_mutex_unlock(&pool->mu);
}

void sandbox_pool_destroy(sandbox_pool_t **pp)
{
    if (!pp || !*pp)
        return;
    sandbox_pool_t *p = *pp;
    *pp = NULL;
    if (p->started) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
    }
    for (unsigned i = 0; i < p->nready; i++)
        sandbox_destroy(&p->ready[i]);
    if (p->ready) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->wake);
        pthread_cond_destroy(&p->changed);
    }
    free(p->ready);
    for (int i = 0; i < 8; i++)
        free(p->strs[i]);
    free(p);
}
