/*
 * client.c: one DEALER per CLI invocation; replies matched on req_id.
 */
#include "cli/client.h"
#include "common/curve.h"
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
};

int client_new(client_t **out, const client_opts_t *o)
{
    *out = NULL;
    client_t *c = calloc(1, sizeof *c);
    if (!c)
        return al_err_set(AL_ENOMEM, "out of memory");
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
    c->next_req = (uint64_t)zclock_time();
    char key[41];
    int rc = curve_public_key_resolve(o->server_key, key);
    if (rc == AL_OK)
        rc = o->cert ? curve_cert_load(o->cert, &c->cert)
                     : al_err_set(AL_ECONFIG, "no client certificate (--cert or AIRLOCK_CERT)");
    if (rc == AL_OK && !(c->sock = zsock_new(ZMQ_DEALER)))
        rc = al_err_set(AL_EIO, "cannot create a socket");
    if (rc == AL_OK) {
        zsock_set_linger(c->sock, 0);
        zsock_set_maxmsgsize(c->sock, 16 << 20);
        rc = curve_client_apply(c->sock, c->cert, key);
    }
    if (rc == AL_OK && zsock_connect(c->sock, "%s", o->endpoint) != 0)
        rc = al_err_set(AL_EIO, "cannot connect to %s", o->endpoint);
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
    free(*c);
    *c = NULL;
}

/* Every client request body starts with req_id (see schemas/protocol.json). */
static uint64_t *s_req_id(proto_msg_t *m)
{
    switch (m->type) {
    case PROTO_C_SUBMIT: return &m->body.c_submit.req_id;
    case PROTO_C_STATUS: return &m->body.c_status.req_id;
    case PROTO_C_WAIT: return &m->body.c_wait.req_id;
    case PROTO_C_CANCEL: return &m->body.c_cancel.req_id;
    case PROTO_C_LIST: return &m->body.c_list.req_id;
    case PROTO_C_WORKERS: return &m->body.c_workers.req_id;
    case PROTO_C_ACCEPTED: return &m->body.c_accepted.req_id;
    case PROTO_C_STATUS_REPLY: return &m->body.c_status_reply.req_id;
    case PROTO_C_EVENT: return &m->body.c_event.req_id;
    case PROTO_C_RESULT: return &m->body.c_result.req_id;
    case PROTO_C_LIST_REPLY: return &m->body.c_list_reply.req_id;
    case PROTO_C_WORKERS_REPLY: return &m->body.c_workers_reply.req_id;
    case PROTO_C_ERROR: return &m->body.c_error.req_id;
    default: return NULL;
    }
}

int client_call(client_t *c, proto_msg_t *req, client_reply_fn on_reply, void *ctx,
                char error_code[64])
{
    uint64_t *id = s_req_id(req);
    if (!id)
        return al_err_set(AL_EINVAL, "%s is not a client request", proto_type_name(req->type));
    *id = ++c->next_req;
    int rc = wire_send(c->sock, NULL, req);
    zpoller_t *poller = rc == AL_OK ? zpoller_new(c->sock, NULL) : NULL;
    while (rc == AL_OK) {
        if (!zpoller_wait(poller, c->timeout_ms)) {
            rc = zpoller_terminated(poller) ? al_err_set(AL_ECANCELLED, "interrupted")
                 : al_err_set(AL_ETIMEOUT, "no answer from airlockd in %d ms (is it running, "
                                           "and is this client's key in its certs_dir?)", c->timeout_ms);
            break;
        }
        wire_peer_t peer;
        proto_msg_t *reply = NULL;
        rc = wire_recv(c->sock, PROTO_CH_CLIENT, 0, &peer, &reply);
        wire_peer_clear(&peer);
        if (rc != AL_OK)
            break;
        uint64_t *rid = s_req_id(reply);
        if (rid && *rid == *id) {
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
