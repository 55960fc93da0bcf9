/*
 * api_launch.h: how airlockd starts its HTTP API: the configuration the actor
 * copies at start, and the actor (api_server.c) for zactor_new. The only
 * header of orchestrator/api/ that the daemon uses (orchestrator/api_bridge.c).
 *
 * The actor's pipe, after the start signal, sends "OK" or "ERROR <why>"
 * once; then it takes "EVENTS <task>" (wake that task's event streams) and
 * "$TERM", and it sends "DISPATCH" (run the scheduler) and
 * "CANCEL <worker> <task> <attempt>" (tell that worker to stop).
 */
#ifndef AIRLOCK_ORCH_API_LAUNCH_H
#define AIRLOCK_ORCH_API_LAUNCH_H

#include <czmq.h>
#include <stddef.h>

#include "worker/gitops/gitops.h"

/* What the actor needs, copied at start. */
typedef struct {
    const char *endpoint;        /* "host:port" */
    const char *db;              /* conninfo (its own connection) */
    const char *tokens_file;     /* api_tokens */
    const char *certs_dir;       /* client certificates: identities and tenants */
    const char *server_id;
    size_t max_body;             /* bytes of a request body */
    unsigned max_connections;
    unsigned keepalive_s;        /* SSE comment interval */
    int max_attempts;            /* for submitted jobs */
    const char *github_secret_file;   /* webhook HMAC secret; NULL/"" = webhook off */
    const char *github_repos;         /* repository -> job template mapping file */
    const char *github_cache_dir;     /* mirrors of pull requests' repositories */
    gitops_remote_opts_t remote;      /* fetching them: credentials, allowlist, ... */
    const char *git_ca_file;
    const char *tenant_repos;         /* repository roots per tenant (tenancy.h); "" = none */
} api_config_t;

void api_actor(zsock_t *pipe, void *args);

#endif
