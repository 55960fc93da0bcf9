/*
 * main.c: airlock-worker. Reads its settings, decides which sandbox drivers it
 * offers, starts the link actor (connection, heartbeats, tasks) and waits for
 * SIGTERM/SIGINT: the first one drains (no new tasks, running ones finish,
 * results acknowledged, BYE), a second one stops at once.
 */
#include "worker/link.h"
#include "worker/pipeline.h"
#include "worker/sandbox_pools.h"
#include "worker/settings.h"
#include "worker/sandbox/sandbox_knobs.h"
#include "worker/sandbox/sandbox.h"
#include "worker/gitops/gitops.h"
#include "common/args.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DRIVERS 4
#define MAX_RESOLVE 32

typedef struct {
    al_config_t *cfg;
    zcert_t *cert;
    char server_key[41];
    char name[129];
    char state_dir[PATH_MAX], cache_dir[PATH_MAX], base_dir[PATH_MAX];
    const char *drivers[MAX_DRIVERS];
    size_t n_drivers;
    char drivers_csv[64];         /* the drivers as one string, for the start log line */
    char accel[40];               /* each driver's acceleration, in the order of drivers */
    unsigned char token_key[32];
    egress_resolve_t resolve[MAX_RESOLVE];
    size_t n_resolve;
    char *resolve_text;
    char env_dir[PATH_MAX];
    env_fetcher_t *fetcher;       /* environment images from airlockd */
    env_cache_t *envs;
    gitops_remote_t *remote;
} worker_t;

/* The warm microVM pools (sandbox_pools.h) when a microvm driver is offered
 * and pool_size is not 0; NULL otherwise (every sandbox is then created). */
static sandbox_pools_t *s_pools_new(const worker_t *w)
{
    int64_t size = al_config_int(w->cfg, "pool_size");
    if (size < 0)   /* a task takes two sandboxes in a row (run, then test) */
        size = 2 * al_config_int(w->cfg, "slots");
    int microvm = 0;
    for (size_t i = 0; i < w->n_drivers; i++)
        microvm |= strcmp(w->drivers[i], "microvm") == 0;
    if (!microvm || size == 0)
        return NULL;
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s/pool", w->state_dir) >= (int)sizeof dir) {
        al_warn("worker.pool.off", "msg=\"state_dir is too long\"");
        return NULL;
    }
    if (gitops_dir_remove(dir) != AL_OK)   /* what a worker killed before left */
        al_warn("worker.pool.stale", "dir=%s msg=\"%s\"", dir, al_err_msg());
    sandbox_pools_config_t c = { .per_flavor = (unsigned)size,
                                 .flavors = (unsigned)al_config_int(w->cfg, "pool_flavors"),
                                 .memory_mb = (unsigned)al_config_int(w->cfg, "pool_memory_mb"),
                                 .state_dir = dir };
    sandbox_pools_t *pools = sandbox_pools_new(&c);
    if (!pools)
        al_warn("worker.pool.off", "msg=\"%s\"", al_err_msg());
    return pools;
}

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: airlock-worker [-c FILE] [--set KEY=VALUE]... [--insecure-host-driver]\n"
            "                      [--print-config] [--version]\n"
            "\n"
            "Runs Airlock tasks in fresh sandboxes (microvm, gvisor, ns) for airlockd. SIGTERM drains:\n"
            "running tasks finish, no new ones start, then the worker says BYE and exits.\n"
            "\n"
            "settings (file `key = value`, env AIRLOCK_<KEY>, or --set):\n");
    al_config_print_help(worker_settings, worker_settings_count, out);
}

static int s_server_key(worker_t *w)
{
    return curve_public_key_resolve(al_config_str(w->cfg, "server_key"), w->server_key);
}

static int s_add_driver(worker_t *w, const char *d, int required)
{
    static const char *const known[] = { "microvm", "gvisor", "ns", "host" };
    const char *name = NULL;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        name = strcmp(known[i], d) == 0 ? known[i] : name;
    if (!name)
        return al_err_set(AL_ECONFIG, "unknown sandbox driver '%s' (microvm, gvisor, ns, host)", d);
    for (size_t i = 0; i < w->n_drivers; i++) {
        if (w->drivers[i] == name)
            return AL_OK;   /* offered once */
    }
    if (!sandbox_driver_available(d)) {
        if (required)
            return al_err_wrap(AL_ECONFIG, "driver %s is not usable here", d);
        al_info("worker.driver_unavailable", "driver=%s reason=\"%s\"", d, al_err_msg());
        return AL_OK;
    }
    if (w->n_drivers < MAX_DRIVERS)
        w->drivers[w->n_drivers++] = name;
    return AL_OK;
}

/* drivers = auto: auto_drivers in order; microvm:kvm / microvm:tcg take the
 * microVM only when KVM is / is not usable. */
static int s_auto(worker_t *w)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s", al_config_str(w->cfg, "auto_drivers"));
    int rc = AL_OK;
    for (char *save = NULL, *d = strtok_r(copy, ",", &save); d && rc == AL_OK; d = strtok_r(NULL, ",", &save)) {
        char *accel = strchr(d, ':');
        if (accel)
            *accel++ = '\0';
        if (accel && (strcmp(d, "microvm") != 0 || (strcmp(accel, "kvm") != 0 && strcmp(accel, "tcg") != 0)))
            return al_err_set(AL_ECONFIG, "auto_drivers: '%s:%s' is not microvm:kvm or microvm:tcg", d, accel);
        if (accel && sandbox_driver_available(d) && strcmp(accel, sandbox_driver_accel(d)) != 0)
            continue;   /* the other kind of microVM than this host has */
        rc = s_add_driver(w, d, 0);
    }
    if (rc == AL_OK && al_config_bool(w->cfg, "insecure_host_driver"))
        rc = s_add_driver(w, "host", 0);
    return rc;
}

static int s_drivers(worker_t *w)
{
    if (al_config_bool(w->cfg, "insecure_host_driver")) {
        sandbox_host_driver_enable();
        al_warn("worker.insecure", "driver=host isolation=none reason=\"--insecure-host-driver\"");
    }
    const char *spec = al_config_str(w->cfg, "drivers");
    int rc = AL_OK;
    if (strcmp(spec, "auto") == 0) {
        rc = s_auto(w);
    } else {
        char copy[128];
        snprintf(copy, sizeof copy, "%s", spec);
        for (char *save = NULL, *d = strtok_r(copy, ",", &save); d && rc == AL_OK;
             d = strtok_r(NULL, ",", &save))
            rc = s_add_driver(w, d, 1);
    }
    if (rc == AL_OK && w->n_drivers == 0)
        rc = al_err_set(AL_ECONFIG, "no usable sandbox driver (drivers = %s)", spec);
    /* airlockd matches a job's policy.min_isolation against each driver's acceleration */
    for (size_t i = 0; i < w->n_drivers; i++) {
        snprintf(w->drivers_csv + strlen(w->drivers_csv), sizeof w->drivers_csv - strlen(w->drivers_csv),
                 "%s%s", i ? "," : "", w->drivers[i]);
        snprintf(w->accel + strlen(w->accel), sizeof w->accel - strlen(w->accel), "%s%s", i ? "," : "",
                 sandbox_driver_accel(w->drivers[i]));
    }
    return rc;
}

/* host=ip[:port],... -> resolver overrides for the egress proxy. */
static int s_resolve(worker_t *w)
{
    w->resolve_text = strdup(al_config_str(w->cfg, "egress_resolve"));
    if (!w->resolve_text)
        return AL_ENOMEM;
    for (char *save = NULL, *e = strtok_r(w->resolve_text, ",", &save); e;
         e = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(e, '=');
        if (!eq || w->n_resolve == MAX_RESOLVE)
            return al_err_set(AL_ECONFIG, "egress_resolve: '%s' is not host=ip[:port]", e);
        *eq = '\0';
        char *colon = strrchr(eq + 1, ':');
        egress_resolve_t *r = &w->resolve[w->n_resolve++];
        r->host = e;
        r->ip = eq + 1;
        if (colon) {
            *colon = '\0';
            r->port = (uint16_t)atoi(colon + 1);
        }
    }
    return AL_OK;
}

/* mkdir -p with mode 0700 for what it creates. */
static int s_mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return al_err_set(AL_ECONFIG, "path too long: %s", path);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return al_err_set_errno(AL_ECONFIG, "cannot create %s", buf);
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return AL_OK;
}

static int s_dirs(worker_t *w)
{
    snprintf(w->state_dir, sizeof w->state_dir, "%s", al_config_str(w->cfg, "state_dir"));
    const char *cache = al_config_str(w->cfg, "mirror_dir");
    const char *old = al_config_str(w->cfg, "cache_dir");
    if (old && *old)
        al_warn("worker.settings", "deprecated=cache_dir use=mirror_dir%s", cache && *cache ? " ignored=cache_dir" : "");
    if (!(cache && *cache))
        cache = old;
    if (cache && *cache)
        snprintf(w->cache_dir, sizeof w->cache_dir, "%s", cache);
    else if (snprintf(w->cache_dir, sizeof w->cache_dir, "%s/mirrors", w->state_dir) >=
             (int)sizeof w->cache_dir)
        return al_err_set(AL_ECONFIG, "state_dir is too long");
    const char *env = al_config_str(w->cfg, "env_dir");
    if (env && *env)
        snprintf(w->env_dir, sizeof w->env_dir, "%s", env);
    else if (snprintf(w->env_dir, sizeof w->env_dir, "%s/environments", w->state_dir) >= (int)sizeof w->env_dir)
        return al_err_set(AL_ECONFIG, "state_dir is too long");
    const char *bases = al_config_str(w->cfg, "base_dir");
    if (bases && *bases)
        snprintf(w->base_dir, sizeof w->base_dir, "%s", bases);
    else if (snprintf(w->base_dir, sizeof w->base_dir, "%s/bases", w->state_dir) >= (int)sizeof w->base_dir)
        return al_err_set(AL_ECONFIG, "state_dir is too long");
    int rc = s_mkdir_p(w->state_dir);
    char tasks[PATH_MAX + 8];
    snprintf(tasks, sizeof tasks, "%s/t", w->state_dir);
    if (rc == AL_OK && gitops_layer_sweep(tasks) < 0)   /* layered workspaces a crash left mounted */
        al_warn("worker.layer_sweep", "dir=%s msg=\"%s\"", tasks, al_err_msg());
    if (rc == AL_OK)
        rc = s_mkdir_p(w->cache_dir);
    return rc == AL_OK ? s_mkdir_p(w->env_dir) : rc;
}

static int s_fetch(void *ctx, const char *digest, int fd, env_fetch_meta_t *meta)
{
    return env_fetcher_get(ctx, digest, fd, meta);
}

/* Environment images reach this worker from airlockd, over their own connection. */
static int s_envs(worker_t *w)
{
    int rc = env_fetcher_new(&w->fetcher, al_config_str(w->cfg, "server_endpoint"), w->cert, w->server_key,
                             (int)al_config_int(w->cfg, "env_fetch_timeout_ms"));
    if (rc == AL_OK)
        rc = env_cache_new(&w->envs, w->env_dir, (uint64_t)al_config_int(w->cfg, "env_cache_mb") << 20, s_fetch,
                           w->fetcher);
    return rc;
}

/* Rules and credentials for remote repositories (docs/WORKSPACE.md). */
static int s_remote(worker_t *w)
{
    gitops_remote_opts_t o = GITOPS_REMOTE_OPTS_INIT;
    o.credentials_file = al_config_str(w->cfg, "git_credentials");
    o.allow = al_config_str(w->cfg, "git_remote_allow");
    o.known_hosts = al_config_str(w->cfg, "git_known_hosts");
    o.allow_http = al_config_bool(w->cfg, "git_allow_http");
    o.max_fetch_bytes = (uint64_t)al_config_int(w->cfg, "git_fetch_max_mb") << 20;
    int rc = gitops_remote_set_ca_file(al_config_str(w->cfg, "git_ca_file"));
    return rc == AL_OK ? gitops_remote_new(&w->remote, &o) : rc;
}

static int s_setup(worker_t *w)
{
    const char *name = al_config_str(w->cfg, "name");
    if (name && *name)
        snprintf(w->name, sizeof w->name, "%s", name);
    else if (gethostname(w->name, sizeof w->name - 1) != 0)
        snprintf(w->name, sizeof w->name, "worker");
    int rc = curve_cert_load(al_config_str(w->cfg, "cert"), &w->cert);
    if (rc == AL_OK)
        rc = s_server_key(w);
    if (rc == AL_OK)
        rc = s_dirs(w);
    if (rc == AL_OK)
        rc = s_resolve(w);
    if (rc == AL_OK)
        rc = s_envs(w);
    if (rc == AL_OK && RAND_bytes(w->token_key, sizeof w->token_key) != 1)
        rc = al_err_set(AL_ECRYPTO, "no randomness for the egress token key");
    if (rc == AL_OK && gitops_init() != AL_OK)
        rc = al_err_wrap(AL_EGIT, "libgit2");
    if (rc == AL_OK)
        rc = s_remote(w);
    if (rc == AL_OK)
        rc = s_drivers(w);
    return rc;
}

/* Waits for signals (blocked in every thread, taken here) and the link's end. */
static int s_wait(zactor_t *link)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int draining = 0;
    zpoller_t *poller = zpoller_new(link, NULL);
    zpoller_set_nonstop(poller, true);
    for (;;) {
        struct timespec ts = { 0, 200 * 1000 * 1000 };
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig > 0 && !draining) {
            al_info("worker.signal", "signal=%d action=drain", sig);
            zstr_send(link, "DRAIN");
            draining = 1;
        } else if (sig > 0) {
            al_warn("worker.signal", "signal=%d action=stop", sig);
            break;
        }
        if (zpoller_wait(poller, 0) == link) {
            zsock_wait(link);
            break;
        }
    }
    zpoller_destroy(&poller);
    return draining ? 0 : 1;
}

int main(int argc, char **argv)
{
    static const al_args_flag_t flags[] = { { "insecure-host-driver", "insecure_host_driver" } };
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);   /* inherited by every thread we start */
    signal(SIGPIPE, SIG_IGN);
    zsys_handler_set(NULL);
    worker_t w;
    memset(&w, 0, sizeof w);
    w.cfg = al_config_new(worker_settings, worker_settings_count);
    int exit_code = w.cfg ? al_args_parse(w.cfg, argc, argv, "airlock-worker", flags, 1, s_usage) : 1;
    if (exit_code < 0 && al_args_log_init(w.cfg, "airlock-worker") != AL_OK) {
        fprintf(stderr, "airlock-worker: %s\n", al_err_msg());
        exit_code = 2;
    }
    if (exit_code >= 0) {
        al_config_destroy(&w.cfg);
        return exit_code;
    }
    zsys_init();
    zsys_set_logstream(NULL);
    sandbox_knobs_use(w.cfg);
    int rc = s_setup(&w);
    if (rc != AL_OK) {
        fprintf(stderr, "airlock-worker: %s\n", al_err_msg());
        env_cache_destroy(&w.envs);
        env_fetcher_destroy(&w.fetcher);
        zcert_destroy(&w.cert);
        free(w.resolve_text);
        gitops_remote_destroy(&w.remote);
        al_config_destroy(&w.cfg);
        return 2;
    }
    char version[64];
    snprintf(version, sizeof version, "airlock-worker %s", al_version());
    pipeline_config_t pcfg = {
        .drivers = w.drivers, .n_drivers = w.n_drivers, .cache_dir = w.cache_dir,
        .bases_dir = al_config_bool(w.cfg, "layered_workspaces") ? w.base_dir : NULL,
        .max_bases = (unsigned)al_config_int(w.cfg, "base_cache_max"),
        .plugins_dir = al_config_str(w.cfg, "plugins_dir"), .analyzer_host = al_config_str(w.cfg, "analyzer_host"),
        .token_key = w.token_key,
        .token_key_len = sizeof w.token_key, .resolve = w.resolve, .n_resolve = w.n_resolve,
        .egress_allow_private = al_config_bool(w.cfg, "egress_allow_private"), .envs = w.envs,
        .remote = w.remote, .pools = s_pools_new(&w), .stage_overlap = al_config_bool(w.cfg, "stage_overlap"),
        .max_memory_mb = al_config_int(w.cfg, "max_memory_mb"),
        .max_disk_mb = al_config_int(w.cfg, "max_disk_mb"), .max_timeout_s = al_config_int(w.cfg, "max_timeout_s"),
    };
    link_config_t lcfg = {
        .endpoint = al_config_str(w.cfg, "server_endpoint"), .server_key = w.server_key,
        .cert = w.cert, .name = w.name, .slots = (unsigned)al_config_int(w.cfg, "slots"),
        .drivers = w.drivers, .n_drivers = w.n_drivers, .accel = w.accel, .labels = al_config_str(w.cfg, "labels"),
        .version = version, .state_dir = w.state_dir,
        .heartbeat_ms = (int)al_config_int(w.cfg, "heartbeat_ms"),
        .liveness = (int)al_config_int(w.cfg, "liveness"),
        .drain_timeout_ms = (int)al_config_int(w.cfg, "drain_timeout_s") * 1000,
        .run = pipeline_run, .run_ctx = &pcfg,
    };
    if (w.n_drivers > 0 && strcmp(w.drivers[0], "microvm") == 0 && pipeline_pools_warm(&pcfg, "microvm") != AL_OK)
        al_warn("worker.pool.warm_failed", "msg=\"%s\"", al_err_msg());
    al_info("worker.start", "worker=%s drivers=%s accel=%s slots=%u endpoint=%s", w.name,
            w.drivers_csv, w.accel, lcfg.slots, lcfg.endpoint);
    zactor_t *link = zactor_new(link_actor, &lcfg);
    rc = link ? s_wait(link) : 1;
    zactor_destroy(&link);
    sandbox_pools_destroy(&pcfg.pools);   /* after the last task: what is still pooled */
    al_info("worker.exit", "worker=%s", w.name);
    env_cache_destroy(&w.envs);
    env_fetcher_destroy(&w.fetcher);
    zcert_destroy(&w.cert);
    free(w.resolve_text);
    gitops_remote_destroy(&w.remote);
    al_config_destroy(&w.cfg);
    zsys_shutdown();
    return rc;
}
