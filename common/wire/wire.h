/*
 * wire.h: sending and receiving protocol messages on ZeroMQ sockets.
 *
 * A message travels as ONE frame holding the msgpack envelope of proto.h; on a
 * ROUTER socket it is preceded by the peer's routing id frame. wire_recv()
 * decodes strictly and reports the authenticated CURVE peer (public key, and
 * role, tenant and access from the certificate metadata), so handlers never touch raw frames.
 *
 * Ownership: wire_send() does not take the message; wire_recv() hands the
 * caller a new message (proto_msg_destroy) and a wire_peer_t whose routing
 * frame the caller releases with wire_peer_clear().
 * Errors: AL_EPROTO for malformed input (the raw bytes are dropped and the
 * reason is in al_err_msg(); the routing id is still returned so a server can
 * answer with ERROR), AL_EIO when the socket fails, AL_EAGAIN when nothing is
 * waiting on a non-blocking receive.
 */
#ifndef AIRLOCK_WIRE_H
#define AIRLOCK_WIRE_H

#include <czmq.h>

#include "common/proto/proto.h"

typedef struct {
    zframe_t *routing;  /* ROUTER peers only; NULL on DEALER */
    char key[48];       /* CURVE public key (Z85) or "" */
    char role[16];      /* certificate role or "" */
    char tenant[260];   /* certificate metadata `tenant` or "" (clients; > 256 bytes is refused) */
    char access[16];    /* certificate metadata `access` or "" (clients: reader, admin) */
    char drivers[256];  /* workers: metadata `drivers`, `max_slots`, `labels` or "" */
    char max_slots[16]; /*   (capabilities pinned by the certificate: orchestrator/worker_caps.h) */
    char labels[512];
} wire_peer_t;

/* Encodes and sends msg; routing (may be NULL) is copied, not consumed.
 * Never blocks on a ROUTER with ROUTER_MANDATORY: an unroutable peer gives AL_EIO. */
int wire_send(zsock_t *sock, zframe_t *routing, const proto_msg_t *msg);

/* Receives one message of channel ch. `has_routing` is 1 on ROUTER sockets. */
int wire_recv(zsock_t *sock, proto_channel_t ch, int has_routing, wire_peer_t *peer,
              proto_msg_t **out);

void wire_peer_clear(wire_peer_t *peer);

/* Routing id as printable hex for logs (at most 2*16 hex chars). */
const char *wire_routing_hex(zframe_t *routing, char *buf, size_t size);

#endif
