/*
 * cluster.h: a whole Airlock installation for integration tests, made of real
 * processes: a private PostgreSQL (pg_harness), CurveZMQ certificates, the
 * airlockd binary and N airlock-worker binaries (host driver unless told
 * otherwise, fast heartbeats),
 * and the airlock CLI binary for requests. Assertions read PostgreSQL directly.
 *
 * Every process is started with PR_SET_PDEATHSIG so nothing outlives the test.
 * Ownership: cluster_start() returns a cluster the caller owns; cluster_stop()
 * kills every process, stops PostgreSQL and removes the directory.
 */
#ifndef AIRLOCK_TEST_CLUSTER_H
#define AIRLOCK_TEST_CLUSTER_H

#include <libpq-fe.h>
#include <sys/types.h>

#define CLUSTER_MAX_WORKERS 8
#define CLUSTER_MAX_AIRLOCKD 2

typedef struct cluster cluster_t;

typedef struct {
    int workers;          /* started at once */
    int slots;            /* per worker */
    int heartbeat_ms;
    int lease_ms;
    int airlockds;        /* instances on the database (0/1 = one; 2: workers and the CLI get
                           * both endpoints; cluster_start starts instance 0 only) */
    int client_timeout_ms;  /* the CLI's, 0 = 3000 */
    const char *worker_drivers;  /* drivers of the workers cluster_start starts (NULL = host) */
    const char *listen_addr;     /* airlockd's endpoints' address (NULL = 127.0.0.1) */
} cluster_opts_t;

int cluster_start(cluster_t **out, const cluster_opts_t *opts);
void cluster_stop(cluster_t **c);

const char *cluster_dir(const cluster_t *c);
PGconn *cluster_db(cluster_t *c);

/* `airlockd migrate` as the schema owner (done by cluster_start). */
int cluster_migrate(cluster_t *c);

/* airlockd (as the login `airlockd`, a member of airlock_app) */
int cluster_airlockd_start(cluster_t *c);
void cluster_airlockd_kill(cluster_t *c, int sig);   /* and reap */
/* Instance idx (0..opts.airlockds-1), server_id airlockd<idx>, log
 * <dir>/airlockd.log (idx 0) or airlockd<idx>.log: returns when it is active
 * and answers, or stands by (another instance holds the leader lock). */
int cluster_airlockd_start_idx(cluster_t *c, int idx);
void cluster_airlockd_kill_idx(cluster_t *c, int idx, int sig);   /* and reap */
/* The instance that is active now: the one whose database session holds the
 * leader lock (its application_name is airlockd<idx>), or -1; reaps instances
 * that exited. */
int cluster_airlockd_active(cluster_t *c);
pid_t cluster_airlockd_pid(cluster_t *c, int idx);

/* airlock-signer (as `airlock_signerd`, a member of airlock_signer), with
 * <dir>/audit.pem, state <dir>/signer.state, a checkpoint every second;
 * started by cluster_start. Public key: <dir>/audit.pub. */
int cluster_signer_start(cluster_t *c);
void cluster_signer_kill(cluster_t *c, int sig);   /* and reap */

/* workers: idx 0..CLUSTER_MAX_WORKERS-1; a worker's key is made on first start */
int cluster_worker_start(cluster_t *c, int idx);
/* Makes worker idx's certificate (<dir>/w<idx>.key_secret) and allows it,
 * without starting a worker (raw protocol tests). */
int cluster_worker_enrol(cluster_t *c, int idx);
/* The same with metadata in the public certificate airlockd trusts: pairs
 * key, value, ..., NULL (e.g. "drivers", "host", "max_slots", "1"). */
int cluster_worker_enrol_meta(cluster_t *c, int idx, const char *const *meta);
/* The drivers setting of worker idx from its next start on ("ns,gvisor",
 * "microvm"; NULL or "" = the host driver, the default). */
void cluster_worker_set_drivers(cluster_t *c, int idx, const char *drivers);
/* Worker idx runs as another host from its next start on: in the network
 * namespace at netns_path (e.g. /run/netns/NAME), with a /tmp of its own
 * (<dir>/host-w<idx> bound over /tmp in its own mount namespace, holding
 * only its certificate, airlockd's public key and its state). NULL or "" =
 * this host. */
void cluster_worker_set_host(cluster_t *c, int idx, const char *netns_path);
void cluster_worker_kill(cluster_t *c, int idx, int sig);   /* and reap */
pid_t cluster_worker_pid(cluster_t *c, int idx);            /* 0 when not running */
/* Sends a signal without waiting. */
void cluster_worker_signal(cluster_t *c, int idx, int sig);
/* Exit status of a worker that was signalled to drain (waits for it). */
int cluster_worker_wait(cluster_t *c, int idx);
const char *cluster_worker_key(cluster_t *c, int idx);      /* Z85 public key */
/* Removes the worker's public certificate from airlockd's certs_dir (revocation). */
int cluster_worker_revoke(cluster_t *c, int idx);
/* A worker the caller names and owns (SIGKILL it and its process group,
 * and reap): certificate <dir>/<name>.key_secret made and allowed on first
 * use (*key: its Z85 public key), state <dir>/state-<name>, log
 * <dir>/<name>.log, the cluster's slots and heartbeat. The pid, or -1. */
typedef struct {
    const char *drivers;       /* NULL or "" = the host driver */
    const char *plugins_dir;   /* NULL = the build's plugins */
    const char *labels;        /* "k=v,k=v"; NULL or "" = none */
} cluster_worker_cfg_t;
pid_t cluster_worker_spawn_named(cluster_t *c, const char *name, const cluster_worker_cfg_t *cfg, char key[48]);
/* Starts a worker whose certificate airlockd never saw. */
int cluster_stranger_start(cluster_t *c, int idx);
/* 1 when the worker's log contains `needle`. */
int cluster_worker_log_has(cluster_t *c, int idx, const char *needle);

/* Starts argv[0] (absolute path) in its own process group with stdout and
 * stderr appended to log_path; it dies with the calling thread's process
 * (PR_SET_PDEATHSIG). Returns the pid or -1. */
pid_t cluster_spawn(const char *const *argv, const char *log_path);

/* Runs the airlock CLI with the cluster's client settings; returns its exit
 * code; stdout (malloc'd) into *out when out is not NULL. */
/* "AIRLOCK_CLIENT_ENDPOINT=... AIRLOCK_CLIENT_SERVER_KEY=... AIRLOCK_CLIENT_CERT=..."
 * for running the CLI against this cluster from a shell. */
int cluster_cli_env(cluster_t *c, char *buf, size_t size);
int cluster_cli(cluster_t *c, char **out, const char *const *args);
/* The same with client certificate <dir>/<cert_name>.key_secret; stderr is
 * in *out too. */
int cluster_cli_as(cluster_t *c, const char *cert_name, char **out, const char *const *args);
/* `airlock keygen --role client` for `name` with tenant and access (each
 * NULL = none), allowed in airlockd's certs_dir. */
int cluster_client_make(cluster_t *c, const char *name, const char *tenant, const char *access);

/* A git repository with one commit (calc.py, test_calc.py); its path. */
const char *cluster_repo(cluster_t *c);
/* Writes a job JSON file (test command `test_cmd`, no analyzers, optional
 * idempotency key) and returns its path (static buffer per call site copy). */
int cluster_job_file(cluster_t *c, const char *name, const char *test_cmd, const char *idem_key,
                     char path[512]);

/* The private PostgreSQL (to restart it). */
struct pg_harness;
struct pg_harness *cluster_pg(cluster_t *c);

/* Polls until `sql` (one row, one boolean column) returns true or timeout_ms
 * passes; returns 1 when it did. Reconnects to PostgreSQL as needed. */
int cluster_wait_sql(cluster_t *c, const char *sql, int timeout_ms);
/* Runs sql and returns the first column of the first row as a long (or -1). */
long cluster_sql_long(cluster_t *c, const char *sql);

/* `airlock submit FILE` with the cluster's client; the job id (malloc'd) or NULL. */
char *cluster_submit(cluster_t *c, const char *job_file);

#endif
