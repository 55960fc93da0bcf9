/*
 * test_store_audit.c: the audit_log against a real private PostgreSQL:
 * append-only through triggers (also for the superuser and under
 * session_replication_role = replica) and grants (airlock_app), a chain that
 * verifies in SQL and in C, tampering and tail removal detected by both with
 * the first bad id, concurrent appends from two connections forming one chain,
 * client-supplied hashes ignored, malformed input refused.
 */
#include "store_test.h"

#include "orchestrator/store/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void s_append_n(store_db_t *db, int n, const char *actor)
{
    for (int i = 0; i < n; i++) {
        char detail[128];
        snprintf(detail, sizeof detail, "{\"i\": %d, \"note\": \"caf\\u00e9 \\\"q\\\" ,:~\"}", i);
        int rc = store_audit_append(db, actor, "test.append", i % 3 ? "job-1" : NULL,
                                    i % 2 ? "task-1" : NULL,
                                    i % 4 ? "{\"repo\": \"r\", \"pr\": \"7\"}" : NULL, detail);
        if (rc != 0)
            fail_msg("append %d: %s", i, al_err_msg());
    }
}

static void s_expect_verified(store_db_t *db)
{
    int64_t bad = -1, rows = -1;
    if (store_audit_verify_count(db, &bad, &rows) != 0)
        fail_msg("C verify: %s", al_err_msg());
    assert_int_equal(bad, 0);
    assert_int_equal(rows, store_test_int(db, "SELECT count(*) FROM audit_log"));
    bad = -1;
    if (store_audit_verify_sql(db, &bad) != 0)
        fail_msg("SQL verify: %s", al_err_msg());
    assert_int_equal(bad, 0);
}

static void test_chain_verifies(void **state)
{
    store_fixture_t *f = *state;
    s_append_n(f->db, 40, "airlockd");
    /* multi-byte text: the canonical form counts bytes, in SQL and in C */
    assert_int_equal(store_audit_append(f->db, "w\xc3\xb6rker-\xf0\x9f\x94\x91", "t\xc3\xa9st",
                                        "j\xc3\xa9", "", "{\"\xe2\x82\xac\": \"\\u00e9\"}",
                                        "\"\\ud83d\\udd11 \\n\\t\""), 0);
    store_test_ok(f->db, "SELECT audit_append('wkey', 'sql.append', 'job-2', NULL, "
                  "'{\"bot\": \"x\"}', '[1, 2, {\"z\": null}]')");
    s_expect_verified(f->db);
    /* links (one per transaction, sql/0080): every link's prev_hash is the
     * hash of the link before it; the first chains from 32 zero bytes */
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM audit_links a JOIN LATERAL "
                     "(SELECT hash FROM audit_links b WHERE b.last_id < a.last_id ORDER BY b.last_id DESC "
                     "LIMIT 1) p ON true WHERE a.prev_hash <> p.hash"), 0);
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM audit_links WHERE last_id = "
                     "(SELECT min(last_id) FROM audit_links) AND prev_hash = decode(repeat('00', 32), 'hex')"), 1);
    assert_int_equal(store_test_int(f->db, "SELECT sum(n) FROM audit_links"),
                     store_test_int(f->db, "SELECT count(*) FROM audit_log"));
}

/* The C canonical form and hash agree with the SQL one for one row. */
static void test_row_hash_matches_sql(void **state)
{
    store_fixture_t *f = *state;
    store_audit_row_t row = {.id = 42, .ts_us = 1795945940437210, .actor = "airlockd",
                             .action = "job.submit", .job_id = "j1", .task_id = NULL,
                             .labels = "{\"repo\": \"x\"}", .detail = "{\"é\": \"ü\"}"};
    uint8_t prev[STORE_AUDIT_HASH_LEN], out[STORE_AUDIT_HASH_LEN];
    memset(prev, 0xab, sizeof prev);
    assert_int_equal(store_audit_row_hash(&row, prev, out), 0);
    char hex[2 * STORE_AUDIT_HASH_LEN + 1];
    for (int i = 0; i < STORE_AUDIT_HASH_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", out[i]);
    char *sql = store_test_scalar(f->db, "SELECT encode(sha256(audit_canonical(42, "
        "to_timestamp(0) + 1795945940437210 * interval '1 microsecond', 'airlockd', 'job.submit', "
        "'j1', NULL, '{\"repo\": \"x\"}', '{\"é\": \"ü\"}') || decode(repeat('ab', 32), 'hex')), 'hex')");
    assert_string_equal(hex, sql);
    free(sql);
    /* the test vector of docs/DATA-MODEL.md (prev_hash = 32 zero bytes) */
    memset(prev, 0, sizeof prev);
    assert_int_equal(store_audit_row_hash(&row, prev, out), 0);
    for (int i = 0; i < STORE_AUDIT_HASH_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", out[i]);
    assert_string_equal(hex, "ea2dae24963e8989af086163490ecac67f7eef10aca01684e524502148d1e4c7");
    assert_int_equal(store_audit_row_hash(NULL, prev, out), AL_EINVAL);
    row.detail = NULL;
    assert_int_equal(store_audit_row_hash(&row, prev, out), AL_EINVAL);
}

static void s_expect_refused(store_db_t *db, const char *sql, const char *msg_part)
{
    char st[6];
    store_test_fails(db, sql, st);
    assert_string_equal(st, "42501");
    if (!strstr(al_err_msg(), msg_part))
        fail_msg("%s: expected '%s' in: %s", sql, msg_part, al_err_msg());
}

static void s_expect_trigger_refusals(store_db_t *db)
{
    s_expect_refused(db, "UPDATE audit_log SET actor = 'x'", "append-only: UPDATE refused");
    s_expect_refused(db, "UPDATE audit_log SET actor = 'x' WHERE false", "UPDATE refused");
    s_expect_refused(db, "DELETE FROM audit_log", "append-only: DELETE refused");
    s_expect_refused(db, "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
                     "DELETE refused");
    s_expect_refused(db, "TRUNCATE audit_log", "append-only: TRUNCATE refused");
    s_expect_refused(db, "UPDATE audit_head SET last_id = 1", "audit_head is maintained");
    s_expect_refused(db, "DELETE FROM audit_head", "audit_head is maintained");
    s_expect_refused(db, "TRUNCATE audit_head", "TRUNCATE refused");
}

static void test_superuser_refused_by_triggers(void **state)
{
    store_fixture_t *f = *state;
    long long rows = store_test_int(f->db, "SELECT count(*) FROM audit_log");
    assert_true(rows > 0);
    assert_int_equal(store_test_int(f->db, "SELECT rolsuper::int FROM pg_roles "
                                    "WHERE rolname = current_user"), 1);
    s_expect_trigger_refusals(f->db);
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM audit_log"), rows);
    s_expect_verified(f->db);
}

static void test_replica_role_does_not_bypass(void **state)
{
    store_fixture_t *f = *state;
    long long rows = store_test_int(f->db, "SELECT count(*) FROM audit_log");
    store_test_ok(f->db, "SET session_replication_role = replica");
    s_expect_trigger_refusals(f->db);
    /* appends are still chained under replica */
    s_append_n(f->db, 3, "replica");
    store_test_ok(f->db, "RESET session_replication_role");
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM audit_log"), rows + 3);
    s_expect_verified(f->db);
}

static void test_app_role_grants(void **state)
{
    store_fixture_t *f = *state;
    store_test_ok(f->db, "SET ROLE airlock_app");
    s_append_n(f->db, 2, "app");
    assert_true(store_test_int(f->db, "SELECT count(*) FROM audit_log") > 0);
    s_expect_refused(f->db, "UPDATE audit_log SET actor = 'x'", "permission denied for table audit_log");
    s_expect_refused(f->db, "DELETE FROM audit_log", "permission denied for table audit_log");
    s_expect_refused(f->db, "TRUNCATE audit_log", "permission denied for table audit_log");
    s_expect_refused(f->db, "UPDATE audit_head SET last_id = 0", "permission denied for table audit_head");
    s_expect_refused(f->db, "SELECT setval('audit_log_id_seq', 1)", "permission denied for sequence");
    s_expect_refused(f->db, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete",
                     "must be owner");
    /* the operational tables stay writable for the application */
    store_test_ok(f->db, "INSERT INTO workers (id, name) VALUES ('app-probe', 'p'); "
                  "UPDATE workers SET slots = 2 WHERE id = 'app-probe'; "
                  "DELETE FROM workers WHERE id = 'app-probe'");
    store_test_ok(f->db, "RESET ROLE");
    s_expect_verified(f->db);
}

static void test_client_values_ignored(void **state)
{
    store_fixture_t *f = *state;
    long long max_id = store_test_int(f->db, "SELECT max(id) FROM audit_log");
    store_test_ok(f->db, "INSERT INTO audit_log (id, ts, actor, action, prev_hash, hash) VALUES "
                  "(1, '1999-01-01', 'forger', 'forge', decode(repeat('11', 32), 'hex'), "
                  "decode(repeat('22', 32), 'hex'))");
    assert_int_equal(store_test_int(f->db, "SELECT id FROM audit_log WHERE actor = 'forger'"),
                     max_id + 1);
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM audit_log WHERE actor = 'forger' "
                     "AND ts > now() - interval '1 day' AND hash IS DISTINCT FROM decode(repeat('22', 32), 'hex')"), 1);
    s_expect_verified(f->db);
}

static void test_malformed_appends_refused(void **state)
{
    store_fixture_t *f = *state;
    long long rows = store_test_int(f->db, "SELECT count(*) FROM audit_log");
    assert_int_equal(store_audit_append(f->db, "a", "b", NULL, NULL, "not json", NULL), AL_EINVAL);
    assert_non_null(strstr(al_err_msg(), "json"));
    assert_int_equal(store_audit_append(f->db, "a", "b", NULL, NULL, "[1]", NULL), AL_EINVAL);
    assert_int_equal(store_audit_append(f->db, "a", "b", NULL, NULL, NULL, "{\"a\": "), AL_EINVAL);
    assert_int_equal(store_audit_append(f->db, NULL, "b", NULL, NULL, NULL, NULL), AL_EINVAL);
    assert_int_equal(store_audit_append(f->db, "a", "", NULL, NULL, NULL, NULL), AL_EINVAL);
    assert_int_equal(store_audit_append(NULL, "a", "b", NULL, NULL, NULL, NULL), AL_EINVAL);
    char *big = malloc(2 * 1024 * 1024);
    assert_non_null(big);
    memset(big, 'a', 2 * 1024 * 1024 - 1);
    big[2 * 1024 * 1024 - 1] = '\0';
    assert_int_equal(store_audit_append(f->db, big, "b", NULL, NULL, NULL, NULL), AL_EINVAL);
    assert_int_equal(store_audit_append(f->db, "a", "b", NULL, NULL, NULL, big), AL_EINVAL);
    free(big);
    assert_int_equal(store_audit_append(f->db, "a", "b", NULL, NULL, "{\"x\": \"\\u0000\"}", NULL),
                     AL_EINVAL);   /* jsonb refuses NUL escapes */
    int64_t bad = 0;
    /* inside the caller's transaction: refused, and the transaction is untouched */
    store_test_ok(f->db, "BEGIN");
    assert_int_equal(store_audit_append(f->db, "a", "in.tx", NULL, NULL, NULL, NULL), 0);
    assert_int_equal(store_audit_verify(f->db, &bad), AL_ESTATE);
    assert_int_equal(store_audit_verify_sql(f->db, &bad), 0);
    store_test_ok(f->db, "ROLLBACK");
    assert_int_equal(store_audit_verify(NULL, &bad), AL_EINVAL);
    assert_int_equal(store_audit_verify(f->db, NULL), AL_EINVAL);
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM audit_log"), rows);
}

/* Many appends in one transaction chain from each other; the head moves once,
 * at commit; a rolled-back transaction leaves no trace in the chain. */
static void test_appends_in_one_transaction(void **state)
{
    store_fixture_t *f = *state;
    long long rows = store_test_int(f->db, "SELECT count(*) FROM audit_log");
    long long head = store_test_int(f->db, "SELECT last_id FROM audit_head");
    store_test_ok(f->db, "BEGIN");
    s_append_n(f->db, 300, "one-tx");
    assert_int_equal(store_test_int(f->db, "SELECT last_id FROM audit_head"), head);
    store_test_ok(f->db, "COMMIT");
    assert_int_equal(store_test_int(f->db, "SELECT last_id FROM audit_head"),
                     store_test_int(f->db, "SELECT max(id) FROM audit_log"));
    s_expect_verified(f->db);
    store_test_ok(f->db, "BEGIN");
    s_append_n(f->db, 5, "rolled-back");
    store_test_ok(f->db, "ROLLBACK");
    store_test_ok(f->db, "BEGIN; SET CONSTRAINTS ALL IMMEDIATE");
    s_append_n(f->db, 3, "immediate");
    store_test_ok(f->db, "COMMIT");
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM audit_log"), rows + 303);
    s_expect_verified(f->db);
}

static int s_append_300(store_db_t *db, void *arg)
{
    (void)arg;
    int rc = 0;
    for (int i = 0; rc == 0 && i < 300; i++)
        rc = store_audit_append(db, "concurrent", "test.concurrent", NULL, NULL, NULL, "{}");
    return rc;
}

static void test_concurrent_appends_single_chain(void **state)
{
    store_fixture_t *f = *state;
    long long rows = store_test_int(f->db, "SELECT count(*) FROM audit_log");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    store_test_parallel(pg_harness_conninfo(f->pg), 2, s_append_300, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    print_message("600 appends from 2 connections: %.0f ms (%.0f appends/s)\n", ms, 600e3 / ms);
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM audit_log"), rows + 600);
    /* one chain: no two links share a predecessor, ids follow chain order */
    assert_int_equal(store_test_int(f->db, "SELECT count(*) - count(DISTINCT prev_hash) "
                                    "FROM audit_links"), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    s_expect_verified(f->db);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    print_message("verify (C + SQL) of %lld rows: %.0f ms\n", rows + 600, ms);
}

/* A superuser disables the guard, edits a row in the middle, re-enables it. */
static void test_tampered_row_detected(void **state)
{
    store_fixture_t *f = *state;
    store_db_t *db = store_test_db_fresh(f, "audit_tamper");
    s_append_n(db, 2500, "airlockd");   /* more than one FETCH batch */
    s_expect_verified(db);
    long long target = store_test_int(db, "SELECT id FROM audit_log ORDER BY id OFFSET 1700 LIMIT 1");
    store_test_ok(db, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete");
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE audit_log SET detail = '{\"i\": 0}' WHERE id = %lld", target);
    store_test_ok(db, sql);
    store_test_ok(db, "ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_update_delete");
    int64_t bad = 0, rows = 0;
    assert_int_equal(store_audit_verify_count(db, &bad, &rows), AL_ESTATE);
    assert_int_equal(bad, target);
    assert_non_null(strstr(al_err_msg(), "audit chain broken at id"));
    assert_int_equal(rows, 1700);
    bad = 0;
    assert_int_equal(store_audit_verify_sql(db, &bad), AL_ESTATE);
    assert_int_equal(bad, target);
    /* the guard is back: the superuser cannot repair it by UPDATE either */
    s_expect_refused(db, "UPDATE audit_log SET detail = '{}' WHERE id = 1", "UPDATE refused");
    store_db_destroy(&db);
}

/* Rows removed from the tail (and from the middle) are detected too. */
static void test_removed_rows_detected(void **state)
{
    store_fixture_t *f = *state;
    store_db_t *db = store_test_db_fresh(f, "audit_delete");
    s_append_n(db, 10, "airlockd");
    store_test_ok(db, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete");
    store_test_ok(db, "DELETE FROM audit_log WHERE id > 8");
    int64_t bad = 0;
    assert_int_equal(store_audit_verify(db, &bad), AL_ESTATE);
    assert_int_equal(bad, 9);
    assert_int_equal(store_audit_verify_sql(db, &bad), AL_ESTATE);
    assert_int_equal(bad, 9);
    store_test_ok(db, "DELETE FROM audit_log WHERE id = 4");
    assert_int_equal(store_audit_verify(db, &bad), AL_ESTATE);
    assert_int_equal(bad, 5);
    assert_int_equal(store_audit_verify_sql(db, &bad), AL_ESTATE);
    assert_int_equal(bad, 5);
    store_test_ok(db, "ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_update_delete");
    store_db_destroy(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_verifies),
        cmocka_unit_test(test_row_hash_matches_sql),
        cmocka_unit_test(test_superuser_refused_by_triggers),
        cmocka_unit_test(test_replica_role_does_not_bypass),
        cmocka_unit_test(test_app_role_grants),
        cmocka_unit_test(test_client_values_ignored),
        cmocka_unit_test(test_malformed_appends_refused),
        cmocka_unit_test(test_appends_in_one_transaction),
        cmocka_unit_test(test_concurrent_appends_single_chain),
        cmocka_unit_test(test_tampered_row_detected),
        cmocka_unit_test(test_removed_rows_detected),
    };
    return cmocka_run_group_tests(tests, store_fixture_setup, store_fixture_teardown);
}
