/*
 * event.c: the one record of each egress attempt, a leaf below the proxy and
 * its connections: a log line (info when allowed, warn when refused) and the
 * owner's on_event callback, calls serialized by px->ev_mu so the owner sees
 * one event at a time. Owns nothing; the event lends the connection's strings.
 */
#include "worker/egress/egress_priv.h"

#include "common/log.h"

#include <inttypes.h>

void egress_event_emit(egress_proxy_t *px, const egress_conn_t *c)
{
    const egress_head_t *h = &c->head;
    egress_event_t ev = {
        .task_id = px->task_id, .method = h->method, .host = h->host, .port = h->port,
        .allowed = c->allowed, .reason = c->reason ? c->reason : "bad_request",
        .status = c->status, .bytes_up = c->bytes[EGRESS_UP],
        .bytes_down = c->bytes[EGRESS_DOWN], .ts_ms = c->ts_ms,
    };
    char qm[40], qh[300];
    al_log(ev.allowed ? AL_LOG_INFO : AL_LOG_WARN, "egress.attempt",
           "task=%s method=%s host=%s port=%u allowed=%d reason=%s status=%d up=%" PRIu64
           " down=%" PRIu64, px->task_id, al_log_quote(qm, sizeof qm, ev.method),
           al_log_quote(qh, sizeof qh, ev.host), ev.port, ev.allowed, ev.reason, ev.status,
           ev.bytes_up, ev.bytes_down);
    if (!px->on_event)
        return;
    pthread_mutex_lock(&px->ev_mu);
    px->on_event(px->event_ctx, &ev);
    pthread_mutex_unlock(&px->ev_mu);
}
