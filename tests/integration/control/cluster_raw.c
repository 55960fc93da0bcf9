/*
 * cluster_raw.c: raw CurveZMQ peers of a test cluster (tests that speak the
 * protocol themselves: malformed frames, a worker reporting on an attempt it
 * does not hold, event floods). Separate from cluster.c so that tests of
 * other folders need not link the wire codec.
 */
#include "cluster_raw.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/wire/wire.h"

#include <stdio.h>

zsock_t *cluster_raw(cluster_t *c, const char *cert_name, const char *endpoint_kind)
{
    char path[400], key_path[400], ep[128] = "";
    snprintf(path, sizeof path, "%s/%s.key_secret", cluster_dir(c), cert_name);
    snprintf(key_path, sizeof key_path, "%s/airlockd.key", cluster_dir(c));
    zcert_t *own = NULL, *server = NULL;
    zsock_t *s = NULL;
    if (curve_cert_load(path, &own) != AL_OK || curve_cert_load(key_path, &server) != AL_OK)
        goto done;
    snprintf(path, sizeof path, "%s/%s.endpoint", cluster_dir(c), endpoint_kind);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(ep, sizeof ep, f)) {
        if (f)
            fclose(f);
        goto done;
    }
    fclose(f);
    s = zsock_new(ZMQ_DEALER);
    if (s && (curve_client_apply(s, own, zcert_public_txt(server)) != AL_OK || zsock_connect(s, "%s", ep) != 0))
        zsock_destroy(&s);
done:
    zcert_destroy(&own);
    zcert_destroy(&server);
    return s;
}

proto_msg_t *cluster_reply(zsock_t *s, int channel, int timeout_ms)
{
    zpoller_t *p = zpoller_new(s, NULL);
    proto_msg_t *m = NULL;
    if (p && zpoller_wait(p, timeout_ms)) {
        wire_peer_t peer;
        wire_recv(s, (proto_channel_t)channel, 0, &peer, &m);
        wire_peer_clear(&peer);
    }
    zpoller_destroy(&p);
    return m;
}

