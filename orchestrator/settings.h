/*
 * settings.h: airlockd's configuration table (common/config.h) and the
 * validated values the daemon runs with.
 */
#ifndef AIRLOCK_ORCH_SETTINGS_H
#define AIRLOCK_ORCH_SETTINGS_H

#include "common/config.h"

extern const al_config_def_t airlockd_settings[];
extern const size_t airlockd_settings_count;

typedef struct {
    const char *db;              /* libpq conninfo */
    const char *sql_dir;
    const char *worker_endpoint;
    const char *client_endpoint;
    const char *server_cert;     /* airlockd's .key_secret file */
    const char *certs_dir;       /* allowed peers (workers and clients) */
    const char *server_id;
    int heartbeat_ms;
    int standby_poll_ms;         /* standby: how often to try the leader lock */
    int liveness;
    int lease_ms;
    int max_attempts;
    int max_waiters;
    long long max_events_per_task;    /* event caps (sql/0075) */
    long long max_event_mb_per_task;
    int max_environment_mb;
    const char *audit_key;       /* no longer used (airlock-signer): set = refused at start */
    const char *tenant_repos;    /* repository roots per tenant (tenancy.h); "" = none */
    const char *api_endpoint;    /* HTTP API HOST:PORT; "" = off (docs/API.md) */
    const char *api_tokens;
    int api_max_body_kb;
    int api_max_connections;
    int api_keepalive_s;
    const char *github_webhook_secret;
    const char *github_repos;
    const char *github_cache_dir;
    const char *git_credentials;  /* fetching pull requests (webhook intake), as on workers */
    const char *git_remote_allow;
    const char *git_known_hosts;
    const char *git_ca_file;
    int git_allow_http;
} airlockd_settings_t;

/* Fills s from a validated config (strings lent by cfg). */
void airlockd_settings_read(const al_config_t *cfg, airlockd_settings_t *s);

#endif
