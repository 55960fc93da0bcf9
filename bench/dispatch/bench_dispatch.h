/*
 * bench_dispatch.h: shared declarations of the dispatch benchmark (internal).
 *
 *   bench_dispatch.c  phases, measurements and the table
 *   bench_env.c       the installation: PostgreSQL, certificates, airlockd and
 *                     airlock-worker processes, a client socket, SQL helpers
 *   fake_worker.c     an in-process worker speaking the real protocol over
 *                     CurveZMQ that answers each ASSIGN at once with RESULT
 *
 * Ownership: bench_env_start() returns an environment the caller owns
 * (bench_env_stop kills every process it started and removes its directory);
 * fake_worker_start() returns a worker the caller stops with fake_worker_stop().
 */
#ifndef AIRLOCK_BENCH_DISPATCH_H
#define AIRLOCK_BENCH_DISPATCH_H

#include <czmq.h>
#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdint.h>

#define BENCH_MAX_REAL 8

typedef struct bench_env bench_env_t;

int bench_env_start(bench_env_t **out);
void bench_env_stop(bench_env_t **env);
const char *bench_env_dir(const bench_env_t *env);
/* Z85 public key of airlockd. */
const char *bench_env_server_key(const bench_env_t *env);
const char *bench_env_worker_endpoint(const bench_env_t *env);
/* A CURVE DEALER connected to airlockd's client endpoint (caller destroys). */
zsock_t *bench_env_client(bench_env_t *env);
/* The fake worker's certificate (lent). */
zcert_t *bench_env_fake_cert(bench_env_t *env);
/* Starts `n` airlock-worker processes (host driver) with `slots` each. */
int bench_env_real_workers_start(bench_env_t *env, int n, int slots);
void bench_env_real_workers_stop(bench_env_t *env);
/* Path of a git repository with one commit (for real workers). */
const char *bench_env_repo(const bench_env_t *env);
PGconn *bench_env_db(bench_env_t *env);
/* First column of the first row as a double, or -1. */
double bench_env_sql_num(bench_env_t *env, const char *sql);
/* CPU time (user + system) so far of airlockd (which = 0) or of the
 * PostgreSQL backend serving it (which = 1); -1 when unknown. */
int64_t bench_env_cpu_us(bench_env_t *env, int which);

/* One job as the fake worker saw it. */
typedef struct {
    char job_id[64];
    int64_t assign_us;   /* ASSIGN received (monotonic) */
    int64_t ack_us;      /* ACK of its RESULT received, 0 before */
} fake_record_t;

typedef struct fake_worker fake_worker_t;

int fake_worker_start(fake_worker_t **out, bench_env_t *env, int slots);
/* RESULTs ACKed so far (any thread). */
long fake_worker_done(fake_worker_t *fw);
/* Says BYE, stops the thread; the records (owned by fw) stay readable. */
void fake_worker_stop(fake_worker_t *fw);
const fake_record_t *fake_worker_records(fake_worker_t *fw, size_t *count);
void fake_worker_destroy(fake_worker_t **fw);

int64_t bench_now_us(void);

#endif
