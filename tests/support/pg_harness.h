/*
 * pg_harness.h: a private, throw-away PostgreSQL cluster for tests.
 *
 * pg_harness_start() creates a fresh directory (mkdtemp under
 * $AIRLOCK_PG_TMPDIR, else /dev/shm when it is a tmpfs with >= 1 GiB free,
 * else /tmp), runs initdb into it and starts the server with
 * `pg_ctl start -w`, listening on a unix socket in that directory only
 * (listen_addresses='', no TCP port, fsync off), then creates the database
 * "airlock". Binaries: $AIRLOCK_PG_BINDIR, else the newest
 * /usr/lib/postgresql/<N>/bin. As root, initdb/pg_ctl run as the `postgres`
 * system user (runuser), which owns the directory; otherwise they run as the
 * calling user. Several harnesses (and test binaries) can run at once.
 *
 * Template cache: initdb is the slow part, so the first harness of a build
 * runs initdb once into $AIRLOCK_PG_TEMPLATE_DIR (default: <build>/pg-template;
 * "off" disables) and every harness copies that pristine data directory
 * (cp -a). Any failure there falls back to a plain initdb.
 *
 * Cleanup: start forks a watchdog process that holds a pipe to the test
 * process. When the pipe closes, for whatever reason (pg_harness_stop,
 * normal exit, abort(), SIGKILL), the watchdog stops the server
 * (pg_ctl stop -m immediate) and removes the directory. pg_harness_stop()
 * closes the pipe and waits for the watchdog, so it returns after cleanup.
 *
 * The conninfo connects as the cluster's superuser "postgres" (trust auth on
 * the private socket). Tests that need the application role use
 * `SET ROLE airlock_app`; tests that run real processes make the roles of a
 * deployment with pg_harness_roles() and connect each process as its own
 * login (pg_harness_conninfo_as).
 *
 * Ownership: pg_harness_start() returns a harness the caller owns;
 * pg_harness_stop() stops, cleans up, frees and NULLs it (NULL-safe).
 * Strings returned by getters are lent for the harness's lifetime.
 * Errors: AL_ECONFIG (no PostgreSQL binaries, no postgres user as root),
 * AL_EIO (directory, fork, exec; the server log tail is in the message when
 * initdb or the server fails), AL_EDB / AL_E* from the store on migrate.
 */
#ifndef AIRLOCK_PG_HARNESS_H
#define AIRLOCK_PG_HARNESS_H

#include <stddef.h>

typedef struct pg_harness pg_harness_t;

/* Creates, starts and opens a private cluster with an empty database. */
int pg_harness_start(pg_harness_t **out);

/* Stops the server, removes the directory, frees h. NULL-safe; nulls *h.
 * Returns 0 when the watchdog reported a clean removal. */
int pg_harness_stop(pg_harness_t **h);

/* libpq conninfo of the test database (superuser, unix socket). Lent. */
const char *pg_harness_conninfo(const pg_harness_t *h);

/* The cluster's private directory (data/ and the socket live in it). Lent. */
const char *pg_harness_dir(const pg_harness_t *h);

/* pg_ctl stop -m fast, then pg_ctl start -w on the same data directory and
 * socket: existing connections break (the store sees AL_EAGAIN) and can be
 * re-established with store_db_ensure(). */
int pg_harness_restart(pg_harness_t *h);

/* The two halves of pg_harness_restart(), for tests that act while the
 * database is down. */
int pg_harness_server_stop(pg_harness_t *h);
int pg_harness_server_start(pg_harness_t *h);

/* Applies the migrations of this source tree (AIRLOCK_SOURCE_DIR "/sql")
 * with store_migrate() over a fresh connection. */
int pg_harness_migrate(pg_harness_t *h);

/* The roles of a deployment (docs/OPERATIONS.md "PostgreSQL"): the groups
 * airlock_app, airlock_signer, airlock_reader (NOLOGIN), the schema owner
 * `airlock` (LOGIN; owns the database, runs the migrations) and one login per
 * process: `airlockd` (member of airlock_app), `airlock_signerd`
 * (airlock_signer), `airlock_report` (airlock_reader). Idempotent. */
int pg_harness_roles(pg_harness_t *h);

/* The test database's conninfo as `user` (trust auth on the socket) into buf.
 * 0, or AL_EINVAL when it does not fit. */
int pg_harness_conninfo_as(const pg_harness_t *h, const char *user, char *buf, size_t size);

/* Milliseconds pg_harness_start() spent making the data directory (initdb,
 * or copying the template) and in the first server start (for reports; never
 * assert on them). */
double pg_harness_initdb_ms(const pg_harness_t *h);
double pg_harness_start_ms(const pg_harness_t *h);

/* Process id of the cleanup watchdog (for tests of the harness itself). */
int pg_harness_watchdog_pid(const pg_harness_t *h);

/* 1 when the data directory was copied from the template cache. */
int pg_harness_from_template(const pg_harness_t *h);

#endif
