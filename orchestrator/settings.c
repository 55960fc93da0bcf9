/*
 * settings.c: every airlockd setting, its default, bounds and help, in one table.
 */
#include "orchestrator/settings.h"

#ifndef AIRLOCK_SQL_DIR
#define AIRLOCK_SQL_DIR "/usr/share/airlock/sql"
#endif

const al_config_def_t airlockd_settings[] = {
    { "db", AL_CFG_STR, NULL, 0, 0, AL_CFG_REQUIRED | AL_CFG_SECRET,
      "PostgreSQL conninfo (may hold a password: never printed)" },
    { "sql_dir", AL_CFG_STR, AIRLOCK_SQL_DIR, 0, 0, 0, "directory of the sql/NNNN_*.sql migrations" },
    { "worker_endpoint", AL_CFG_STR, "tcp://127.0.0.1:7700", 0, 0, 0, "ROUTER endpoint for workers" },
    { "client_endpoint", AL_CFG_STR, "tcp://127.0.0.1:7701", 0, 0, 0, "ROUTER endpoint for clients" },
    { "server_cert", AL_CFG_STR, NULL, 0, 0, AL_CFG_REQUIRED,
      "airlockd's CURVE certificate (the .key_secret file)" },
    { "certs_dir", AL_CFG_STR, NULL, 0, 0, AL_CFG_REQUIRED,
      "directory of allowed worker and client public certificates (remove a file to revoke)" },
    { "server_id", AL_CFG_STR, "airlockd", 0, 0, 0, "name of this airlockd instance" },
    { "standby_poll_ms", AL_CFG_INT, "500", 50, 60000, 0,
      "a standby airlockd (another holds the database's leader lock) tries to take over this often" },
    { "heartbeat_ms", AL_CFG_INT, "1000", 50, 60000, 0, "heartbeat interval" },
    { "liveness", AL_CFG_INT, "3", 2, 100, 0, "missed heartbeats before a worker is dead" },
    { "lease_ms", AL_CFG_INT, "15000", 100, 3600000, 0,
      "task lease, renewed by heartbeats; survives an airlockd restart shorter than it" },
    { "max_attempts", AL_CFG_INT, "3", 1, 100, 0, "attempts per job before sandbox_error" },
    { "max_waiters", AL_CFG_INT, "10000", 1, 1000000, 0, "concurrent WAIT streams" },
    { "max_events_per_task", AL_CFG_INT, "10000", 1, 100000000, 0,
      "events stored per task attempt; beyond, exec/egress/output/... events are counted, not stored, and one "
      "`events.capped` event says so (stage, finding and artifact events are always stored)" },
    { "max_event_mb_per_task", AL_CFG_INT, "64", 1, 65536, 0, "MiB of event data stored per task attempt (as above)" },
    { "max_environment_mb", AL_CFG_INT, "8192", 1, 1048576, 0,
      "largest environment image (compressed root tar) a client may upload, MiB" },
    { "audit_key", AL_CFG_STR, NULL, 0, 0, 0,
      "no longer used: audit checkpoints are signed by airlock-signer (setting it stops airlockd with "
      "that message)" },
    { "tenant_repos", AL_CFG_STR, "", 0, 0, 0,
      "file of `TENANT ROOT [ROOT...]` lines: the repository paths and URL prefixes each tenant's jobs may "
      "name (tenant `*`: every tenant); empty = no restriction (docs/OPERATIONS.md \"Tenants\")" },
    { "log_level", AL_CFG_STR, "info", 0, 0, 0, "debug, info, warn, error" },
    { "log_format", AL_CFG_STR, "text", 0, 0, 0, "text (key=value lines) or json (one object per line)" },
    { "api_endpoint", AL_CFG_STR, "", 0, 0, 0,
      "HTTP API listen address HOST:PORT (e.g. 127.0.0.1:7780, behind a TLS reverse proxy); empty = off" },
    { "api_tokens", AL_CFG_STR, "", 0, 0, 0,
      "HTTP API bearer tokens: lines `NAME SHA256-HEX IDENTITY SCOPES` (see docs/API.md)" },
    { "api_max_body_kb", AL_CFG_INT, "1024", 1, 65536, 0, "largest HTTP request body (413 beyond)" },
    { "api_max_connections", AL_CFG_INT, "256", 1, 65536, 0, "concurrent HTTP connections" },
    { "api_keepalive_s", AL_CFG_INT, "15", 1, 3600, 0, "event streams send a comment this often" },
    { "github_webhook_secret", AL_CFG_STR, "", 0, 0, 0,
      "file holding the GitHub webhook secret (enables POST /v1/github/webhook)" },
    { "github_repos", AL_CFG_STR, "", 0, 0, 0,
      "JSON file mapping GitHub repositories to job templates (see docs/API.md)" },
    { "github_cache_dir", AL_CFG_STR, "/var/lib/airlock/airlockd/github", 0, 0, 0,
      "mirrors of the repositories of pull requests (the webhook intake fetches into them)" },
    { "git_credentials", AL_CFG_STR, "", 0, 0, 0,
      "webhook intake fetches: credentials file, as the worker's git_credentials" },
    { "git_remote_allow", AL_CFG_STR, "", 0, 0, 0, "webhook intake fetches: allowed URL prefixes" },
    { "git_known_hosts", AL_CFG_STR, "", 0, 0, 0, "webhook intake fetches: ssh host keys" },
    { "git_ca_file", AL_CFG_STR, "", 0, 0, 0, "webhook intake fetches: CA bundle for https" },
    { "git_allow_http", AL_CFG_BOOL, "false", 0, 0, 0, "webhook intake fetches: allow plain http://" },
};
const size_t airlockd_settings_count = sizeof airlockd_settings / sizeof airlockd_settings[0];

void airlockd_settings_read(const al_config_t *cfg, airlockd_settings_t *s)
{
    s->db = al_config_str(cfg, "db");
    s->sql_dir = al_config_str(cfg, "sql_dir");
    s->worker_endpoint = al_config_str(cfg, "worker_endpoint");
    s->client_endpoint = al_config_str(cfg, "client_endpoint");
    s->server_cert = al_config_str(cfg, "server_cert");
    s->certs_dir = al_config_str(cfg, "certs_dir");
    s->server_id = al_config_str(cfg, "server_id");
    s->heartbeat_ms = (int)al_config_int(cfg, "heartbeat_ms");
    s->standby_poll_ms = (int)al_config_int(cfg, "standby_poll_ms");
    s->liveness = (int)al_config_int(cfg, "liveness");
    s->lease_ms = (int)al_config_int(cfg, "lease_ms");
    s->max_attempts = (int)al_config_int(cfg, "max_attempts");
    s->max_waiters = (int)al_config_int(cfg, "max_waiters");
    s->max_events_per_task = al_config_int(cfg, "max_events_per_task");
    s->max_event_mb_per_task = al_config_int(cfg, "max_event_mb_per_task");
    s->max_environment_mb = (int)al_config_int(cfg, "max_environment_mb");
    s->audit_key = al_config_str(cfg, "audit_key");
    s->tenant_repos = al_config_str(cfg, "tenant_repos");
    s->api_endpoint = al_config_str(cfg, "api_endpoint");
    s->api_tokens = al_config_str(cfg, "api_tokens");
    s->api_max_body_kb = (int)al_config_int(cfg, "api_max_body_kb");
    s->api_max_connections = (int)al_config_int(cfg, "api_max_connections");
    s->api_keepalive_s = (int)al_config_int(cfg, "api_keepalive_s");
    s->github_webhook_secret = al_config_str(cfg, "github_webhook_secret");
    s->github_repos = al_config_str(cfg, "github_repos");
    s->github_cache_dir = al_config_str(cfg, "github_cache_dir");
    s->git_credentials = al_config_str(cfg, "git_credentials");
    s->git_remote_allow = al_config_str(cfg, "git_remote_allow");
    s->git_known_hosts = al_config_str(cfg, "git_known_hosts");
    s->git_ca_file = al_config_str(cfg, "git_ca_file");
    s->git_allow_http = al_config_bool(cfg, "git_allow_http");
}
