/*
 * test_store_db.c: the store connection against a real private PostgreSQL:
 * parameters and NULLs, error translation with SQLSTATE, unique violations,
 * refused connections, reconnecting after a database restart, and the
 * prepared-statement cache.
 */
#include "store_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_exec_params_and_nulls(void **state)
{
    store_fixture_t *f = *state;
    PGresult *res = NULL;
    const char *params[] = {"it's \"quoted\" ; DROP TABLE jobs; --", NULL};
    assert_int_equal(store_db_exec(f->db, &res, "SELECT $1::text, $2::text IS NULL", 2, params), 0);
    assert_non_null(res);
    assert_string_equal(PQgetvalue(res, 0, 0), params[0]);
    assert_string_equal(PQgetvalue(res, 0, 1), "t");
    PQclear(res);
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM pg_tables WHERE tablename = 'jobs'"), 1);
    assert_int_equal(store_db_exec(f->db, NULL, "SELECT 1", 0, NULL), 0);
    assert_int_equal(store_db_run(f->db, ""), 0);
    assert_int_equal(store_db_exec(NULL, &res, "SELECT 1", 0, NULL), AL_EINVAL);
    assert_null(res);
    assert_int_equal(store_db_exec(f->db, &res, "SELECT $1", 1, NULL), AL_EINVAL);
    assert_int_equal(store_db_exec(f->db, &res, NULL, 0, NULL), AL_EINVAL);
}

static void test_errors_translated(void **state)
{
    store_fixture_t *f = *state;
    PGresult *res = NULL;
    assert_int_equal(store_db_exec(f->db, &res, "SELEC nonsense", 0, NULL), AL_EDB);
    assert_null(res);
    assert_string_equal(store_db_sqlstate(f->db), "42601");
    assert_non_null(strstr(al_err_msg(), "syntax error"));
    assert_non_null(strstr(al_err_msg(), "SQLSTATE 42601"));
    /* the connection is still usable, and a success clears the SQLSTATE */
    assert_int_equal(store_db_run(f->db, "SELECT 1"), 0);
    assert_string_equal(store_db_sqlstate(f->db), "");
    store_test_ok(f->db, "INSERT INTO workers (id, name) VALUES ('dup-key', 'w')");
    assert_int_equal(store_db_run(f->db, "INSERT INTO workers (id, name) VALUES ('dup-key', 'w')"),
                     AL_EDB);
    assert_true(store_db_is_unique_violation(f->db));
    assert_int_equal(store_db_run(f->db, "INSERT INTO workers (id, name, state) "
                                  "VALUES ('k2', 'w', 'bogus')"), AL_EDB);
    assert_string_equal(store_db_sqlstate(f->db), "23514");   /* check_violation */
    assert_false(store_db_is_unique_violation(f->db));
    store_test_ok(f->db, "DELETE FROM workers WHERE id = 'dup-key'");
}

static void test_connect_refused(void **state)
{
    (void)state;
    store_db_t *db = (store_db_t *)0x1;
    assert_int_equal(store_db_connect(&db, "host=/nonexistent/airlock port=5432 dbname=x "
                                      "connect_timeout=2"), AL_EDB);
    assert_null(db);
    assert_non_null(strstr(al_err_msg(), "connect to PostgreSQL failed"));
    assert_int_equal(store_db_connect(&db, "this is = not a conninfo"), AL_EDB);
    assert_null(db);
    assert_int_equal(store_db_connect(&db, NULL), AL_EINVAL);
    assert_int_equal(store_db_connect(NULL, "dbname=x"), AL_EINVAL);
    store_db_destroy(&db);
    store_db_destroy(NULL);
}

static void test_reconnect_after_restart(void **state)
{
    store_fixture_t *f = *state;
    store_test_ok(f->db, "CREATE TABLE restart_probe (x int); INSERT INTO restart_probe VALUES (7)");
    assert_int_equal(store_db_reconnects(f->db), 0);
    assert_int_equal(store_db_ensure(f->db, 3), 0);     /* up: no reconnect */
    assert_int_equal(store_db_reconnects(f->db), 0);
    if (pg_harness_restart(f->pg) != 0)
        fail_msg("restart: %s", al_err_msg());
    int rc = store_db_run(f->db, "SELECT 1");
    assert_int_equal(rc, AL_EAGAIN);
    assert_non_null(strstr(al_err_msg(), "connection"));
    assert_int_equal(store_db_run(f->db, "SELECT 1"), AL_EAGAIN);   /* still down until ensure */
    assert_int_equal(store_db_ensure(f->db, 5), 0);
    assert_int_equal(store_db_reconnects(f->db), 1);
    assert_int_equal(store_test_int(f->db, "SELECT x FROM restart_probe"), 7);
    /* client_encoding survives the reset */
    char *enc = store_test_scalar(f->db, "SHOW client_encoding");
    assert_string_equal(enc, "UTF8");
    free(enc);
}

static void test_ensure_while_down(void **state)
{
    store_fixture_t *f = *state;
    if (pg_harness_server_stop(f->pg) != 0)
        fail_msg("server stop: %s", al_err_msg());
    assert_int_equal(store_db_run(f->db, "SELECT 1"), AL_EAGAIN);
    assert_int_equal(store_db_ensure(f->db, 2), AL_EAGAIN);
    assert_non_null(strstr(al_err_msg(), "reconnect failed"));
    if (pg_harness_server_start(f->pg) != 0)
        fail_msg("server start: %s", al_err_msg());
    assert_int_equal(store_db_ensure(f->db, 5), 0);
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM restart_probe"), 1);
}

/* A session that dropped to airlock_app keeps the grants' limits, also
 * after a reconnect. */
static void test_set_role_survives_reconnect(void **state)
{
    store_fixture_t *f = *state;
    char st[6];
    assert_int_equal(store_db_set_role(f->db, "airlock_app"), 0);
    store_test_fails(f->db, "DELETE FROM audit_log", st);
    assert_string_equal(st, "42501");
    assert_non_null(strstr(al_err_msg(), "permission denied"));
    if (pg_harness_restart(f->pg) != 0)
        fail_msg("restart: %s", al_err_msg());
    assert_int_equal(store_db_run(f->db, "SELECT 1"), AL_EAGAIN);
    assert_int_equal(store_db_ensure(f->db, 5), 0);
    char *role = store_test_scalar(f->db, "SELECT current_user");
    assert_string_equal(role, "airlock_app");
    free(role);
    assert_int_equal(store_db_set_role(f->db, NULL), 0);
    role = store_test_scalar(f->db, "SELECT current_user");
    assert_string_equal(role, "postgres");
    free(role);
    assert_int_equal(store_db_set_role(f->db, "no_such_role"), AL_EDB);
    assert_int_equal(store_db_set_role(f->db, ""), AL_EINVAL);
    role = store_test_scalar(f->db, "SELECT current_user");
    assert_string_equal(role, "postgres");
    free(role);
}

/* With the prepare cache on, a statement with parameters is prepared once per
 * session and executed by name; a refused one still reports its error; a
 * reconnect prepares it again on the new session; off deallocates. */
static void s_expect_42(store_db_t *db)
{
    PGresult *res = NULL;
    const char *p[] = {"41"};
    assert_int_equal(store_db_exec(db, &res, "SELECT $1::int + 1", 1, p), 0);
    assert_string_equal(PQgetvalue(res, 0, 0), "42");
    PQclear(res);
}

static void test_prepare_cache(void **state)
{
    store_fixture_t *f = *state;
    static const char count[] = "SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT $1::int + 1'";
    s_expect_42(f->db);
    assert_int_equal(store_test_int(f->db, count), 0);   /* off by default */
    store_db_prepare_cache(f->db, 1);
    for (int i = 0; i < 3; i++)
        s_expect_42(f->db);
    assert_int_equal(store_test_int(f->db, count), 1);
    PGresult *res = NULL;
    const char *p[] = {"1"};
    assert_int_equal(store_db_exec(f->db, &res, "SELEC $1", 1, p), AL_EDB);
    assert_string_equal(store_db_sqlstate(f->db), "42601");
    /* refused after parsing (no such column), inside a transaction: its own
     * error, not the "transaction aborted" (25P02) of a second try */
    assert_int_equal(store_db_run(f->db, "BEGIN"), 0);
    assert_int_equal(store_db_exec(f->db, &res, "SELECT no_such_column + $1::int", 1, p), AL_EDB);
    assert_string_equal(store_db_sqlstate(f->db), "42703");
    assert_int_equal(store_db_run(f->db, "ROLLBACK"), 0);
    if (pg_harness_restart(f->pg) != 0)
        fail_msg("restart: %s", al_err_msg());
    assert_int_equal(store_db_run(f->db, "SELECT 1"), AL_EAGAIN);
    assert_int_equal(store_db_ensure(f->db, 5), 0);
    assert_int_equal(store_test_int(f->db, count), 0);   /* died with the old session */
    s_expect_42(f->db);
    assert_int_equal(store_test_int(f->db, count), 1);
    store_db_prepare_cache(f->db, 0);
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM pg_prepared_statements"), 0);
    s_expect_42(f->db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_params_and_nulls),
        cmocka_unit_test(test_errors_translated),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_reconnect_after_restart),
        cmocka_unit_test(test_ensure_while_down),
        cmocka_unit_test(test_set_role_survives_reconnect),
        cmocka_unit_test(test_prepare_cache),
    };
    return cmocka_run_group_tests(tests, store_fixture_setup, store_fixture_teardown);
}
