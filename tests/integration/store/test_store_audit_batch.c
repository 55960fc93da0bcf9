/*
 * test_store_audit_batch.c: one chain link per transaction (sql/0080) against
 * a real private PostgreSQL. A transaction's rows form one batch closed by one
 * row of audit_links; both verifiers (C store_audit_verify, SQL audit_verify)
 * must refuse a batch whose entries were modified, deleted, reordered or
 * added to, or whose link is gone, naming the batch's first row; a chain of
 * per-row links (rows appended before 0080) followed by batches verifies.
 * Each tamper is done the way an attacker holding the owner's login would:
 * guard triggers off, edit, guard triggers back on.
 */
#include "store_test.h"

#include "orchestrator/store/audit.h"
#include "orchestrator/store/migrate.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One transaction appending n rows: one batch. */
static void s_batch(store_db_t *db, int n, const char *action)
{
    store_test_ok(db, "BEGIN");
    for (int i = 0; i < n; i++) {
        char detail[64];
        snprintf(detail, sizeof detail, "{\"i\": %d}", i);
        if (store_audit_append(db, "airlockd", action, "job-b", i % 2 ? "task-b" : NULL,
                               "{\"bench\": \"b\"}", detail) != 0)
            fail_msg("append: %s", al_err_msg());
    }
    store_test_ok(db, "COMMIT");
}

static void s_expect_verified(store_db_t *db)
{
    int64_t bad = -1, rows = -1;
    if (store_audit_verify_count(db, &bad, &rows) != 0)
        fail_msg("C verify: %s", al_err_msg());
    assert_int_equal(rows, store_test_int(db, "SELECT count(*) FROM audit_log"));
    bad = -1;
    if (store_audit_verify_sql(db, &bad) != 0)
        fail_msg("SQL verify: %s", al_err_msg());
    assert_int_equal(bad, 0);
}

/* Both verifiers fail and name row `want`. */
static void s_expect_broken(store_db_t *db, long long want)
{
    int64_t bad = 0;
    assert_int_equal(store_audit_verify(db, &bad), AL_ESTATE);
    assert_int_equal(bad, want);
    bad = 0;
    assert_int_equal(store_audit_verify_sql(db, &bad), AL_ESTATE);
    assert_int_equal(bad, want);
}

static void s_tamper(store_db_t *db, const char *sql)
{
    char all[2048];
    snprintf(all, sizeof all,
             "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete;"
             "ALTER TABLE audit_links DISABLE TRIGGER audit_links_no_update_delete;"
             "%s;"
             "ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_update_delete;"
             "ALTER TABLE audit_links ENABLE ALWAYS TRIGGER audit_links_no_update_delete", sql);
    store_test_ok(db, all);
}

/* Three batches of five; returns the first id of the middle one. */
static long long s_three_batches(store_db_t *db)
{
    s_batch(db, 5, "batch.one");
    s_batch(db, 5, "batch.two");
    s_batch(db, 5, "batch.three");
    s_expect_verified(db);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM audit_links WHERE n = 5"), 3);
    return store_test_int(db, "SELECT min(id) FROM audit_log WHERE action = 'batch.two'");
}

static void test_batch_is_one_link(void **state)
{
    store_fixture_t *f = *state;
    store_db_t *db = store_test_db_fresh(f, "ab_link");
    long long links = store_test_int(db, "SELECT count(*) FROM audit_links");
    s_batch(db, 40, "batch.forty");
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM audit_links"), links + 1);
    assert_int_equal(store_test_int(db, "SELECT n FROM audit_links ORDER BY last_id DESC LIMIT 1"), 40);
    /* the head names the batch's last row and its link */
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM audit_head h JOIN audit_links l "
                                    "ON l.last_id = h.last_id AND l.hash = h.last_hash"), 1);
    /* a rolled-back subtransaction leaves a gap in the ids, not in the batch */
    store_test_ok(db, "BEGIN; SELECT audit_append('a', 'kept.1', NULL, NULL); SAVEPOINT s; "
                  "SELECT audit_append('a', 'dropped', NULL, NULL); ROLLBACK TO s; "
                  "SELECT audit_append('a', 'kept.2', NULL, NULL); COMMIT");
    assert_int_equal(store_test_int(db, "SELECT n FROM audit_links ORDER BY last_id DESC LIMIT 1"), 2);
    /* a verify in the middle of a transaction closes the batch so far */
    store_test_ok(db, "BEGIN; SELECT audit_append('a', 'part.1', NULL, NULL)");
    assert_int_equal(store_test_int(db, "SELECT coalesce(audit_verify(), 0)"), 0);
    store_test_ok(db, "SELECT audit_append('a', 'part.2', NULL, NULL); COMMIT");
    s_expect_verified(db);
    store_db_destroy(&db);
}

/* One tamper inside the middle batch of three; fmt gets the batch's first
 * id as every %lld. Both verifiers must name that first id. */
static void s_tamper_case(void **state, const char *name, const char *fmt)
{
    store_db_t *db = store_test_db_fresh(*state, name);
    long long first = s_three_batches(db);
    char sql[512];
    snprintf(sql, sizeof sql, fmt, first, first, first, first, first, first);
    s_tamper(db, sql);
    s_expect_broken(db, first);
    store_db_destroy(&db);
}

static void test_modified_entry_detected(void **state)
{
    s_tamper_case(state, "ab_modify", "UPDATE audit_log SET detail = '{\"i\": 99}' WHERE id = %lld + 2");
}

static void test_deleted_entry_detected(void **state)
{
    s_tamper_case(state, "ab_delete", "DELETE FROM audit_log WHERE id = %lld + 1");
}

/* Two entries swap places (their contents exchange ids). */
static void test_reordered_entries_detected(void **state)
{
    s_tamper_case(state, "ab_reorder", "UPDATE audit_log SET id = -id WHERE id = %lld + 1;"
                  "UPDATE audit_log SET id = %lld + 1 WHERE id = %lld + 3;"
                  "UPDATE audit_log SET id = %lld + 3 WHERE id = -(%lld + 1)");
}

/* A row slipped into a batch: into the id gap a rolled-back subtransaction
 * left, as a batch entry and as a per-row link. */
static void test_inserted_entry_detected(void **state)
{
    store_db_t *db = store_test_db_fresh(*state, "ab_insert");
    s_batch(db, 3, "before");
    store_test_ok(db, "BEGIN; SELECT audit_append('a', 'gap.1', NULL, NULL); SAVEPOINT s; "
                  "SELECT audit_append('a', 'dropped', NULL, NULL); ROLLBACK TO s; "
                  "SELECT audit_append('a', 'gap.2', NULL, NULL); "
                  "SELECT audit_append('a', 'gap.3', NULL, NULL); COMMIT");
    s_batch(db, 3, "after");
    s_expect_verified(db);
    long long first = store_test_int(db, "SELECT id FROM audit_log WHERE action = 'gap.1'");
    char sql[1024];
    snprintf(sql, sizeof sql, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain;"
             "ALTER TABLE audit_log DISABLE TRIGGER audit_link_close;"
             "INSERT INTO audit_log (id, ts, actor, action) VALUES (%lld, now(), 'forger', 'forged');"
             "ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_chain;"
             "ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_link_close", first + 1);
    store_test_ok(db, sql);
    s_expect_broken(db, first);
    /* the same row as a per-row link chained from the batch before */
    snprintf(sql, sizeof sql, "UPDATE audit_log SET prev_hash = p.h, hash = sha256(audit_canonical(id, ts, actor, "
             "action, job_id, task_id, labels, detail) || p.h) FROM (SELECT hash AS h FROM audit_links "
             "WHERE last_id < %lld ORDER BY last_id DESC LIMIT 1) p WHERE id = %lld", first, first + 1);
    s_tamper(db, sql);
    s_expect_broken(db, first);
    store_db_destroy(&db);
}

/* The link row removed, or the batch's last row (the one the link names). */
static void test_removed_link_detected(void **state)
{
    s_tamper_case(state, "ab_link_gone", "DELETE FROM audit_links WHERE last_id = %lld + 4");
    s_tamper_case(state, "ab_last_gone", "DELETE FROM audit_log WHERE id = %lld + 4");
}

/* Per-row links (migrations up to 0075), then batches (0080): one chain. */
static void test_mixed_chain_verifies(void **state)
{
    store_fixture_t *f = *state;
    char dir[128], conninfo[512];
    store_test_sql_copy(dir, sizeof dir);
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] != '.' && strcmp(e->d_name, "0080") >= 0) {   /* 0080 and every later one */
            char path[512];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
    store_test_ok(f->db, "CREATE DATABASE ab_mixed");
    snprintf(conninfo, sizeof conninfo, "host=%s port=5432 user=postgres dbname=ab_mixed", pg_harness_dir(f->pg));
    store_db_t *db = NULL;
    if (store_db_connect(&db, conninfo) != 0 || store_migrate(db, dir) != 0)
        fail_msg("migrate to 0075: %s", al_err_msg());
    store_test_dir_remove(dir);
    s_batch(db, 4, "old.tx");   /* before 0080: four per-row links */
    s_batch(db, 1, "old.one");
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM audit_log WHERE hash IS NOT NULL"), 5);
    if (store_migrate(db, AIRLOCK_SOURCE_DIR "/sql") != 0)
        fail_msg("migrate: %s", al_err_msg());
    s_expect_verified(db);
    s_batch(db, 6, "new.tx");
    s_batch(db, 1, "new.one");
    s_batch(db, 3, "new.tx2");
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM audit_links"), 3);
    s_expect_verified(db);
    /* a per-row link of before is still checked */
    s_tamper(db, "UPDATE audit_log SET action = 'forged' WHERE id = 2");
    s_expect_broken(db, 2);
    store_db_destroy(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_is_one_link),
        cmocka_unit_test(test_modified_entry_detected),
        cmocka_unit_test(test_deleted_entry_detected),
        cmocka_unit_test(test_reordered_entries_detected),
        cmocka_unit_test(test_inserted_entry_detected),
        cmocka_unit_test(test_removed_link_detected),
        cmocka_unit_test(test_mixed_chain_verifies),
    };
    return cmocka_run_group_tests(tests, store_fixture_setup, store_fixture_teardown);
}
