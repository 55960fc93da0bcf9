/*
 * worker_caps.c: a HELLO's claim bounded by the worker's certificate
 * (worker_caps.h). Owns only the arrays of the bounded lists.
 */
#include "orchestrator/worker_caps.h"

#include "common/error.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when `item` is one of the comma-separated entries of list. */
static int s_in_list(const char *list, const char *item, size_t n)
{
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, item, n) == 0)
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

static int s_pin_drivers(const wire_peer_t *peer, const proto_w_hello_t *h, worker_caps_t *c)
{
    c->drivers.items = calloc(h->drivers.count + 1, sizeof *c->drivers.items);
    if (!c->drivers.items)
        return al_err_set(AL_ENOMEM, "out of memory");
    for (size_t i = 0; i < h->drivers.count; i++) {
        const char *d = h->drivers.items[i];
        if (!peer->drivers[0] || s_in_list(peer->drivers, d, strlen(d)) ||
            s_in_list(peer->drivers, d, strcspn(d, ":")))
            c->drivers.items[c->drivers.count++] = h->drivers.items[i];
        else
            al_warn("worker.capability_refused", "worker=%s driver=%s allowed=%s", peer->key, d, peer->drivers);
    }
    if (h->drivers.count && !c->drivers.count)
        return al_err_set(AL_EPOLICY, "none of the drivers the worker offers is allowed by its certificate "
                          "(allowed: %s)", peer->drivers);
    return AL_OK;
}

static int s_pin_labels(const wire_peer_t *peer, const proto_w_hello_t *h, worker_caps_t *c)
{
    size_t n = h->labels.count + 1;
    c->labels.keys = calloc(n, sizeof *c->labels.keys);
    c->labels.values = calloc(n, sizeof *c->labels.values);
    if (!c->labels.keys || !c->labels.values)
        return al_err_set(AL_ENOMEM, "out of memory");
    for (size_t i = 0; i < h->labels.count; i++) {
        char pair[600];
        int len = snprintf(pair, sizeof pair, "%s=%s", h->labels.keys[i], h->labels.values[i]);
        if (!peer->labels[0] || (len > 0 && (size_t)len < sizeof pair && s_in_list(peer->labels, pair, (size_t)len))) {
            c->labels.keys[c->labels.count] = h->labels.keys[i];
            c->labels.values[c->labels.count++] = h->labels.values[i];
        } else {
            al_warn("worker.capability_refused", "worker=%s label=%.200s allowed=%s", peer->key, pair, peer->labels);
        }
    }
    return AL_OK;
}

int worker_caps_pin(const wire_peer_t *peer, const proto_w_hello_t *h, worker_caps_t *c)
{
    memset(c, 0, sizeof *c);
    c->slots = h->slots;
    c->pinned = peer->drivers[0] || peer->max_slots[0] || peer->labels[0];
    if (peer->max_slots[0]) {
        char *end = NULL;
        unsigned long long max = strtoull(peer->max_slots, &end, 10);
        if (!end || *end)
            max = 0;   /* unreadable: the safest bound */
        if (c->slots > max) {
            al_warn("worker.capability_refused", "worker=%s slots=%llu max_slots=%llu", peer->key,
                    (unsigned long long)c->slots, max);
            c->slots = max;
        }
    }
    int rc = s_pin_drivers(peer, h, c);
    if (rc == AL_OK)
        rc = s_pin_labels(peer, h, c);
    return rc;
}

void worker_caps_fini(worker_caps_t *c)
{
    free(c->drivers.items);
    free(c->labels.keys);
    free(c->labels.values);
    memset(c, 0, sizeof *c);
}
