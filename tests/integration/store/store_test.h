/*
 * store_test.h: helpers shared by the store integration tests (real
 * PostgreSQL through pg_harness): one cluster per test binary, scalar
 * queries, and scratch copies of the migrations directory.
 */
#ifndef AIRLOCK_STORE_TEST_H
#define AIRLOCK_STORE_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/error.h"
#include "orchestrator/store/db.h"
#include "pg_harness.h"

typedef struct {
    pg_harness_t *pg;
    store_db_t *db;     /* superuser connection to the migrated test database */
} store_fixture_t;

/* cmocka group setup/teardown: start a cluster, migrate, connect. */
int store_fixture_setup(void **state);
int store_fixture_teardown(void **state);

/* Creates database `name` in the fixture's cluster, migrates it and returns
 * a superuser connection to it (the caller destroys it). */
store_db_t *store_test_db_fresh(store_fixture_t *f, const char *name);

/* Runs sql (must succeed) and returns the first column of the first row as a
 * malloc'd string (NULL for SQL NULL or no row); the caller frees it. */
char *store_test_scalar(store_db_t *db, const char *sql);

/* store_test_scalar parsed as an integer; fails the test on NULL. */
long long store_test_int(store_db_t *db, const char *sql);

/* Runs sql and fails the test when it does not succeed. */
void store_test_ok(store_db_t *db, const char *sql);

/* Runs sql, expects failure; returns the error code and copies the SQLSTATE. */
int store_test_fails(store_db_t *db, const char *sql, char sqlstate[6]);

/* Runs fn(db, arg) on nthreads threads at once (at most 8), each with its
 * own connection to conninfo; fails the test naming the thread and its error
 * when a connection or fn fails (fn returns 0 or an AL_E* code). */
typedef int (*store_test_work_fn)(store_db_t *db, void *arg);
void store_test_parallel(const char *conninfo, int nthreads, store_test_work_fn fn, void *arg);

/* Copies every *.sql of AIRLOCK_SOURCE_DIR/sql into a new temp dir written to
 * dir (size >= 64). Remove it with store_test_dir_remove(). */
void store_test_sql_copy(char *dir, size_t size);
void store_test_dir_remove(const char *dir);

/* Writes text into dir/name (replacing it). */
void store_test_file_write(const char *dir, const char *name, const char *text);

#endif
