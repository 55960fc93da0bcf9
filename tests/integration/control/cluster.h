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

typedef struct cluster cluster_t;

typedef struct {
    int workers;          /* started at once */
    int slots;            /* per worker */
    int heartbeat_ms;
    int lease_ms;
} cluster_opts_t;

int cluster_start(cluster_t **out, const cluster_opts_t *opts);
void cluster_stop(cluster_t **c);

const char *cluster_dir(const cluster_t *c);
PGconn *cluster_db(cluster_t *c);

/* airlockd */
int cluster_airlockd_start(cluster_t *c);
void cluster_airlockd_kill(cluster_t *c, int sig);   /* and reap */

/* workers: idx 0..CLUSTER_MAX_WORKERS-1; a worker's key is made on first start */
int cluster_worker_start(cluster_t *c, int idx);
/* The drivers setting of worker idx from its next start on ("ns,gvisor",
 * "microvm"; NULL or "" = the host driver, the default). */
void cluster_worker_set_drivers(cluster_t *c, int idx, const char *drivers);
void cluster_worker_kill(cluster_t *c, int idx, int sig);   /* and reap */
/* Sends a signal without waiting. */
void cluster_worker_signal(cluster_t *c, int idx, int sig);
/* Exit status of a worker that was signalled to drain (waits for it). */
int cluster_worker_wait(cluster_t *c, int idx);
const char *cluster_worker_key(cluster_t *c, int idx);      /* Z85 public key */
/* Removes the worker's public certificate from airlockd's certs_dir (revocation). */
int cluster_worker_revoke(cluster_t *c, int idx);
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

#endif
