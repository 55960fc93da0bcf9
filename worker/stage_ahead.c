/*
 * stage_ahead.c: see stage_ahead.h. Owns the thread, the spec's copy (not
 * its strings) and a sandbox until it is taken.
 */
#include "worker/stage_ahead.h"
#include "worker/sandbox_pools.h"
#include "common/error.h"
#include "common/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct stage_ahead {
    struct sandbox_pools *pools;
    sandbox_spec_t spec;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sandbox_t *sb;      /* made, not yet taken */
    int rc;             /* the create's result, once made */
    char err[512];      /* its message (al_err is per thread) */
    int made, taken, done;
};

static void *s_main(void *arg)
{
    stage_ahead_t *a = arg;
    sandbox_t *sb = NULL;
    int rc = sandbox_pools_create(a->pools, &a->spec, &sb);
    pthread_mutex_lock(&a->mu);
    a->rc = rc;
    a->sb = sb;
    if (rc != AL_OK)
        snprintf(a->err, sizeof a->err, "%s", al_err_msg());
    a->made = 1;
    pthread_cond_broadcast(&a->cv);
    while (!a->done)   /* a taken microVM lives as long as this thread */
        pthread_cond_wait(&a->cv, &a->mu);
    sandbox_t *unused = a->taken ? NULL : a->sb;
    a->sb = NULL;
    pthread_mutex_unlock(&a->mu);
    if (unused) {
        al_info("stage.ahead.unused", "task=%s driver=%s", a->spec.task_id ? a->spec.task_id : "-",
                a->spec.driver ? a->spec.driver : "-");
        sandbox_destroy(&unused);
    }
    return NULL;
}

stage_ahead_t *stage_ahead_start(struct sandbox_pools *pools, const sandbox_spec_t *spec)
{
    stage_ahead_t *a = calloc(1, sizeof *a);
    if (!a) {
        al_err_set(AL_ENOMEM, "stage ahead: out of memory");
        return NULL;
    }
    a->pools = pools;
    a->spec = *spec;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    if (pthread_create(&a->thread, NULL, s_main, a) != 0) {
        al_err_set(AL_EIO, "stage ahead: cannot start a thread");
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        free(a);
        return NULL;
    }
    return a;
}

int stage_ahead_take(stage_ahead_t *a, sandbox_t **out)
{
    *out = NULL;
    pthread_mutex_lock(&a->mu);
    while (!a->made)
        pthread_cond_wait(&a->cv, &a->mu);
    int rc = a->taken ? AL_ESTATE : a->rc;
    if (rc == AL_OK) {
        *out = a->sb;
        a->sb = NULL;
        a->taken = 1;
    }
    pthread_mutex_unlock(&a->mu);
    if (rc == AL_ESTATE)
        return al_err_set(AL_ESTATE, "stage ahead: its sandbox was taken already");
    return rc == AL_OK ? AL_OK : al_err_set(rc, "%s", a->err);
}

void stage_ahead_destroy(stage_ahead_t **pa)
{
    if (!pa || !*pa)
        return;
    stage_ahead_t *a = *pa;
    *pa = NULL;
    pthread_mutex_lock(&a->mu);
    a->done = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a);
}
