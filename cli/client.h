/*
 * client.h: the CLI's connection to airlockd's client endpoint (DEALER, CURVE
 * client) and request/reply by req_id.
 *
 * Ownership: client_new() returns a connection the caller owns
 * (client_destroy). Replies handed to callbacks are owned by the client and
 * freed after the callback returns.
 * Errors: AL_ETIMEOUT (no reply in time: airlockd unreachable, or our key is
 * not allowed — CURVE gives no other sign), AL_EPROTO, AL_EIO.
 */
#ifndef AIRLOCK_CLI_CLIENT_H
#define AIRLOCK_CLI_CLIENT_H

#include "common/proto/proto.h"

typedef struct client client_t;

typedef struct {
    const char *endpoint;      /* airlockd's client endpoint */
    const char *server_key;    /* Z85 text or path of airlockd's .key file */
    const char *cert;          /* our .key_secret file */
    int timeout_ms;            /* per reply */
} client_opts_t;

int client_new(client_t **out, const client_opts_t *opts);
void client_destroy(client_t **c);

/* Sends req (its req_id is set here) and calls on_reply for every reply with
 * that req_id until it returns non-zero (done) or an ERROR arrives (then
 * AL_EINVAL with "CODE: message" in al_err_msg, and *error_code set if given). */
typedef int (*client_reply_fn)(void *ctx, const proto_msg_t *reply);
int client_call(client_t *c, proto_msg_t *req, client_reply_fn on_reply, void *ctx,
                char error_code[64]);

#endif
