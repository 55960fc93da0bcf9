/*
 * db.c: the store's PostgreSQL connection: connect, run commands with
 * parameters, translate libpq errors, reconnect with backoff.
 *
 * Owns the PGconn, a copy of the conninfo and, when store_db_prepare_cache
 * is on, the texts of the statements prepared on the session (named
 * "al_s<i>"). See db.h for the contract.
 */
#include "orchestrator/store/db.h"

#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BACKOFF_FIRST_MS 50
#define BACKOFF_MAX_MS 2000

struct store_db {
    PGconn *conn;
    char sqlstate[6];
    unsigned reconnects;
    char role[64];          /* SET ROLE applied on every (re)connect; "" = none */
    store_db_hook_fn on_reconnect;   /* run after every reconnect (e.g. retake a lock) */
    void *on_reconnect_arg;
    int fenced;             /* the hook refused this session: every call fails */
    int cache_on;           /* store_db_prepare_cache */
    int nstmts;             /* statements prepared on this session */
    char *stmts[STORE_DB_STMT_MAX];   /* their texts; "al_s<i>" is stmts[i] */
};

static void s_stmts_forget(store_db_t *db)
{
    for (int i = 0; i < db->nstmts; i++) {
        free(db->stmts[i]);
        db->stmts[i] = NULL;
    }
    db->nstmts = 0;
}

void store_db_prepare_cache(store_db_t *db, int on)
{
    if (!db)
        return;
    db->cache_on = on;
    if (!on && db->conn && PQstatus(db->conn) == CONNECTION_OK) {
        PGresult *res = PQexec(db->conn, "DEALLOCATE ALL");
        PQclear(res);
    }
    if (!on)
        s_stmts_forget(db);
}

/* The index of sql's prepared statement, preparing it on first use; -1 when
 * it runs unprepared (cache off or full, connection lost). When the server
 * refuses to prepare it, *refused is its answer: that is the statement's error
 * (running it again inside a transaction would only report 25P02, aborted). */
static int s_stmt(store_db_t *db, const char *sql, int nparams, PGresult **refused)
{
    *refused = NULL;
    if (!db->cache_on || nparams == 0)
        return -1;
    for (int i = 0; i < db->nstmts; i++) {
        if (strcmp(db->stmts[i], sql) == 0)
            return i;
    }
    if (db->nstmts == STORE_DB_STMT_MAX || PQtransactionStatus(db->conn) == PQTRANS_INERROR)
        return -1;
    char *copy = strdup(sql);
    if (!copy)
        return -1;
    char name[16];
    snprintf(name, sizeof name, "al_s%d", db->nstmts);
    PGresult *res = PQprepare(db->conn, name, sql, nparams, NULL);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        free(copy);
        *refused = res;
        return -1;
    }
    PQclear(res);
    db->stmts[db->nstmts] = copy;
    return db->nstmts++;
}

void store_db_on_reconnect(store_db_t *db, store_db_hook_fn fn, void *arg)
{
    if (!db)
        return;
    db->on_reconnect = fn;
    db->on_reconnect_arg = arg;
}

static void s_notice(void *arg, const char *message)
{
    (void)arg;
    char quoted[512];
    al_debug("store.db.notice", "msg=%s", al_log_quote(quoted, sizeof quoted, message));
}

/* Copies a libpq message without its trailing newline into the error buffer. */
static int s_err_conn(store_db_t *db, int code, const char *what)
{
    const char *msg = db->conn ? PQerrorMessage(db->conn) : "no connection";
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--;
    return al_err_set(code, "%s: %.*s", what, (int)len, msg);
}

static void s_sqlstate_set(store_db_t *db, const PGresult *res)
{
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    db->sqlstate[0] = '\0';
    if (st) {
        strncpy(db->sqlstate, st, sizeof db->sqlstate - 1);
        db->sqlstate[sizeof db->sqlstate - 1] = '\0';
    }
}

int store_db_connect(store_db_t **out, const char *conninfo)
{
    int rc = 0;
    store_db_t *db = NULL;
    if (!out || !conninfo)
        return al_err_set(AL_EINVAL, "store_db_connect: out and conninfo are required");
    *out = NULL;
    db = calloc(1, sizeof *db);
    if (!db)
        return al_err_set(AL_ENOMEM, "store_db_connect: out of memory");
    /* Earlier keywords are defaults the conninfo may override; later ones win. */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding", NULL};
    const char *vals[] = {"10", "airlock", conninfo, "UTF8", NULL};
    db->conn = PQconnectdbParams(keys, vals, 1);
    if (!db->conn) {
        rc = al_err_set(AL_ENOMEM, "store_db_connect: libpq could not allocate a connection");
        goto done;
    }
    if (PQstatus(db->conn) != CONNECTION_OK) {
        rc = s_err_conn(db, AL_EDB, "connect to PostgreSQL failed");
        goto done;
    }
    PQsetNoticeProcessor(db->conn, s_notice, NULL);
    al_debug("store.db.connected", "server_version=%d", PQserverVersion(db->conn));
    *out = db;
    db = NULL;
done:
    store_db_destroy(&db);
    return rc;
}

void store_db_destroy(store_db_t **db)
{
    if (!db || !*db)
        return;
    if ((*db)->conn)
        PQfinish((*db)->conn);
    s_stmts_forget(*db);
    free(*db);
    *db = NULL;
}

PGconn *store_db_conn(store_db_t *db) { return db ? db->conn : NULL; }

const char *store_db_sqlstate(const store_db_t *db) { return db ? db->sqlstate : ""; }

int store_db_is_unique_violation(const store_db_t *db)
{
    return db && strcmp(db->sqlstate, "23505") == 0;
}

unsigned store_db_reconnects(const store_db_t *db) { return db ? db->reconnects : 0; }

/* Takes ownership of res. Returns 0 with res in *out (or cleared), or an error. */
static int s_result_take(store_db_t *db, PGresult *res, PGresult **out, const char *sql)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
        db->sqlstate[0] = '\0';
        if (out)
            *out = res;
        else
            PQclear(res);
        return 0;
    }
    s_sqlstate_set(db, res);
    PQclear(res);
    char head[64];
    snprintf(head, sizeof head, "%.40s%s", sql, strlen(sql) > 40 ? "..." : "");
    for (char *p = head; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    if (PQstatus(db->conn) == CONNECTION_BAD)
        return s_err_conn(db, AL_EAGAIN, "PostgreSQL connection lost");
    int rc = s_err_conn(db, AL_EDB, head);
    if (db->sqlstate[0])
        al_err_wrap(rc, "SQLSTATE %s", db->sqlstate);
    return rc;
}

static int s_exec_full(store_db_t *db, PGresult **out, const char *sql, int nparams,
                       const char *const *params, const int *lengths, const int *formats,
                       int result_format)
{
    if (out)
        *out = NULL;
    if (!db || !sql || nparams < 0 || (nparams > 0 && !params))
        return al_err_set(AL_EINVAL, "store_db_exec: db, sql and params are required");
    if (!db->conn || PQstatus(db->conn) == CONNECTION_BAD)
        return al_err_set(AL_EAGAIN, "PostgreSQL connection is down (call store_db_ensure)");
    if (db->fenced)
        return al_err_set(AL_ESTATE, "this PostgreSQL session was refused by its reconnect hook");
    PGresult *refused = NULL;
    int stmt = (!lengths && !formats && result_format == 0) ? s_stmt(db, sql, nparams, &refused) : -1;
    if (refused)
        return s_result_take(db, refused, out, sql);
    char name[16];
    snprintf(name, sizeof name, "al_s%d", stmt);
    PGresult *res = stmt >= 0 ? PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0)
                              : PQexecParams(db->conn, sql, nparams, NULL, params, lengths, formats,
                                             result_format);
    return s_result_take(db, res, out, sql);
}

static int s_exec(store_db_t *db, PGresult **out, const char *sql, int nparams,
                  const char *const *params, int result_format)
{
    return s_exec_full(db, out, sql, nparams, params, NULL, NULL, result_format);
}

int store_db_exec_params(store_db_t *db, PGresult **out, const char *sql, int nparams,
                         const char *const *params, const int *lengths, const int *formats,
                         int result_format)
{
    return s_exec_full(db, out, sql, nparams, params, lengths, formats, result_format);
}

int store_db_exec(store_db_t *db, PGresult **out, const char *sql,
                  int nparams, const char *const *params)
{
    return s_exec(db, out, sql, nparams, params, 0);
}

int store_db_exec_binary(store_db_t *db, PGresult **out, const char *sql)
{
    return s_exec(db, out, sql, 0, NULL, 1);
}

int store_db_require_idle(store_db_t *db, const char *what)
{
    if (!db || !db->conn)
        return al_err_set(AL_EINVAL, "%s: no database", what);
    PGTransactionStatusType st = PQtransactionStatus(db->conn);
    if (st == PQTRANS_IDLE)
        return 0;
    if (st == PQTRANS_UNKNOWN)
        return al_err_set(AL_EAGAIN, "%s: PostgreSQL connection is down", what);
    return al_err_set(AL_ESTATE, "%s runs its own transaction; call it outside one", what);
}

int store_db_run(store_db_t *db, const char *sql)
{
    return store_db_exec(db, NULL, sql, 0, NULL);
}

int store_db_run_script(store_db_t *db, const char *sql)
{
    if (!db || !sql)
        return al_err_set(AL_EINVAL, "store_db_run_script: db and sql are required");
    if (!db->conn || PQstatus(db->conn) == CONNECTION_BAD)
        return al_err_set(AL_EAGAIN, "PostgreSQL connection is down (call store_db_ensure)");
    if (db->fenced)
        return al_err_set(AL_ESTATE, "this PostgreSQL session was refused by its reconnect hook");
    /* PQexec returns the last result; an error stops the script there. */
    PGresult *res = PQexec(db->conn, sql);
    return s_result_take(db, res, NULL, sql);
}

/* SET ROLE (or RESET ROLE) for db->role, quoting the name on the server. */
static int s_role_apply(store_db_t *db)
{
    if (!db->role[0])
        return store_db_run(db, "RESET ROLE");
    const char *params[] = {db->role};
    return store_db_exec(db, NULL, "SELECT set_config('role', $1, false)", 1, params);
}

int store_db_set_role(store_db_t *db, const char *role)
{
    if (!db)
        return al_err_set(AL_EINVAL, "store_db_set_role: no database");
    if (role && (!*role || strlen(role) >= sizeof db->role))
        return al_err_set(AL_EINVAL, "store_db_set_role: role name must be 1..%zu bytes",
                          sizeof db->role - 1);
    snprintf(db->role, sizeof db->role, "%s", role ? role : "");
    int rc = s_role_apply(db);
    if (rc != 0) {
        db->role[0] = '\0';
        return al_err_wrap(rc, "set role %s", role ? role : "(login role)");
    }
    return 0;
}

static void s_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

int store_db_ensure(store_db_t *db, int max_tries)
{
    if (!db || !db->conn)
        return al_err_set(AL_EINVAL, "store_db_ensure: no connection object");
    if (PQstatus(db->conn) == CONNECTION_OK)
        return 0;
    long wait_ms = BACKOFF_FIRST_MS;
    int tries = max_tries > 0 ? max_tries : 1;
    for (int i = 0; i < tries; i++) {
        if (i > 0) {
            s_sleep_ms(wait_ms);
            wait_ms = wait_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : wait_ms * 2;
        }
        PQreset(db->conn);
        s_stmts_forget(db);   /* prepared statements died with the old session */
        if (PQstatus(db->conn) == CONNECTION_OK) {
            db->reconnects++;
            int rc = s_role_apply(db);
            if (rc != 0)
                return al_err_wrap(rc, "reconnected but could not set role %s", db->role);
            if (db->on_reconnect && (rc = db->on_reconnect(db, db->on_reconnect_arg)) != 0) {
                if (rc != AL_EAGAIN)
                    db->fenced = 1;   /* refused: nothing more runs on this session */
                return al_err_wrap(rc, "reconnected but the reconnect hook failed");
            }
            al_info("store.db.reconnected", "tries=%d reconnects=%u", i + 1, db->reconnects);
            return 0;
        }
    }
    int rc = s_err_conn(db, AL_EAGAIN, "PostgreSQL reconnect failed");
    al_warn("store.db.reconnect_failed", "tries=%d", tries);
    return rc;
}
