/*
 * wire.c: one frame per protocol message, with the routing frame on ROUTERs.
 */
#include "common/wire/wire.h"
#include "common/curve.h"
#include "common/error.h"

#include <string.h>

int wire_send(zsock_t *sock, zframe_t *routing, const proto_msg_t *msg)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = proto_encode(msg, &buf, &len);
    if (rc != AL_OK)
        return rc;
    zmsg_t *zm = zmsg_new();
    if (routing)
        zmsg_append(zm, &(zframe_t *){ zframe_dup(routing) });
    zframe_t *body = zframe_new(buf, len);
    free(buf);
    zmsg_append(zm, &body);
    if (zmsg_send(&zm, sock) != 0) {
        zmsg_destroy(&zm);
        return al_err_set_errno(AL_EIO, "send %s", proto_type_name(msg->type));
    }
    return AL_OK;
}

void wire_peer_clear(wire_peer_t *peer)
{
    if (!peer)
        return;
    zframe_destroy(&peer->routing);
    peer->key[0] = '\0';
    peer->role[0] = '\0';
    peer->tenant[0] = '\0';
    peer->access[0] = '\0';
    peer->drivers[0] = '\0';
    peer->max_slots[0] = '\0';
    peer->labels[0] = '\0';
}

static void s_copy_meta(wire_peer_t *peer, zframe_t *body)
{
    const char *key = curve_peer_key(body);
    const char *role = curve_peer_role(body);
    snprintf(peer->key, sizeof peer->key, "%s", key ? key : "");
    snprintf(peer->role, sizeof peer->role, "%s", role ? role : "");
    const char *tenant = zframe_meta(body, "tenant"), *access = zframe_meta(body, "access");
    snprintf(peer->tenant, sizeof peer->tenant, "%s", tenant ? tenant : "");
    snprintf(peer->access, sizeof peer->access, "%s", access ? access : "");
    const char *drivers = zframe_meta(body, "drivers"), *max_slots = zframe_meta(body, "max_slots");
    const char *labels = zframe_meta(body, "labels");
    snprintf(peer->drivers, sizeof peer->drivers, "%s", drivers ? drivers : "");
    snprintf(peer->max_slots, sizeof peer->max_slots, "%s", max_slots ? max_slots : "");
    snprintf(peer->labels, sizeof peer->labels, "%s", labels ? labels : "");
}

int wire_recv(zsock_t *sock, proto_channel_t ch, int has_routing, wire_peer_t *peer,
              proto_msg_t **out)
{
    *out = NULL;
    memset(peer, 0, sizeof *peer);
    zmsg_t *zm = zmsg_recv(sock);
    if (!zm)
        return al_err_set(AL_EIO, "receive interrupted");
    if (has_routing)
        peer->routing = zmsg_pop(zm);
    int rc = AL_OK;
    if (has_routing && !peer->routing) {
        rc = al_err_set(AL_EPROTO, "message without routing frame");
    } else if (zmsg_size(zm) != 1) {
        rc = al_err_set(AL_EPROTO, "PROTO_ERR_NOT_ENVELOPE: expected 1 body frame, got %zu",
                        zmsg_size(zm));
        zframe_t *first = zmsg_first(zm);
        if (first)
            s_copy_meta(peer, first);
    } else {
        zframe_t *body = zmsg_first(zm);
        s_copy_meta(peer, body);
        rc = proto_decode(ch, zframe_data(body), zframe_size(body), out);
    }
    zmsg_destroy(&zm);
    return rc;
}

const char *wire_routing_hex(zframe_t *routing, char *buf, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = routing ? zframe_size(routing) : 0;
    const uint8_t *d = routing ? zframe_data(routing) : NULL;
    size_t o = 0;
    for (size_t i = 0; i < n && i < 16 && o + 3 <= size; i++) {
        buf[o++] = hex[d[i] >> 4];
        buf[o++] = hex[d[i] & 15];
    }
    if (size)
        buf[o < size ? o : size - 1] = '\0';
    return buf;
}
