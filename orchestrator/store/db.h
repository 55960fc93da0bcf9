/*
 * db.h: one PostgreSQL connection (libpq) for the store.
 *
 * store_db_t wraps a PGconn opened from a caller-supplied conninfo string
 * (keyword/value or postgresql:// URI). Every session is forced to
 * client_encoding=UTF8 and application_name=airlock unless the conninfo names
 * another application_name; server NOTICEs go to the log at debug level.
 *
 * Queries: store_db_exec() runs one command with text parameters and hands
 * back exactly one PGresult the caller owns (PQclear), or an error with
 * PQerrorMessage translated into al_err_msg(). The SQLSTATE of the last
 * failure is kept (store_db_sqlstate) so callers can tell a unique violation
 * ("23505") or a serialization failure ("40001") from other errors.
 *
 * Lost connections: when the server goes away (restart, crash, network) a
 * query fails with AL_EAGAIN; the caller then calls store_db_ensure(), which
 * reconnects with exponential backoff, and retries its whole operation
 * (transactions do not survive a reconnect).
 *
 * Ownership: store_db_connect() returns a connection the caller owns;
 * store_db_destroy() closes it and NULLs the pointer. A store_db_t is used by
 * one thread at a time.
 * Errors: AL_EINVAL (bad argument), AL_ENOMEM, AL_EDB (server or libpq
 * error: message and SQLSTATE), AL_EAGAIN (connection lost; retry after
 * store_db_ensure).
 */
#ifndef AIRLOCK_STORE_DB_H
#define AIRLOCK_STORE_DB_H

#include <libpq-fe.h>

typedef struct store_db store_db_t;

/* Opens a connection. conninfo is copied. On failure *out is NULL and the
 * libpq reason is in al_err_msg() (AL_EDB). */
int store_db_connect(store_db_t **out, const char *conninfo);

/* Closes the connection (if any) and frees db. NULL-safe; nulls *db. */
void store_db_destroy(store_db_t **db);

/* The underlying connection, lent; NULL only after a failed reconnect.
 * For code that needs libpq directly (COPY, pipelining). */
PGconn *store_db_conn(store_db_t *db);

/* Runs one SQL command with nparams text parameters ($1..$n; a NULL entry is
 * SQL NULL). On success returns 0 and, when out is non-NULL, stores the
 * result (PGRES_COMMAND_OK or PGRES_TUPLES_OK) in *out for the caller to
 * PQclear; when out is NULL the result is discarded. On failure *out is NULL. */
int store_db_exec(store_db_t *db, PGresult **out, const char *sql,
                  int nparams, const char *const *params);

/* Like store_db_exec with no parameters, but every column of the result is in
 * PostgreSQL's binary format (int8 big-endian, bytea raw, jsonb = version
 * byte 1 + text, timestamptz = int64 microseconds since 2000-01-01 UTC). */
int store_db_exec_binary(store_db_t *db, PGresult **out, const char *sql);

/* The general form: formats[i] 1 makes parameter i binary (lengths[i] bytes,
 * e.g. bytea), 0 text; result_format 1 asks for binary columns. lengths and
 * formats may be NULL (all text). */
int store_db_exec_params(store_db_t *db, PGresult **out, const char *sql, int nparams,
                         const char *const *params, const int *lengths, const int *formats,
                         int result_format);

/* Same, with no parameters and the result discarded: "BEGIN", "COMMIT", DDL. */
int store_db_run(store_db_t *db, const char *sql);

/* A function run right after every reconnect of store_db_ensure (after the
 * role is set, before any caller's statement): airlockd retakes its leader
 * lock there. When it returns non-zero ensure returns that code; unless it
 * is AL_EAGAIN (the connection went again: the next ensure runs the hook
 * again) the session is fenced: every later call on db fails with AL_ESTATE.
 * NULL = none. */
typedef int (*store_db_hook_fn)(store_db_t *db, void *arg);
void store_db_on_reconnect(store_db_t *db, store_db_hook_fn fn, void *arg);

/* From now on store_db_exec prepares each distinct statement with parameters
 * once per session (up to STORE_DB_STMT_MAX of them; more run unprepared) and
 * then only executes it: no parse and plan of the call per round trip. For a
 * connection whose schema no longer changes (airlockd's, after its migration
 * check). A reconnect forgets them (they died with the session). */
#define STORE_DB_STMT_MAX 64
void store_db_prepare_cache(store_db_t *db, int on);

/* Runs sql (one or more statements, simple query protocol, no parameters),
 * discarding results; stops at the first failing statement. For migrations. */
int store_db_run_script(store_db_t *db, const char *sql);

/* 0 when the session is idle (no transaction open); AL_ESTATE naming `what`
 * otherwise. For functions that run their own transaction (store_migrate,
 * store_audit_verify) and must not commit or abort the caller's. */
int store_db_require_idle(store_db_t *db, const char *what);

/* SQLSTATE of the last failed command ("" when none or not from the server).
 * Lent until the next call on db. */
const char *store_db_sqlstate(const store_db_t *db);

/* Nonzero when the last failure was a unique violation (SQLSTATE 23505). */
int store_db_is_unique_violation(const store_db_t *db);

/* Makes sure the connection is up: returns 0 at once when it is; otherwise
 * resets it, waiting 50 ms, 100 ms, ... (capped at 2 s) between at most
 * max_tries attempts (0 = a single attempt). AL_EAGAIN when still down. */
int store_db_ensure(store_db_t *db, int max_tries);

/* Drops this session's privileges to `role` (SET ROLE), e.g. "airlock_app",
 * and re-applies it after every reconnect, so a process that logs in as the
 * schema owner still writes through the application role's grants (INSERT
 * and SELECT only on audit_log). role is copied; NULL restores the login
 * role. AL_EINVAL for an empty or oversize name, AL_EDB when not a member. */
int store_db_set_role(store_db_t *db, const char *role);

/* Number of successful reconnects so far (for logs and tests). */
unsigned store_db_reconnects(const store_db_t *db);

#endif
