/*
 * migrate.c: applies sql/NNNN_name.sql in order, once, under an advisory
 * lock, recording (version, name, sha256) in schema_migrations.
 *
 * Owns the in-memory list of migration files (paths, contents, checksums)
 * for the duration of one store_migrate() call. See migrate.h.
 */
#include "orchestrator/store/migrate.h"

#include "common/error.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NAME_MAX_LEN 120
#define FILES_MAX 10000

typedef struct {
    int version;
    char file[NAME_MAX_LEN + 8];   /* "0001_core.sql" */
    char name[NAME_MAX_LEN];       /* "core" */
    char sha256[65];               /* lower-case hex */
    char *sql;                     /* owned */
} migration_t;

typedef struct {
    migration_t *items;
    size_t len;
    size_t cap;
} migration_list_t;

static const char CREATE_TABLE[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY CHECK (version > 0),"
    " name text NOT NULL,"
    " sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static void s_list_free(migration_list_t *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i].sql);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static int s_has_suffix(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* "0001_core.sql" -> version 1, name "core". AL_ECONFIG when malformed. */
static int s_name_parse(const char *file, migration_t *m)
{
    size_t len = strlen(file);
    if (len < 10 || len - 4 >= NAME_MAX_LEN + 5)
        goto bad;
    for (int i = 0; i < 4; i++)
        if (file[i] < '0' || file[i] > '9')
            goto bad;
    if (file[4] != '_')
        goto bad;
    for (size_t i = 5; i < len - 4; i++) {
        char c = file[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            goto bad;
    }
    m->version = (file[0] - '0') * 1000 + (file[1] - '0') * 100 + (file[2] - '0') * 10 + (file[3] - '0');
    if (m->version == 0)
        goto bad;
    snprintf(m->file, sizeof m->file, "%s", file);
    snprintf(m->name, sizeof m->name, "%.*s", (int)(len - 9), file + 5);
    return 0;
bad:
    return al_err_set(AL_ECONFIG, "migration file %s: name must be NNNN_name.sql "
                      "(NNNN > 0000, name of [a-z0-9_])", file);
}

static int s_sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return al_err_set(AL_ECRYPTO, "SHA-256 failed");
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* Reads dir/m->file into m->sql and computes its checksum. */
static int s_file_load(const char *dir, migration_t *m)
{
    int rc = 0;
    char path[4096];
    FILE *f = NULL;
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, m->file);
    f = fopen(path, "rb");
    if (!f)
        return al_err_set_errno(AL_EIO, "migration %s: cannot open", path);
    if (fstat(fileno(f), &st) != 0) {
        rc = al_err_set_errno(AL_EIO, "migration %s: cannot stat", path);
        goto done;
    }
    if (!S_ISREG(st.st_mode) || (size_t)st.st_size > STORE_MIGRATE_FILE_MAX) {
        rc = al_err_set(AL_ECONFIG, "migration %s: not a regular file of at most %u bytes",
                        path, STORE_MIGRATE_FILE_MAX);
        goto done;
    }
    m->sql = malloc((size_t)st.st_size + 1);
    if (!m->sql) {
        rc = al_err_set(AL_ENOMEM, "migration %s: out of memory", path);
        goto done;
    }
    size_t n = fread(m->sql, 1, (size_t)st.st_size, f);
    if (n != (size_t)st.st_size || ferror(f)) {
        rc = al_err_set(AL_EIO, "migration %s: short read", path);
        goto done;
    }
    m->sql[n] = '\0';
    if (memchr(m->sql, '\0', n)) {
        rc = al_err_set(AL_ECONFIG, "migration %s: contains a NUL byte", path);
        goto done;
    }
    rc = s_sha256_hex(m->sql, n, m->sha256);
done:
    if (f)
        fclose(f);
    return rc;
}

static int s_cmp(const void *a, const void *b)
{
    const migration_t *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}

static int s_list_push(migration_list_t *l, const char *file)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        if (cap > FILES_MAX)
            return al_err_set(AL_ECONFIG, "more than %d migration files", FILES_MAX);
        migration_t *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return al_err_set(AL_ENOMEM, "migrations: out of memory");
        l->items = items;
        l->cap = cap;
    }
    migration_t *m = &l->items[l->len];
    memset(m, 0, sizeof *m);
    int rc = s_name_parse(file, m);
    if (rc == 0)
        l->len++;
    return rc;
}

/* Lists, sorts and loads every migration of dir. */
static int s_scan(const char *dir, migration_list_t *l)
{
    int rc = 0;
    DIR *d = opendir(dir);
    if (!d)
        return al_err_set_errno(AL_EIO, "migrations directory %s", dir);
    struct dirent *e;
    errno = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !s_has_suffix(e->d_name, ".sql"))
            continue;
        rc = s_list_push(l, e->d_name);
    }
    closedir(d);
    if (rc != 0)
        return rc;
    qsort(l->items, l->len, sizeof *l->items, s_cmp);
    for (size_t i = 0; i < l->len; i++) {
        if (i > 0 && l->items[i].version == l->items[i - 1].version)
            return al_err_set(AL_ECONFIG, "migrations %s and %s share version %04d",
                              l->items[i - 1].file, l->items[i].file, l->items[i].version);
        rc = s_file_load(dir, &l->items[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static migration_t *s_find(migration_list_t *l, int version)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->items[i].version == version)
            return &l->items[i];
    return NULL;
}

/* Compares what the database recorded with the files; marks applied ones
 * by setting version to -version. */
static int s_check_applied(store_db_t *db, migration_list_t *l)
{
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, "SELECT version, name, sha256 FROM schema_migrations "
                           "ORDER BY version", 0, NULL);
    if (rc != 0)
        return rc;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        int v = atoi(PQgetvalue(res, i, 0));
        const char *name = PQgetvalue(res, i, 1), *sha = PQgetvalue(res, i, 2);
        migration_t *m = s_find(l, v);
        if (!m)
            rc = al_err_set(AL_ESTATE, "database has migration %04d_%s applied but %04d is "
                            "not in the migrations directory (database newer than this build?)",
                            v, name, v);
        else if (strcmp(m->name, name) != 0)
            rc = al_err_set(AL_ESTATE, "migration %04d was applied as '%s' but the file is %s",
                            v, name, m->file);
        else if (strcmp(m->sha256, sha) != 0)
            rc = al_err_set(AL_ESTATE, "migration %s changed after it was applied "
                            "(sha256 recorded %.12s..., file %.12s...); write a new migration "
                            "instead of editing an applied one", m->file, sha, m->sha256);
        else
            m->version = -m->version;
    }
    PQclear(res);
    return rc;
}

static int s_apply_one(store_db_t *db, const migration_t *m)
{
    int rc = store_db_run_script(db, m->sql);
    if (rc != 0)
        return al_err_wrap(rc, "migration %s", m->file);
    char version[16];
    snprintf(version, sizeof version, "%d", m->version);
    const char *params[] = {version, m->name, m->sha256};
    rc = store_db_exec(db, NULL, "INSERT INTO schema_migrations (version, name, sha256) "
                       "VALUES ($1, $2, $3)", 3, params);
    if (rc != 0)
        return al_err_wrap(rc, "recording migration %s", m->file);
    al_info("store.migrate.applied", "version=%04d name=%s sha256=%.16s",
            m->version, m->name, m->sha256);
    return 0;
}

static int s_apply_all(store_db_t *db, migration_list_t *l, int *applied)
{
    char lock[64];
    snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%lld)", STORE_MIGRATE_LOCK_KEY);
    int rc = store_db_run(db, "SET LOCAL client_min_messages = warning");
    if (rc == 0)
        rc = store_db_run(db, lock);
    if (rc == 0)
        rc = store_db_run(db, CREATE_TABLE);
    if (rc == 0)
        rc = s_check_applied(db, l);
    for (size_t i = 0; rc == 0 && i < l->len; i++) {
        if (l->items[i].version < 0)
            continue;
        rc = s_apply_one(db, &l->items[i]);
        if (rc == 0)
            (*applied)++;
    }
    return rc;
}

int store_migrate(store_db_t *db, const char *sql_dir)
{
    migration_list_t list = {0};
    int applied = 0;
    if (!db || !sql_dir)
        return al_err_set(AL_EINVAL, "store_migrate: db and sql_dir are required");
    int rc = store_db_require_idle(db, "store_migrate");
    if (rc == 0)
        rc = s_scan(sql_dir, &list);
    if (rc != 0)
        goto done;
    rc = store_db_run(db, "BEGIN");
    if (rc != 0)
        goto done;
    rc = s_apply_all(db, &list, &applied);
    if (rc == 0)
        rc = store_db_run(db, "COMMIT");
    if (rc != 0) {
        int saved = al_err_code();
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", al_err_msg());
        (void)store_db_run(db, "ROLLBACK");
        al_err_set(saved, "%s", msg);
        goto done;
    }
    al_info("store.migrate.done", "dir=%s files=%zu applied=%d", sql_dir, list.len, applied);
done:
    s_list_free(&list);
    return rc;
}

/* The names of the files not applied yet, "a, b, c" (at most 3, then "..."). */
static void s_pending_names(const migration_list_t *l, char *out, size_t size, int *pending)
{
    *pending = 0;
    out[0] = '\0';
    for (size_t i = 0; i < l->len; i++) {
        if (l->items[i].version < 0)
            continue;
        if (++*pending <= 3)
            snprintf(out + strlen(out), size - strlen(out), "%s%s", *pending > 1 ? ", " : "",
                     l->items[i].file);
        else if (*pending == 4)
            snprintf(out + strlen(out), size - strlen(out), ", ...");
    }
}

int store_migrate_check(store_db_t *db, const char *sql_dir)
{
    migration_list_t list = {0};
    PGresult *res = NULL;
    if (!db || !sql_dir)
        return al_err_set(AL_EINVAL, "store_migrate_check: db and sql_dir are required");
    int rc = s_scan(sql_dir, &list);
    if (rc == 0)
        rc = store_db_exec(db, &res, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0, NULL);
    if (rc != 0)
        goto done;
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        rc = al_err_set(AL_ESTATE, "the database has no Airlock schema: run `airlockd migrate` "
                        "as the schema owner first (docs/OPERATIONS.md)");
        goto done;
    }
    rc = s_check_applied(db, &list);
    if (rc != 0)
        goto done;
    char names[400];
    int pending = 0;
    s_pending_names(&list, names, sizeof names, &pending);
    if (pending > 0)
        rc = al_err_set(AL_ESTATE, "%d migration%s of %s not applied (%s): run `airlockd migrate` as "
                        "the schema owner (docs/OPERATIONS.md \"Upgrades\")", pending,
                        pending == 1 ? " is" : "s are", sql_dir, names);
done:
    PQclear(res);
    s_list_free(&list);
    return rc;
}

#ifndef AIRLOCK_SQL_DIR
#define AIRLOCK_SQL_DIR "sql"
#endif

const char *store_migrate_default_dir(void)
{
    const char *env = getenv("AIRLOCK_SQL_DIR");
    return env && *env ? env : AIRLOCK_SQL_DIR;
}

int store_migrate_version(store_db_t *db, int *version)
{
    PGresult *res = NULL;
    if (!db || !version)
        return al_err_set(AL_EINVAL, "store_migrate_version: db and version are required");
    *version = 0;
    int rc = store_db_exec(db, &res, "SELECT to_regclass('schema_migrations') IS NOT NULL",
                           0, NULL);
    if (rc != 0 || strcmp(PQgetvalue(res, 0, 0), "t") != 0)
        goto done;
    PQclear(res);
    res = NULL;
    rc = store_db_exec(db, &res, "SELECT coalesce(max(version), 0) FROM schema_migrations",
                       0, NULL);
    if (rc == 0)
        *version = atoi(PQgetvalue(res, 0, 0));
done:
    PQclear(res);
    return rc;
}
