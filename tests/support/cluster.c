/*
 * cluster.c: real airlockd, workers and CLI processes around a private PostgreSQL,
 * with the database roles of a deployment: the schema owner runs `airlockd
 * migrate`, airlockd connects as `airlockd` (a member of airlock_app only).
 */
#include "cluster.h"
#include "pg_harness.h"
#include "proc_launch.h"
#include "common/curve.h"
#include "common/error.h"
#include "orchestrator/store/migrate.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct cluster {
    cluster_opts_t o;
    pg_harness_t *pg;
    PGconn *db;
    char dir[256];
    char repo[320];
    int worker_port, client_port;           /* airlockd 0 */
    int worker_ports[CLUSTER_MAX_AIRLOCKD], client_ports[CLUSTER_MAX_AIRLOCKD];
    char worker_eps[160], client_eps[160];   /* every instance's endpoint, comma separated */
    pid_t airlockd;                          /* = airlockds[0] */
    pid_t airlockds[CLUSTER_MAX_AIRLOCKD];
    pid_t signer;
    pid_t workers[CLUSTER_MAX_WORKERS];
    char keys[CLUSTER_MAX_WORKERS][48];
    char drivers[CLUSTER_MAX_WORKERS][64];   /* "" = the host driver */
    char hosts[CLUSTER_MAX_WORKERS][160];    /* network namespace path; "" = this host */
    int restarts;
};

const char *cluster_dir(const cluster_t *c) { return c->dir; }

/* The address airlockd's endpoints listen on. */
static const char *s_addr(const cluster_t *c) { return c->o.listen_addr ? c->o.listen_addr : "127.0.0.1"; }

static int s_run(const char *cmd)
{
    int rc = system(cmd);
    return (rc == 0) ? AL_OK : al_err_set(AL_EIO, "command failed (%d): %s", rc, cmd);
}

pid_t cluster_spawn(const char *const *argv, const char *log_path)
{
    return launch_spawn(argv, log_path);
}

static void s_kill(pid_t *pid, int sig)
{
    if (*pid <= 0)
        return;
    kill(*pid, sig);
    if (sig == SIGKILL)
        kill(-*pid, SIGKILL);   /* its process group: task commands too */
    while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
        ;
    *pid = 0;
}

static int s_make_repo(cluster_t *c)
{
    snprintf(c->repo, sizeof c->repo, "%s/repo", c->dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "set -e; mkdir -p %s; cd %s; git init -q; "
             "printf 'def add(a, b):\\n    return a + b\\n' > calc.py; "
             "printf 'import calc\\nassert calc.add(2, 2) == 4\\n' > test_calc.py; "
             "git add .; git -c user.email=t@example.org -c user.name=test commit -qm init",
             c->repo, c->repo);
    return s_run(cmd);
}

/* <dir>/worker.endpoint and <dir>/client.endpoint, for raw test clients. */
static int s_write_endpoints(cluster_t *c)
{
    const char *kinds[] = { "worker", "client" };
    int ports[] = { c->worker_port, c->client_port };
    for (int i = 0; i < 2; i++) {
        char path[400];
        snprintf(path, sizeof path, "%s/%s.endpoint", c->dir, kinds[i]);
        FILE *f = fopen(path, "w");
        if (!f)
            return al_err_set_errno(AL_EIO, "%s", path);
        fprintf(f, "tcp://%s:%d", s_addr(c), ports[i]);
        fclose(f);
    }
    return AL_OK;
}

/* Ports of every airlockd, and the endpoint lists workers and the CLI use. */
static void s_ports(cluster_t *c)
{
    int n = c->o.airlockds > 1 ? (c->o.airlockds > CLUSTER_MAX_AIRLOCKD ? CLUSTER_MAX_AIRLOCKD : c->o.airlockds) : 1;
    size_t wl = 0, cl = 0;
    for (int i = 0; i < n; i++) {
        c->worker_ports[i] = launch_unused_port();
        c->client_ports[i] = launch_unused_port();
        wl += (size_t)snprintf(c->worker_eps + wl, sizeof c->worker_eps - wl, "%stcp://%s:%d",
                               i ? "," : "", s_addr(c), c->worker_ports[i]);
        cl += (size_t)snprintf(c->client_eps + cl, sizeof c->client_eps - cl, "%stcp://%s:%d",
                               i ? "," : "", s_addr(c), c->client_ports[i]);
    }
    c->worker_port = c->worker_ports[0];
    c->client_port = c->client_ports[0];
}

int cluster_start(cluster_t **out, const cluster_opts_t *o)
{
    *out = NULL;
    cluster_t *c = calloc(1, sizeof *c);
    if (!c)
        return AL_ENOMEM;
    c->o = *o;
    snprintf(c->dir, sizeof c->dir, "/tmp/airlock-cluster-XXXXXX");
    int rc = mkdtemp(c->dir) ? AL_OK : al_err_set_errno(AL_EIO, "mkdtemp");
    char path[512];
    if (rc == AL_OK) {
        snprintf(path, sizeof path, "%s/allowed", c->dir);
        rc = mkdir(path, 0700) == 0 ? AL_OK : AL_EIO;
    }
    if (rc == AL_OK)
        rc = curve_keygen(c->dir, "airlockd", CURVE_ROLE_SERVER);
    if (rc == AL_OK)
        rc = curve_keygen(c->dir, "client", CURVE_ROLE_CLIENT);
    if (rc == AL_OK) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "cp %s/client.key %s/allowed/", c->dir, c->dir);
        rc = s_run(cmd);
    }
    if (rc == AL_OK) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "openssl genpkey -algorithm ed25519 -out %s/audit.pem 2>/dev/null && "
                 "openssl pkey -in %s/audit.pem -pubout -out %s/audit.pub", c->dir, c->dir, c->dir);
        rc = s_run(cmd);
    }
    if (rc == AL_OK)
        rc = s_make_repo(c);
    if (rc == AL_OK)
        rc = pg_harness_start(&c->pg);
    if (rc == AL_OK)
        rc = pg_harness_roles(c->pg);
    if (rc == AL_OK)
        rc = cluster_migrate(c);
    if (rc == AL_OK) {
        s_ports(c);
        rc = s_write_endpoints(c);
    }
    if (rc == AL_OK)
        rc = cluster_signer_start(c);
    if (rc == AL_OK)
        rc = cluster_airlockd_start(c);
    for (int i = 0; rc == AL_OK && i < o->workers; i++) {
        cluster_worker_set_drivers(c, i, o->worker_drivers);
        rc = cluster_worker_start(c, i);
    }
    if (rc != AL_OK) {
        cluster_stop(&c);
        return rc;
    }
    *out = c;
    return AL_OK;
}

void cluster_stop(cluster_t **cp)
{
    if (!cp || !*cp)
        return;
    cluster_t *c = *cp;
    for (int i = 0; i < CLUSTER_MAX_WORKERS; i++)
        s_kill(&c->workers[i], SIGKILL);
    for (int i = 0; i < CLUSTER_MAX_AIRLOCKD; i++)
        s_kill(&c->airlockds[i], SIGKILL);
    c->airlockd = 0;
    s_kill(&c->signer, SIGKILL);
    if (c->db)
        PQfinish(c->db);
    pg_harness_stop(&c->pg);
    if (getenv("AIRLOCK_KEEP_CLUSTER")) {
        fprintf(stderr, "cluster kept in %s\n", c->dir);
    } else if (c->dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", c->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cluster: could not remove %s\n", c->dir);
    }
    free(c);
    *cp = NULL;
}

int cluster_migrate(cluster_t *c)
{
    char db[600], owner[560], sql[600], log[320];
    pg_harness_conninfo_as(c->pg, "airlock", owner, sizeof owner);
    snprintf(db, sizeof db, "db=%s", owner);
    snprintf(sql, sizeof sql, "sql_dir=%s/sql", AIRLOCK_SOURCE_DIR);
    snprintf(log, sizeof log, "%s/migrate.log", c->dir);
    const char *argv[] = { AIRLOCK_BUILD_DIR "/orchestrator/airlockd", "migrate", "--set", db, "--set", sql, NULL };
    pid_t pid = cluster_spawn(argv, log);
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (pid <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return al_err_set(AL_EIO, "airlockd migrate failed; see %s", log);
    return AL_OK;
}

static pid_t s_airlockd_spawn(cluster_t *c, int idx)
{
    char db[600], cert[320], certs[320], we[64], ce[64], hb[32], lease[32], log[320], sql[600];
    char login[560], id[48];
    pg_harness_conninfo_as(c->pg, "airlockd", login, sizeof login);
    snprintf(db, sizeof db, "db=%s application_name=airlockd%d", login, idx);   /* cluster_airlockd_active */
    snprintf(cert, sizeof cert, "server_cert=%s/airlockd.key_secret", c->dir);
    snprintf(certs, sizeof certs, "certs_dir=%s/allowed", c->dir);
    snprintf(we, sizeof we, "worker_endpoint=tcp://%s:%d", s_addr(c), c->worker_ports[idx]);
    snprintf(ce, sizeof ce, "client_endpoint=tcp://%s:%d", s_addr(c), c->client_ports[idx]);
    snprintf(hb, sizeof hb, "heartbeat_ms=%d", c->o.heartbeat_ms);
    snprintf(lease, sizeof lease, "lease_ms=%d", c->o.lease_ms);
    snprintf(sql, sizeof sql, "sql_dir=%s/sql", AIRLOCK_SOURCE_DIR);
    snprintf(id, sizeof id, "server_id=airlockd%d", idx);
    if (idx == 0)
        snprintf(log, sizeof log, "%s/airlockd.log", c->dir);
    else
        snprintf(log, sizeof log, "%s/airlockd%d.log", c->dir, idx);
    const char *argv[] = { AIRLOCK_BUILD_DIR "/orchestrator/airlockd", "--set", db, "--set", cert,
                           "--set", certs, "--set", we, "--set", ce, "--set", hb, "--set", lease,
                           "--set", sql, "--set", id, "--set", "standby_poll_ms=100", NULL };
    return cluster_spawn(argv, log);
}

/* How many times airlockd idx logged `event` (airlockd.active, airlockd.standby)
 * in its log, which every start of that instance appends to. */
static int s_airlockd_logged(cluster_t *c, int idx, const char *event)
{
    char cmd[600], suffix[16] = "";
    if (idx > 0)
        snprintf(suffix, sizeof suffix, "%d", idx);
    snprintf(cmd, sizeof cmd, "grep -c -- '%s' %s/airlockd%s.log 2>/dev/null", event, c->dir, suffix);
    FILE *p = popen(cmd, "r");
    int n = 0;
    if (p && fscanf(p, "%d", &n) != 1)
        n = 0;
    if (p)
        pclose(p);
    return n;
}

int cluster_airlockd_start_idx(cluster_t *c, int idx)
{
    if (idx < 0 || idx >= CLUSTER_MAX_AIRLOCKD || !c->client_ports[idx])
        return al_err_set(AL_EINVAL, "no airlockd %d in this cluster (opts.airlockds)", idx);
    int standby0 = s_airlockd_logged(c, idx, "airlockd.standby");
    int active0 = s_airlockd_logged(c, idx, "airlockd.active");
    c->airlockds[idx] = s_airlockd_spawn(c, idx);
    if (idx == 0)
        c->airlockd = c->airlockds[0];
    /* Ready when it is active and a client request is answered, or standing by. */
    for (int64_t deadline = zclock_mono() + 300000; zclock_mono() < deadline;) {
        if (s_airlockd_logged(c, idx, "airlockd.standby") > standby0)
            return AL_OK;
        const char *args[] = { "list", "--limit", "1", NULL };
        if (s_airlockd_logged(c, idx, "airlockd.active") > active0 && cluster_cli(c, NULL, args) == 0)
            return AL_OK;
        if (waitpid(c->airlockds[idx], NULL, WNOHANG) == c->airlockds[idx]) {
            c->airlockds[idx] = 0;
            if (idx == 0)
                c->airlockd = 0;
            return al_err_set(AL_EIO, "airlockd %d exited; see %s/airlockd*.log", idx, c->dir);
        }
        zclock_sleep(50);   /* polling a condition with a deadline */
    }
    return al_err_set(AL_ETIMEOUT, "airlockd %d neither active nor standing by; see %s", idx, c->dir);
}

int cluster_airlockd_start(cluster_t *c) { return cluster_airlockd_start_idx(c, 0); }

void cluster_airlockd_kill(cluster_t *c, int sig) { cluster_airlockd_kill_idx(c, 0, sig); }

void cluster_airlockd_kill_idx(cluster_t *c, int idx, int sig)
{
    s_kill(&c->airlockds[idx], sig);
    if (idx == 0)
        c->airlockd = 0;
}

int cluster_airlockd_active(cluster_t *c)
{
    for (int i = 0; i < CLUSTER_MAX_AIRLOCKD; i++) {
        pid_t w = c->airlockds[i] > 0 ? waitpid(c->airlockds[i], NULL, WNOHANG) : 0;
        if (w == c->airlockds[i] || (w < 0 && errno == ECHILD)) {   /* exited (75: superseded) */
            c->airlockds[i] = 0;
            if (i == 0)
                c->airlockd = 0;
        }
    }
    /* the truth: whose session holds the leader lock (orchestrator/leader.c) */
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT substr(a.application_name, 9)::int FROM pg_locks l JOIN pg_stat_activity a "
             "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.objid = %lld "
             "AND a.application_name LIKE 'airlockd_%%'", STORE_LEADER_LOCK_KEY);
    long idx = cluster_sql_long(c, sql);
    return idx >= 0 && idx < CLUSTER_MAX_AIRLOCKD && c->airlockds[idx] > 0 ? (int)idx : -1;
}

pid_t cluster_airlockd_pid(cluster_t *c, int idx) { return c->airlockds[idx]; }

int cluster_signer_start(cluster_t *c)
{
    char db[600], login[560], key[320], state[320], sql[600], log[320];
    pg_harness_conninfo_as(c->pg, "airlock_signerd", login, sizeof login);
    snprintf(db, sizeof db, "db=%s", login);
    snprintf(key, sizeof key, "audit_key=%s/audit.pem", c->dir);
    snprintf(state, sizeof state, "state_file=%s/signer.state", c->dir);
    snprintf(sql, sizeof sql, "sql_dir=%s/sql", AIRLOCK_SOURCE_DIR);
    snprintf(log, sizeof log, "%s/signer.log", c->dir);
    const char *argv[] = { AIRLOCK_BUILD_DIR "/orchestrator/signer/airlock-signer", "--set", db, "--set", key,
                           "--set", state, "--set", sql, "--set", "interval_s=1", NULL };
    c->signer = cluster_spawn(argv, log);
    return c->signer > 0 ? AL_OK : al_err_set(AL_EIO, "cannot start airlock-signer");
}

void cluster_signer_kill(cluster_t *c, int sig) { s_kill(&c->signer, sig); }

/* A worker on another host: its files (certificate, airlockd's public key,
 * state) in <dir>/host-<name>, which becomes the /tmp of its own mount
 * namespace; *files is where the worker finds them ("/tmp"). */
static int s_host_prepare(cluster_t *c, const char *cert_name, char *hostdir, size_t size)
{
    snprintf(hostdir, size, "%s/host-%s", c->dir, cert_name);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "set -e; mkdir -p %s/state-%s; cp %s/%s.key_secret %s/airlockd.key %s/",
             hostdir, cert_name, c->dir, cert_name, c->dir, hostdir);
    return s_run(cmd);
}

/* How one airlock-worker starts, indexed or named. */
typedef struct {
    const char *name;          /* its certificate is <dir>/<name>.key_secret */
    const char *drivers;       /* NULL or "" = the host driver */
    const char *plugins_dir;   /* NULL = the build's plugins */
    const char *labels;        /* NULL or "" = none */
    const char *host;          /* network namespace path; NULL or "" = this host */
} s_worker_t;

static pid_t s_spawn(cluster_t *c, const s_worker_t *w)
{
    char key[320], cert[320], ep[200], name[64], state[320], hb[32], slots[32], log[320], plugins[600];
    char drivers[80], labels[300], hostdir[320] = "", net[200];
    const char *files = c->dir, *drv = w->drivers && w->drivers[0] ? w->drivers : "host";
    int other_host = w->host && w->host[0];
    if (other_host && s_host_prepare(c, w->name, hostdir, sizeof hostdir) != AL_OK)
        return -1;
    if (other_host)
        files = "/tmp";
    snprintf(drivers, sizeof drivers, "drivers=%s", drv);
    snprintf(key, sizeof key, "server_key=%s/airlockd.key", files);
    snprintf(cert, sizeof cert, "cert=%s/%s.key_secret", files, w->name);
    snprintf(ep, sizeof ep, "server_endpoint=%s", c->worker_eps);
    snprintf(name, sizeof name, "name=%s", w->name);
    snprintf(state, sizeof state, "state_dir=%s/state-%s", files, w->name);
    snprintf(hb, sizeof hb, "heartbeat_ms=%d", c->o.heartbeat_ms);
    snprintf(slots, sizeof slots, "slots=%d", c->o.slots);
    snprintf(plugins, sizeof plugins, "plugins_dir=%s", w->plugins_dir ? w->plugins_dir : AIRLOCK_BUILD_DIR "/plugins");
    snprintf(labels, sizeof labels, "labels=%s", w->labels ? w->labels : "");
    snprintf(log, sizeof log, "%s/%s.log", c->dir, w->name);
    snprintf(net, sizeof net, "--net=%s", other_host ? w->host : "");
    const char *argv[48];
    int n = 0;
    if (other_host) {   /* its network namespace, and a mount namespace whose /tmp is its own directory */
        const char *prefix[] = { "/usr/bin/nsenter", net, "--", "/usr/bin/unshare", "--mount", "--propagation",
                                 "private", "--", "/bin/sh", "-c", "mount --bind \"$0\" /tmp && exec \"$@\"",
                                 hostdir };
        for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
            argv[n++] = prefix[i];
    }
    argv[n++] = AIRLOCK_BUILD_DIR "/worker/airlock-worker";
    if (strstr(drv, "host"))
        argv[n++] = "--insecure-host-driver";
    const char *sets[] = { drivers, key, cert, ep, name, state, hb, slots, plugins, labels };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        argv[n++] = "--set";
        argv[n++] = sets[i];
    }
    argv[n] = NULL;
    return cluster_spawn(argv, log);
}

static int s_worker_spawn(cluster_t *c, int idx, const char *cert_name)
{
    s_worker_t w = { cert_name, c->drivers[idx], NULL, NULL, c->hosts[idx] };
    c->workers[idx] = s_spawn(c, &w);
    return c->workers[idx] > 0 ? AL_OK : AL_EIO;
}

/* <dir>/<name>.key_secret made on first use, and then its public half (with
 * meta) allowed in airlockd's certs_dir; key: its Z85 public key. An existing
 * certificate is left as it is (a revoked one stays revoked). */
static int s_enrol(cluster_t *c, const char *name, const char *const *meta, char key[48])
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.key_secret", c->dir, name);
    int fresh = access(path, F_OK) != 0;
    int rc = fresh ? curve_keygen(c->dir, name, CURVE_ROLE_WORKER) : AL_OK;
    zcert_t *cert = NULL;
    if (rc == AL_OK)
        rc = curve_cert_load(path, &cert);
    if (rc != AL_OK)
        return rc;
    snprintf(key, 48, "%s", zcert_public_txt(cert));
    if (fresh) {
        for (const char *const *m = meta; m && m[0] && m[1]; m += 2)
            zcert_set_meta(cert, m[0], "%s", m[1]);   /* airlockd's copy: what ZAP reports */
        snprintf(path, sizeof path, "%s/allowed/%s.key", c->dir, name);
        if (zcert_save_public(cert, path) != 0)
            rc = al_err_set(AL_EIO, "cannot save %s", path);
    }
    zcert_destroy(&cert);
    return rc;
}

int cluster_worker_enrol(cluster_t *c, int idx) { return cluster_worker_enrol_meta(c, idx, NULL); }

int cluster_worker_enrol_meta(cluster_t *c, int idx, const char *const *meta)
{
    char name[32];
    snprintf(name, sizeof name, "w%d", idx);
    return s_enrol(c, name, meta, c->keys[idx]);
}

pid_t cluster_worker_spawn_named(cluster_t *c, const char *name, const cluster_worker_cfg_t *cfg, char key[48])
{
    if (s_enrol(c, name, NULL, key) != AL_OK)
        return -1;
    s_worker_t w = { name, cfg->drivers, cfg->plugins_dir, cfg->labels, NULL };
    return s_spawn(c, &w);
}

int cluster_worker_start(cluster_t *c, int idx)
{
    char name[32];
    snprintf(name, sizeof name, "w%d", idx);
    int rc = cluster_worker_enrol(c, idx);
    return rc == AL_OK ? s_worker_spawn(c, idx, name) : rc;
}

void cluster_worker_set_drivers(cluster_t *c, int idx, const char *drivers)
{
    snprintf(c->drivers[idx], sizeof c->drivers[idx], "%s", drivers ? drivers : "");
}

void cluster_worker_set_host(cluster_t *c, int idx, const char *netns_path)
{
    snprintf(c->hosts[idx], sizeof c->hosts[idx], "%s", netns_path ? netns_path : "");
}

int cluster_stranger_start(cluster_t *c, int idx)
{
    char name[32];
    snprintf(name, sizeof name, "stranger%d", idx);
    int rc = curve_keygen(c->dir, name, CURVE_ROLE_WORKER);
    return rc == AL_OK || rc == AL_EEXISTS ? s_worker_spawn(c, idx, name) : rc;
}

void cluster_worker_kill(cluster_t *c, int idx, int sig) { s_kill(&c->workers[idx], sig); }

pid_t cluster_worker_pid(cluster_t *c, int idx) { return c->workers[idx]; }

void cluster_worker_signal(cluster_t *c, int idx, int sig)
{
    if (c->workers[idx] > 0)
        kill(c->workers[idx], sig);
}

int cluster_worker_wait(cluster_t *c, int idx)
{
    int status = 0;
    while (waitpid(c->workers[idx], &status, 0) < 0 && errno == EINTR)
        ;
    c->workers[idx] = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *cluster_worker_key(cluster_t *c, int idx) { return c->keys[idx]; }

int cluster_worker_revoke(cluster_t *c, int idx)
{
    char path[400];
    snprintf(path, sizeof path, "%s/allowed/w%d.key", c->dir, idx);
    return unlink(path) == 0 ? AL_OK : al_err_set_errno(AL_EIO, "unlink %s", path);
}

int cluster_worker_log_has(cluster_t *c, int idx, const char *needle)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "grep -q -- '%s' %s/w%d.log %s/stranger%d.log 2>/dev/null", needle,
             c->dir, idx, c->dir, idx);
    return system(cmd) == 0;
}

int cluster_cli_env(cluster_t *c, char *buf, size_t size)
{
    int n = snprintf(buf, size,
                     "AIRLOCK_CLIENT_ENDPOINT=%s AIRLOCK_CLIENT_SERVER_KEY=%s/airlockd.key "
                     "AIRLOCK_CLIENT_CERT=%s/client.key_secret", c->client_eps, c->dir, c->dir);
    return n > 0 && (size_t)n < size ? 0 : AL_EINVAL;
}

int cluster_client_make(cluster_t *c, const char *name, const char *tenant, const char *access)
{
    char cmd[2048];
    int n = snprintf(cmd, sizeof cmd, "%s/cli/airlock keygen --role client --name %s --dir %s", AIRLOCK_BUILD_DIR,
                     name, c->dir);
    if (tenant)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " --tenant %s", tenant);
    if (access)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " --access %s", access);
    snprintf(cmd + n, sizeof cmd - (size_t)n, " >/dev/null && cp %s/%s.key %s/allowed/", c->dir, name, c->dir);
    return s_run(cmd);
}

static int s_cli(cluster_t *c, const char *cert_name, const char *redirect, char **out, const char *const *args);

int cluster_cli(cluster_t *c, char **out, const char *const *args) { return s_cli(c, "client", "", out, args); }

int cluster_cli_as(cluster_t *c, const char *cert_name, char **out, const char *const *args)
{
    return s_cli(c, cert_name, " 2>&1", out, args);
}

static int s_cli(cluster_t *c, const char *cert_name, const char *redirect, char **out, const char *const *args)
{
    char cmd[4096];
    int n = snprintf(cmd, sizeof cmd, "AIRLOCK_CLIENT_ENDPOINT=%s AIRLOCK_CLIENT_SERVER_KEY=%s/"
                     "airlockd.key AIRLOCK_CLIENT_CERT=%s/%s.key_secret AIRLOCK_CLIENT_TIMEOUT_MS=%d %s/cli/airlock%s",
                     c->client_eps, c->dir, c->dir, cert_name,
                     c->o.client_timeout_ms > 0 ? c->o.client_timeout_ms : 3000, AIRLOCK_BUILD_DIR, redirect);
    for (const char *const *a = args; *a && n < (int)sizeof cmd - 8; a++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " '%s'", *a);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char *buf = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, p)) > 0)
        fwrite(chunk, 1, got, mem);
    fclose(mem);
    int status = pclose(p);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const char *cluster_repo(cluster_t *c) { return c->repo; }

int cluster_job_file(cluster_t *c, const char *name, const char *test_cmd, const char *idem_key,
                     char path[512])
{
    snprintf(path, 512, "%s/%s.json", c->dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return AL_EIO;
    fprintf(f, "{\"repo\": \"%s\", \"base\": \"HEAD\", \"test\": \"%s\", "
               "\"policy\": {\"analyzers\": []}, \"labels\": {\"test\": \"%s\"}%s%s%s}\n",
            c->repo, test_cmd, name, idem_key ? ", \"idempotency_key\": \"" : "",
            idem_key ? idem_key : "", idem_key ? "\"" : "");
    fclose(f);
    return AL_OK;
}

PGconn *cluster_db(cluster_t *c)
{
    if (c->db && PQstatus(c->db) == CONNECTION_OK)
        return c->db;
    if (c->db)
        PQfinish(c->db);
    c->db = PQconnectdb(pg_harness_conninfo(c->pg));
    return c->db;
}

long cluster_sql_long(cluster_t *c, const char *sql)
{
    PGresult *r = PQexec(cluster_db(c), sql);
    long v = (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
                 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return v;
}

int cluster_wait_sql(cluster_t *c, const char *sql, int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms;
    while (zclock_mono() < deadline) {
        PGresult *r = PQexec(cluster_db(c), sql);
        int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 &&
                 PQgetvalue(r, 0, 0)[0] == 't';
        PQclear(r);
        if (ok)
            return 1;
        zclock_sleep(50);   /* polling a condition with a deadline, not a timing assumption */
    }
    return 0;
}

pg_harness_t *cluster_pg(cluster_t *c) { return c->pg; }

char *cluster_submit(cluster_t *c, const char *job_file)
{
    char *out = NULL;
    const char *args[] = { "submit", job_file, NULL };
    if (cluster_cli(c, &out, args) != 0) {
        free(out);
        return NULL;
    }
    out[strcspn(out, " \n")] = '\0';
    return out;
}
