/*
 * bench_env.c: the installation the dispatch benchmark runs against: a
 * PostgreSQL (private pg_harness cluster with the roles of a deployment, or
 * $AIRLOCK_BENCH_PG when set: an existing empty database given as the schema
 * owner's libpq conninfo, with $AIRLOCK_BENCH_PG_APP airlockd's login, a
 * member of airlock_app), `airlockd migrate` as the owner, CurveZMQ certificates,
 * the airlockd binary of this build, optional airlock-worker processes (host
 * driver) and the client socket. Owns every process and the directory.
 */
#include "bench_dispatch.h"
#include "pg_harness.h"
#include "proc_launch.h"
#include "common/curve.h"
#include "common/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct bench_env {
    pg_harness_t *pg;
    char conninfo[512];         /* airlockd's login (airlock_app); the bench's queries */
    char owner_conninfo[512];   /* the schema owner: `airlockd migrate` */
    PGconn *db;
    char dir[256];
    char repo[320];
    char server_key[41];
    char worker_ep[64], client_ep[64];
    zcert_t *client_cert, *fake_cert;
    pid_t airlockd;
    pid_t real[BENCH_MAX_REAL];
};

int64_t bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *bench_env_dir(const bench_env_t *env) { return env->dir; }
const char *bench_env_server_key(const bench_env_t *env) { return env->server_key; }
const char *bench_env_worker_endpoint(const bench_env_t *env) { return env->worker_ep; }
const char *bench_env_repo(const bench_env_t *env) { return env->repo; }
zcert_t *bench_env_fake_cert(bench_env_t *env) { return env->fake_cert; }

static void s_kill(pid_t *pid)
{
    if (*pid <= 0)
        return;
    kill(-*pid, SIGKILL);
    kill(*pid, SIGKILL);
    while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
        ;
    *pid = 0;
}

/* Makes <dir>/<name>.key{,_secret}, allows it, loads the secret into *out. */
static int s_identity(bench_env_t *env, const char *name, const char *role, zcert_t **out)
{
    char path[512];
    int rc = curve_keygen(env->dir, name, role);
    if (rc == AL_OK) {
        snprintf(path, sizeof path, "%s/%s.key_secret", env->dir, name);
        rc = curve_cert_load(path, out);
    }
    if (rc == AL_OK && strcmp(role, CURVE_ROLE_SERVER) != 0) {
        snprintf(path, sizeof path, "%s/allowed/%s.key", env->dir, name);
        if (zcert_save_public(*out, path) != 0)
            rc = al_err_set(AL_EIO, "cannot write %s", path);
    }
    return rc;
}

static int s_make_repo(bench_env_t *env)
{
    snprintf(env->repo, sizeof env->repo, "%s/repo", env->dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "set -e; mkdir -p %s; cd %s; git init -q; echo x > x; git add x; "
             "git -c user.email=b@example.org -c user.name=bench commit -qm init",
             env->repo, env->repo);
    return system(cmd) == 0 ? AL_OK : al_err_set(AL_EIO, "git repository setup failed");
}

static int s_wait_ready(bench_env_t *env, const char *log)
{
    for (int i = 0; i < 300; i++) {
        PGconn *db = bench_env_db(env);
        double n = db ? bench_env_sql_num(env, "SELECT count(*) FROM pg_proc "
                                                "WHERE proname = 'airlock_submit'") : -1;
        if (n >= 1) {
            zsock_t *probe = bench_env_client(env);  /* the sockets are bound after migrating */
            zsock_destroy(&probe);
            return AL_OK;
        }
        if (waitpid(env->airlockd, NULL, WNOHANG) == env->airlockd) {
            env->airlockd = 0;
            return al_err_set(AL_EIO, "airlockd exited; see %s", log);
        }
        zclock_sleep(100);   /* polling for start-up with a deadline */
    }
    return al_err_set(AL_ETIMEOUT, "airlockd did not migrate; see %s", log);
}

/* `airlockd migrate` as the schema owner (airlockd itself may not). */
static int s_migrate(bench_env_t *env)
{
    char db[600], sql[600], log[320];
    snprintf(db, sizeof db, "db=%s", env->owner_conninfo);
    snprintf(sql, sizeof sql, "sql_dir=%s/sql", AIRLOCK_SOURCE_DIR);
    snprintf(log, sizeof log, "%s/migrate.log", env->dir);
    const char *argv[] = { AIRLOCK_BUILD_DIR "/orchestrator/airlockd", "migrate", "--set", db, "--set", sql, NULL };
    pid_t pid = launch_spawn(argv, log);
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (pid <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return al_err_set(AL_EIO, "airlockd migrate failed; see %s", log);
    return AL_OK;
}

static int s_airlockd_start(bench_env_t *env)
{
    char db[600], cert[320], certs[320], we[80], ce[80], sql[600], log[320], level[64];
    snprintf(db, sizeof db, "db=%s", env->conninfo);
    snprintf(cert, sizeof cert, "server_cert=%s/airlockd.key_secret", env->dir);
    snprintf(certs, sizeof certs, "certs_dir=%s/allowed", env->dir);
    snprintf(we, sizeof we, "worker_endpoint=%s", env->worker_ep);
    snprintf(ce, sizeof ce, "client_endpoint=%s", env->client_ep);
    snprintf(sql, sizeof sql, "sql_dir=%s/sql", AIRLOCK_SOURCE_DIR);
    snprintf(log, sizeof log, "%s/airlockd.log", env->dir);
    const char *lvl = getenv("BENCH_LOG_LEVEL");
    snprintf(level, sizeof level, "log_level=%s", lvl ? lvl : "info");
    const char *argv[] = { AIRLOCK_BUILD_DIR "/orchestrator/airlockd", "--set", db, "--set", cert,
                           "--set", certs, "--set", we, "--set", ce, "--set", sql,
                           "--set", level, "--set", "heartbeat_ms=1000", NULL };
    env->airlockd = launch_spawn(argv, log);
    return env->airlockd > 0 ? s_wait_ready(env, log) : al_err_set(AL_EIO, "fork airlockd");
}

static int s_database(bench_env_t *env)
{
    const char *given = getenv("AIRLOCK_BENCH_PG"), *app = getenv("AIRLOCK_BENCH_PG_APP");
    if (given && *given) {
        snprintf(env->owner_conninfo, sizeof env->owner_conninfo, "%s", given);
        snprintf(env->conninfo, sizeof env->conninfo, "%s", app && *app ? app : given);
        return AL_OK;
    }
    int rc = pg_harness_start(&env->pg);
    if (rc == AL_OK)
        rc = pg_harness_roles(env->pg);
    if (rc == AL_OK)
        rc = pg_harness_conninfo_as(env->pg, "airlock", env->owner_conninfo, sizeof env->owner_conninfo);
    if (rc == AL_OK)
        rc = pg_harness_conninfo_as(env->pg, "airlockd", env->conninfo, sizeof env->conninfo);
    return rc;
}

int bench_env_start(bench_env_t **out)
{
    *out = NULL;
    bench_env_t *env = calloc(1, sizeof *env);
    if (!env)
        return AL_ENOMEM;
    snprintf(env->dir, sizeof env->dir, "/tmp/airlock-bench-dispatch-XXXXXX");
    int rc = mkdtemp(env->dir) ? AL_OK : al_err_set_errno(AL_EIO, "mkdtemp");
    char path[512];
    snprintf(path, sizeof path, "%s/allowed", env->dir);
    if (rc == AL_OK && mkdir(path, 0700) != 0)
        rc = al_err_set_errno(AL_EIO, "mkdir %s", path);
    zcert_t *server = NULL;
    if (rc == AL_OK)
        rc = s_identity(env, "airlockd", CURVE_ROLE_SERVER, &server);
    if (server)
        snprintf(env->server_key, sizeof env->server_key, "%s", zcert_public_txt(server));
    zcert_destroy(&server);
    if (rc == AL_OK)
        rc = s_identity(env, "client", CURVE_ROLE_CLIENT, &env->client_cert);
    if (rc == AL_OK)
        rc = s_identity(env, "fake", CURVE_ROLE_WORKER, &env->fake_cert);
    if (rc == AL_OK)
        rc = s_make_repo(env);
    if (rc == AL_OK)
        rc = s_database(env);
    snprintf(env->worker_ep, sizeof env->worker_ep, "tcp://127.0.0.1:%d", launch_unused_port());
    snprintf(env->client_ep, sizeof env->client_ep, "tcp://127.0.0.1:%d", launch_unused_port());
    if (rc == AL_OK)
        rc = s_migrate(env);
    if (rc == AL_OK)
        rc = s_airlockd_start(env);
    if (rc != AL_OK) {
        bench_env_stop(&env);
        return rc;
    }
    *out = env;
    return AL_OK;
}

/* SIGTERM first, so a sanitizer build of airlockd reports leaks in its log. */
static void s_stop_gently(pid_t *pid)
{
    if (*pid <= 0)
        return;
    kill(*pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(*pid, NULL, WNOHANG) == *pid) {
            *pid = 0;
            return;
        }
        zclock_sleep(50);   /* bounded wait for an orderly exit */
    }
    s_kill(pid);
}

void bench_env_stop(bench_env_t **ep)
{
    if (!ep || !*ep)
        return;
    bench_env_t *env = *ep;
    bench_env_real_workers_stop(env);
    s_stop_gently(&env->airlockd);
    if (env->db)
        PQfinish(env->db);
    pg_harness_stop(&env->pg);
    zcert_destroy(&env->client_cert);
    zcert_destroy(&env->fake_cert);
    if (getenv("BENCH_KEEP")) {
        fprintf(stderr, "bench: kept %s\n", env->dir);
    } else if (env->dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", env->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench: could not remove %s\n", env->dir);
    }
    free(env);
    *ep = NULL;
}

zsock_t *bench_env_client(bench_env_t *env)
{
    zsock_t *s = zsock_new(ZMQ_DEALER);
    if (!s)
        return NULL;
    zsock_set_sndhwm(s, 0);
    zsock_set_rcvhwm(s, 0);
    zsock_set_linger(s, 0);
    if (curve_client_apply(s, env->client_cert, env->server_key) != AL_OK ||
        zsock_connect(s, "%s", env->client_ep) != 0)
        zsock_destroy(&s);
    return s;
}

int bench_env_real_workers_start(bench_env_t *env, int n, int slots)
{
    for (int i = 0; i < n && i < BENCH_MAX_REAL; i++) {
        char name[32], key[320], cert[320], ep[96], nm[64], state[320], sl[32], log[320], plugins[320];
        snprintf(name, sizeof name, "w%d", i);
        zcert_t *c = NULL;
        snprintf(key, sizeof key, "%s/%s.key_secret", env->dir, name);
        if (access(key, F_OK) != 0) {
            int rc = s_identity(env, name, CURVE_ROLE_WORKER, &c);
            zcert_destroy(&c);
            if (rc != AL_OK)
                return rc;
        }
        snprintf(key, sizeof key, "server_key=%s/airlockd.key", env->dir);
        snprintf(cert, sizeof cert, "cert=%s/%s.key_secret", env->dir, name);
        snprintf(ep, sizeof ep, "server_endpoint=%s", env->worker_ep);
        snprintf(nm, sizeof nm, "name=%s", name);
        snprintf(state, sizeof state, "state_dir=%s/state-%s", env->dir, name);
        snprintf(sl, sizeof sl, "slots=%d", slots);
        snprintf(plugins, sizeof plugins, "plugins_dir=%s/plugins", AIRLOCK_BUILD_DIR);
        snprintf(log, sizeof log, "%s/%s.log", env->dir, name);
        const char *argv[] = { AIRLOCK_BUILD_DIR "/worker/airlock-worker", "--insecure-host-driver",
                               "--set", "drivers=host", "--set", key, "--set", cert, "--set", ep,
                               "--set", nm, "--set", state, "--set", sl, "--set", plugins,
                               "--set", "log_level=warn", NULL };
        env->real[i] = launch_spawn(argv, log);
        if (env->real[i] <= 0)
            return al_err_set(AL_EIO, "fork airlock-worker");
    }
    return AL_OK;
}

void bench_env_real_workers_stop(bench_env_t *env)
{
    for (int i = 0; i < BENCH_MAX_REAL; i++)
        s_kill(&env->real[i]);
}

PGconn *bench_env_db(bench_env_t *env)
{
    if (env->db && PQstatus(env->db) == CONNECTION_OK)
        return env->db;
    if (env->db)
        PQfinish(env->db);
    env->db = PQconnectdb(env->conninfo);
    return env->db;
}

static int64_t s_proc_cpu_us(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = pid > 0 ? fopen(path, "r") : NULL;
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');   /* comm may hold spaces */
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (int64_t)((ut + st) * 1000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
}

int64_t bench_env_cpu_us(bench_env_t *env, int which)
{
    if (which == 0)
        return s_proc_cpu_us(env->airlockd);
    double pid = bench_env_sql_num(env, "SELECT max(pid) FROM pg_stat_activity "
                                        "WHERE application_name = 'airlock' AND pid <> pg_backend_pid()");
    return s_proc_cpu_us((int)pid);
}

double bench_env_sql_num(bench_env_t *env, const char *sql)
{
    PGresult *r = PQexec(bench_env_db(env), sql);
    double v = (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
                   ? strtod(PQgetvalue(r, 0, 0), NULL) : -1;
    PQclear(r);
    return v;
}
