/*
 * api_fixture.h: airlockd with its HTTP API on a loopback port, around a real
 * cluster (tests/support/cluster.c: private PostgreSQL, airlockd,
 * a host-driver worker), plus client identities with tenants and bearer
 * tokens for them, and a JSON config for the Python HTTP client
 * (api_client.py) that drives the API with http.client.
 *
 * Identities (client certificates in airlockd's certs_dir): bot and reader
 * (tenant acme), other (tenant beta), auditor (tenant ops, access reader).
 * Tokens: bot (submit,read,cancel), reader (read), other (submit,read,cancel),
 * metrics (metrics), revoked (an identity whose certificate does not exist),
 * auditor (read,cancel).
 *
 * Ownership: api_fx_start() returns a fixture api_fx_stop() frees (stopping
 * the cluster and removing its directory).
 */
#ifndef AIRLOCK_TEST_API_FIXTURE_H
#define AIRLOCK_TEST_API_FIXTURE_H

#include "cluster.h"

typedef struct {
    cluster_t *c;
    int port;
    char config[512];            /* JSON for api_client.py */
    char dir[256];               /* the cluster's directory */
} api_fx_t;

/* extra_env: "KEY=VALUE" settings for airlockd (AIRLOCK_...), NULL-terminated; may be NULL. */
int api_fx_start(api_fx_t **out, const char *const *extra_env);
void api_fx_stop(api_fx_t **p);

/* Adds member `key` (JSON text) to the client's config. */
int api_fx_config_set(api_fx_t *fx, const char *key, const char *json_value);

/* Runs `python3 <script> <config> <args...>` from tests/integration/api; its exit code. */
int api_fx_py(api_fx_t *fx, const char *script, const char *const *args);

#endif
