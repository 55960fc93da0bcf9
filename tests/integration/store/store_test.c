/*
 * store_test.c: helpers for the store integration tests (see store_test.h).
 */
#include "store_test.h"

#include "orchestrator/store/migrate.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int store_fixture_setup(void **state)
{
    store_fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    if (pg_harness_start(&f->pg) != 0 || pg_harness_migrate(f->pg) != 0 ||
        store_db_connect(&f->db, pg_harness_conninfo(f->pg)) != 0) {
        print_error("store fixture: %s\n", al_err_msg());
        pg_harness_stop(&f->pg);
        free(f);
        return -1;
    }
    print_message("pg harness: data dir %.0f ms (%s), server start %.0f ms\n",
                  pg_harness_initdb_ms(f->pg),
                  pg_harness_from_template(f->pg) ? "template copy" : "initdb",
                  pg_harness_start_ms(f->pg));
    *state = f;
    return 0;
}

int store_fixture_teardown(void **state)
{
    store_fixture_t *f = *state;
    if (!f)
        return 0;
    store_db_destroy(&f->db);
    int rc = pg_harness_stop(&f->pg);
    if (rc != 0)
        print_error("store fixture stop: %s\n", al_err_msg());
    free(f);
    *state = NULL;
    return rc == 0 ? 0 : -1;
}

store_db_t *store_test_db_fresh(store_fixture_t *f, const char *name)
{
    char sql[128], conninfo[512];
    store_db_t *db = NULL;
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    store_test_ok(f->db, sql);
    snprintf(conninfo, sizeof conninfo, "host=%s port=5432 user=postgres dbname=%s",
             pg_harness_dir(f->pg), name);
    if (store_db_connect(&db, conninfo) != 0 || store_migrate(db, AIRLOCK_SOURCE_DIR "/sql") != 0)
        fail_msg("fresh database %s: %s", name, al_err_msg());
    return db;
}

char *store_test_scalar(store_db_t *db, const char *sql)
{
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, sql, 0, NULL);
    if (rc != 0)
        fail_msg("query failed: %s: %s", sql, al_err_msg());
    char *out = NULL;
    if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        out = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return out;
}

long long store_test_int(store_db_t *db, const char *sql)
{
    char *s = store_test_scalar(db, sql);
    if (!s)
        fail_msg("query returned NULL: %s", sql);
    long long v = strtoll(s, NULL, 10);
    free(s);
    return v;
}

void store_test_ok(store_db_t *db, const char *sql)
{
    if (store_db_run_script(db, sql) != 0)
        fail_msg("statement failed: %s: %s", sql, al_err_msg());
}

int store_test_fails(store_db_t *db, const char *sql, char sqlstate[6])
{
    int rc = store_db_run_script(db, sql);
    if (rc == 0)
        fail_msg("statement unexpectedly succeeded: %s", sql);
    if (sqlstate)
        snprintf(sqlstate, 6, "%s", store_db_sqlstate(db));
    return rc;
}

typedef struct {
    const char *conninfo;
    store_test_work_fn fn;
    void *arg;
    int rc;
    char msg[256];
} worker_t;

static void *s_worker(void *p)
{
    worker_t *w = p;
    store_db_t *db = NULL;
    w->rc = store_db_connect(&db, w->conninfo);
    if (w->rc == 0)
        w->rc = w->fn(db, w->arg);
    snprintf(w->msg, sizeof w->msg, "%s", al_err_msg());
    store_db_destroy(&db);
    return NULL;
}

void store_test_parallel(const char *conninfo, int nthreads, store_test_work_fn fn, void *arg)
{
    worker_t w[8];
    pthread_t th[8];
    assert_true(nthreads > 0 && nthreads <= 8);
    for (int i = 0; i < nthreads; i++) {
        w[i] = (worker_t){.conninfo = conninfo, .fn = fn, .arg = arg};
        assert_int_equal(pthread_create(&th[i], NULL, s_worker, &w[i]), 0);
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < nthreads; i++)
        if (w[i].rc != 0)
            fail_msg("thread %d: %s", i, w[i].msg);
}

static void s_file_copy(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    FILE *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

void store_test_sql_copy(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/airlock-sql-XXXXXX");
    assert_non_null(mkdtemp(dir));
    DIR *d = opendir(AIRLOCK_SOURCE_DIR "/sql");
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".sql") != 0)
            continue;
        char from[4096], to[4096];
        snprintf(from, sizeof from, "%s/sql/%s", AIRLOCK_SOURCE_DIR, e->d_name);
        snprintf(to, sizeof to, "%s/%s", dir, e->d_name);
        s_file_copy(from, to);
    }
    closedir(d);
}

void store_test_dir_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

void store_test_file_write(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}
