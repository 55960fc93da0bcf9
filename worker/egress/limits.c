/*
 * limits.c: the per-task limits every connection of an egress proxy shares,
 * a leaf below the proxy and its connections: the limits with their
 * defaults, the count of connections being served (max_conns), the token
 * bucket of new upstream connections (conn_rate_per_s, conn_burst) and the
 * byte budgets of both directions (max_bytes_up, max_bytes_down).
 *
 * Owns nothing: the state lives in the egress_proxy_t (egress_priv.h) under
 * its mutex px->mu, which these functions take.
 */
#include "worker/egress/egress_priv.h"

#include "common/clock.h"

#define HEAD_DEFAULT 16384

void egress_limits_init(egress_proxy_t *px, const egress_limits_t *cfg)
{
    egress_limits_t *l = &px->lim;
    *l = *cfg;
    if (l->conn_rate_per_s <= 0)
        l->conn_rate_per_s = 10;
    if (!l->conn_burst)
        l->conn_burst = 20;
    if (!l->max_conns)
        l->max_conns = 32;
    if (!l->max_bytes_up)
        l->max_bytes_up = 256ull << 20;
    if (!l->max_bytes_down)
        l->max_bytes_down = 4ull << 30;
    if (!l->idle_timeout_ms)
        l->idle_timeout_ms = 30000;
    if (!l->max_head_bytes)
        l->max_head_bytes = HEAD_DEFAULT;
    px->tokens = l->conn_burst;
    px->refill_us = al_mono_us();
}

bool egress_conn_admit(egress_proxy_t *px)
{
    pthread_mutex_lock(&px->mu);
    bool room = px->active < px->lim.max_conns;
    px->active += room;
    pthread_mutex_unlock(&px->mu);
    return room;
}

void egress_conn_done(egress_proxy_t *px)
{
    pthread_mutex_lock(&px->mu);
    px->active--;
    pthread_mutex_unlock(&px->mu);
}

bool egress_rate_take(egress_proxy_t *px)
{
    bool ok = false;
    pthread_mutex_lock(&px->mu);
    uint64_t now = al_mono_us();
    px->tokens += (double)(now - px->refill_us) / 1e6 * px->lim.conn_rate_per_s;
    if (px->tokens > px->lim.conn_burst)
        px->tokens = px->lim.conn_burst;
    px->refill_us = now;
    if (px->tokens >= 1.0) {
        px->tokens -= 1.0;
        ok = true;
    }
    pthread_mutex_unlock(&px->mu);
    return ok;
}

size_t egress_budget_reserve(egress_proxy_t *px, egress_dir_t d, size_t want)
{
    uint64_t max = d == EGRESS_UP ? px->lim.max_bytes_up : px->lim.max_bytes_down;
    pthread_mutex_lock(&px->mu);
    uint64_t left = px->used[d] < max ? max - px->used[d] : 0;
    size_t got = left < want ? (size_t)left : want;
    px->used[d] += got;
    pthread_mutex_unlock(&px->mu);
    return got;
}

void egress_budget_refund(egress_proxy_t *px, egress_dir_t d, size_t n)
{
    pthread_mutex_lock(&px->mu);
    px->used[d] -= n <= px->used[d] ? n : px->used[d];
    pthread_mutex_unlock(&px->mu);
}

bool egress_budget_exhausted(egress_proxy_t *px)
{
    pthread_mutex_lock(&px->mu);
    bool out = px->used[EGRESS_UP] >= px->lim.max_bytes_up ||
               px->used[EGRESS_DOWN] >= px->lim.max_bytes_down;
    pthread_mutex_unlock(&px->mu);
    return out;
}
