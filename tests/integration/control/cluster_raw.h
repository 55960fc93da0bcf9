/*
 * cluster_raw.h: raw CurveZMQ peers of a test cluster (cluster_raw.c; links
 * airlock_wire): tests that speak the protocol themselves.
 */
#ifndef AIRLOCK_TEST_CLUSTER_RAW_H
#define AIRLOCK_TEST_CLUSTER_RAW_H

#include <czmq.h>

#include "cluster.h"
#include "common/proto/proto.h"

/* A raw CURVE DEALER with certificate <dir>/<cert_name>.key_secret connected
 * to airlockd's "worker" or "client" endpoint (tests that speak the protocol
 * themselves). NULL when it cannot be made. */
zsock_t *cluster_raw(cluster_t *c, const char *cert_name, const char *endpoint_kind);
/* The next message on s of `channel` (PROTO_CH_*), NULL after timeout_ms. */
proto_msg_t *cluster_reply(zsock_t *s, int channel, int timeout_ms);
#endif
