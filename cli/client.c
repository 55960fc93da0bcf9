/*
 * client.c: one DEALER per CLI invocation; replies matched on req_id.
 *
 * The endpoint may be a list (several airlockd, one active): a request that
 * gets no answer in timeout_ms is sent again, with the same req_id, over a
 * fresh connection to the next endpoint, until every endpoint was tried once.
 * A WAIT is the exception: its stream is silent while a stage runs, so its
 * caller decides (cli_wait_job asks STATUS, which moves on, then resumes).
 */
#include "cli/client.h"
#include "common/curve.h"
#include "common/endpoints.h"
#include "common/error.h"
#include "common/wire/wire.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

struct client {
    zsock_t *sock;
    zcert_t *cert;
    uint64_t next_req;
    int timeout_ms;
    char key[41];            /* airlockd's public key (Z85) */
    char *endpoints;         /* one endpoint or a comma-separated list */
    unsigned count;          /* entries in endpoints */
    unsigned idx;            /* the entry sock is connected to */
    char endpoint[256];
};

/* A fresh DEALER connected to endpoint entry c->idx. */
static int s_connect(client_t *c)
{
    zsock_destroy(&c->sock);
    int rc = al_endpoints_pick(c->endpoints, c->idx, c->endpoint, sizeof c->endpoint);
    if (rc == AL_OK && !(c->sock = zsock_new(ZMQ_DEALER)))
        rc = al_err_set(AL_EIO, "cannot create a socket");
    if (rc == AL_OK) {
        zsock_set_linger(c->sock, 0);
        zsock_set_maxmsgsize(c->sock, 16 << 20);
        rc = curve_client_apply(c->sock, c->cert, c->key);
    }
    if (rc == AL_OK && zsock_connect(c->sock, "%s", c->endpoint) != 0)
        rc = al_err_set(AL_EIO, "cannot connect to %s", c->endpoint);
    return rc;
}

int client_new(client_t **out, const client_opts_t *o)
{
    *out = NULL;
    client_t *c = calloc(1, sizeof *c);
    if (!c)
        return al_err_set(AL_ENOMEM, "out of memory");
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
    c->next_req = (uint64_t)zclock_time();
    c->endpoints = strdup(o->endpoint ? o->endpoint : "");
    c->count = al_endpoints_count(c->endpoints);
    int rc = c->endpoints ? curve_public_key_resolve(o->server_key, c->key) : AL_ENOMEM;
    if (rc == AL_OK)
        rc = o->cert ? curve_cert_load(o->cert, &c->cert)
                     : al_err_set(AL_ECONFIG, "no client certificate (--cert or AIRLOCK_CERT)");
    if (rc == AL_OK)
        rc = s_connect(c);
    if (rc != AL_OK) {
        client_destroy(&c);
        return rc;
    }
    *out = c;
    return AL_OK;
}

void client_destroy(client_t **c)
{
    if (!c || !*c)
        return;
    zsock_destroy(&(*c)->sock);
    zcert_destroy(&(*c)->cert);
    free((*c)->endpoints);
    free(*c);
    *c = NULL;
}

/* Every client message body starts with req_id (schemas/protocol.json): found
 * through the generated field table, so new messages need nothing here. */
static uint64_t *s_req_id(proto_msg_t *m)
{
    const proto_msg_desc_t *d = proto_type_desc(m->type);
    if (!d || d->channel != PROTO_CH_CLIENT || !d->body || d->body->nfields == 0)
        return NULL;
    const proto_field_desc_t *f = &d->body->fields[0];
    if (strcmp(f->name, "req_id") != 0 || f->kind != PROTO_F_UINT)
        return NULL;
    return (uint64_t *)((char *)&m->body + f->offset);
}

/* One send and the replies to it, until on_reply says done, an ERROR, or
 * timeout_ms without a reply (AL_ETIMEOUT). */
static int s_exchange(client_t *c, proto_msg_t *req, uint64_t id, client_reply_fn on_reply, void *ctx,
                      char error_code[64])
{
    int rc = wire_send(c->sock, NULL, req);
    zpoller_t *poller = rc == AL_OK ? zpoller_new(c->sock, NULL) : NULL;
    while (rc == AL_OK) {
        if (!zpoller_wait(poller, c->timeout_ms)) {
            rc = zpoller_terminated(poller) ? al_err_set(AL_ECANCELLED, "interrupted")
                 : al_err_set(AL_ETIMEOUT, "no answer from airlockd at %s in %d ms (is it running, "
                                           "and is this client's key in its certs_dir?)", c->endpoint,
                              c->timeout_ms);
            break;
        }
        wire_peer_t peer;
        proto_msg_t *reply = NULL;
        rc = wire_recv(c->sock, PROTO_CH_CLIENT, 0, &peer, &reply);
        wire_peer_clear(&peer);
        if (rc != AL_OK)
            break;
        uint64_t *rid = s_req_id(reply);
        if (rid && *rid == id) {
            if (reply->type == PROTO_C_ERROR) {
                if (error_code)
                    snprintf(error_code, 64, "%s", reply->body.c_error.code);
                rc = al_err_set(AL_EINVAL, "%s: %s", reply->body.c_error.code,
                                reply->body.c_error.message);
            } else if (on_reply(ctx, reply)) {
                proto_msg_destroy(&reply);
                break;
            }
        }
        proto_msg_destroy(&reply);
    }
    zpoller_destroy(&poller);
    return rc;
}

int client_call(client_t *c, proto_msg_t *req, client_reply_fn on_reply, void *ctx,
                char error_code[64])
{
    uint64_t *id = s_req_id(req);
    if (!id)
        return al_err_set(AL_EINVAL, "%s is not a client request", proto_type_name(req->type));
    *id = ++c->next_req;
    unsigned tries = (req->type == PROTO_C_WAIT || c->count < 2) ? 1 : c->count;
    int rc = AL_ETIMEOUT;
    for (unsigned t = 0; t < tries; t++) {
        if (t > 0) {   /* no answer: the same request to the next airlockd */
            c->idx = (c->idx + 1) % c->count;
            rc = s_connect(c);
            if (rc != AL_OK)
                break;
        }
        rc = s_exchange(c, req, *id, on_reply, ctx, error_code);
        if (rc != AL_ETIMEOUT)
            break;
    }
    return rc;
}
