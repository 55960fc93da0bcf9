/*
 * client_reply.c: answers on the client channel that every client-facing
 * handler sends (client_api.c, env_api.c, daemon.c for a message that could
 * not be decoded). A leaf below the handlers, so that client_api.c can hand
 * ENV_* requests to env_api.c without env_api.c calling back up into it
 * (issue 16).
 *
 * Owns nothing: each function takes the message it sends and frees it.
 */
#include "orchestrator/airlockd.h"
#include "common/error.h"
#include "common/log.h"

#include <stdio.h>

void client_reply_send(airlockd_t *d, zframe_t *routing, proto_msg_t *m)
{
    if (m && wire_send(d->clients_sock, routing, m) != AL_OK)
        al_debug("client.send_failed", "type=%s", proto_type_name(m->type));
    proto_msg_destroy(&m);
}

void client_reply_error(airlockd_t *d, zframe_t *routing, uint64_t req_id, const char *code,
                        const char *message)
{
    proto_msg_t *m = proto_msg_new(PROTO_C_ERROR);
    if (!m)
        return;
    m->body.c_error.req_id = req_id;
    proto_str_set(&m->body.c_error.code, code);
    char msg[4000];
    snprintf(msg, sizeof msg, "%s", message ? message : "");
    proto_str_set(&m->body.c_error.message, msg);
    client_reply_send(d, routing, m);
}
