/*
 * settings.c: every airlock-worker setting in one table (the sandbox
 * drivers' own knobs come from worker/sandbox/sandbox_knobs.h).
 */
#include "worker/settings.h"
#include "worker/sandbox/sandbox_knobs.h"

#ifndef AIRLOCK_PLUGIN_DIR
#define AIRLOCK_PLUGIN_DIR "/usr/lib/airlock/plugins"
#endif

const al_config_def_t worker_settings[] = {
    { "server_endpoint", AL_CFG_STR, "tcp://127.0.0.1:7700", 0, 0, 0, "airlockd's worker endpoint, or a comma-separated list (several airlockd, one active: the worker moves to the next when its airlockd goes silent)" },
    { "server_key", AL_CFG_STR, NULL, 0, 0, AL_CFG_REQUIRED,
      "airlockd's public key: 40 Z85 characters or the path of its .key file" },
    { "cert", AL_CFG_STR, NULL, 0, 0, AL_CFG_REQUIRED, "this worker's certificate (.key_secret file)" },
    { "name", AL_CFG_STR, NULL, 0, 0, 0, "worker name (default: host name)" },
    { "slots", AL_CFG_INT, "2", 1, 256, 0, "tasks run at the same time" },
    { "drivers", AL_CFG_STR, "auto", 0, 0, 0,
      "sandbox drivers offered, preferred first (microvm,gvisor,ns,host) or auto (every usable one, "
      "in the order of auto_drivers)" },
    { "auto_drivers", AL_CFG_STR, "microvm:kvm,gvisor,microvm:tcg,ns", 0, 0, 0,
      "the preference order of drivers = auto: driver names, microvm:kvm / microvm:tcg for a microVM "
      "only with / without a usable KVM; the usable ones are offered, each once" },
    { "labels", AL_CFG_STR, "", 0, 0, 0, "worker labels, k=v,k=v (jobs may require them)" },
    { "state_dir", AL_CFG_STR, "/var/lib/airlock/worker", 0, 0, 0, "task directories go below it" },
    { "mirror_dir", AL_CFG_STR, NULL, 0, 0, 0, "git mirror cache (default: <state_dir>/mirrors)" },
    { "cache_dir", AL_CFG_STR, NULL, 0, 0, 0, "deprecated name of mirror_dir (warns; mirror_dir wins)" },
    { "base_dir", AL_CFG_STR, NULL, 0, 0, 0,
      "shared read-only base trees of layered workspaces, one per base tree (default: <state_dir>/bases)" },
    { "layered_workspaces", AL_CFG_BOOL, "true", 0, 0, 0,
      "ns and gvisor jobs work in an overlay over a shared base tree instead of copies (docs/WORKSPACE.md)" },
    { "base_cache_max", AL_CFG_INT, "8", 1, 4096, 0,
      "base trees kept in base_dir (least recently used ones nobody uses go first)" },
    { "plugins_dir", AL_CFG_STR, AIRLOCK_PLUGIN_DIR, 0, 0, 0, "analyzer plugins, <name>.so" },
    { "analyzer_host", AL_CFG_STR, NULL, 0, 0, 0,
      "airlock-analyzer, the program each analyzer runs in (default: the build tree's)" },
    { "env_dir", AL_CFG_STR, NULL, 0, 0, 0,
      "job environments cache: verified roots by digest (default: <state_dir>/environments)" },
    { "env_cache_mb", AL_CFG_INT, "20480", 64, 16777216, 0,
      "size bound of env_dir, MiB (least recently used environments go first)" },
    { "env_fetch_timeout_ms", AL_CFG_INT, "60000", 1000, 3600000, 0,
      "wait this long for each chunk of an environment image from airlockd" },
    { "heartbeat_ms", AL_CFG_INT, "1000", 50, 60000, 0, "heartbeat interval until airlockd sets it" },
    { "liveness", AL_CFG_INT, "3", 2, 100, 0, "silent heartbeats before reconnecting" },
    { "pool_size", AL_CFG_INT, "-1", -1, 64, 0,
      "microVMs kept ready per flavor (driver, environment, limits; no network): -1 = 2 x slots (a task "
      "takes two in a row: run, then test), 0 = no pool" },
    { "pool_flavors", AL_CFG_INT, "2", 1, 32, 0,
      "flavors with ready microVMs at once (the least recently used one idles when another needs room)" },
    { "pool_memory_mb", AL_CFG_INT, "2048", 0, 16777216, 0,
      "budget for ready microVMs: their memory limits summed, MiB" },
    { "stage_overlap", AL_CFG_BOOL, "true", 0, 0, 0,
      "make the test stage's sandbox while the run stage works (a task then holds two sandboxes at once)" },
    { "drain_timeout_s", AL_CFG_INT, "600", 1, 86400, 0,
      "on SIGTERM: wait this long for running tasks, then cancel them" },
    { "insecure_host_driver", AL_CFG_BOOL, "false", 0, 0, 0,
      "offer the host driver, which has NO isolation (development only)" },
    { "egress_resolve", AL_CFG_STR, "", 0, 0, 0,
      "egress resolver overrides host=ip[:port],... (tests and the demo)" },
    { "egress_allow_private", AL_CFG_BOOL, "false", 0, 0, 0,
      "let the egress proxy reach private and loopback addresses" },
    { "git_credentials", AL_CFG_STR, "", 0, 0, 0,
      "remote repositories: file of `URL-PREFIX basic USER PASSWORD_FILE` and "
      "`URL-PREFIX sshkey USER KEY_FILE [PUB_FILE]` lines (secrets stay in their 0600 files)" },
    { "git_remote_allow", AL_CFG_STR, "", 0, 0, 0,
      "URL prefixes jobs may fetch remote repositories from, comma-separated (empty: any host)" },
    { "git_allow_http", AL_CFG_BOOL, "false", 0, 0, 0, "allow plain http:// repository URLs" },
    { "git_known_hosts", AL_CFG_STR, "", 0, 0, 0,
      "OpenSSH known_hosts file with the host keys of ssh:// servers (ssh needs it)" },
    { "git_ca_file", AL_CFG_STR, "", 0, 0, 0, "CA bundle for https:// servers (empty: libgit2's default)" },
    { "git_fetch_max_mb", AL_CFG_INT, "2048", 1, 1048576, 0, "a fetch receiving more is aborted" },
    { "max_memory_mb", AL_CFG_INT, "8192", 64, 65536, 0,
      "a job whose policy.limits.memory_mb is above this is refused (sandbox_error)" },
    { "max_disk_mb", AL_CFG_INT, "16384", 16, 1048576, 0,
      "a job whose policy.limits.disk_mb is above this is refused (sandbox_error)" },
    { "max_timeout_s", AL_CFG_INT, "86400", 1, 86400, 0,
      "a job whose policy.limits.timeout_s (per stage) is above this is refused (sandbox_error)" },
    { "log_level", AL_CFG_STR, "info", 0, 0, 0, "debug, info, warn, error" },
    { "log_format", AL_CFG_STR, "text", 0, 0, 0, "text (key=value lines) or json (one object per line)" },
    SANDBOX_KNOB_DEFS,
};
const size_t worker_settings_count = sizeof worker_settings / sizeof worker_settings[0];
