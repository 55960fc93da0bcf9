/*
 * test_store_migrate.c: store_migrate() against a real private PostgreSQL:
 * applied twice is a no-op, changed checksums and unknown versions are
 * refused, a failing migration leaves nothing behind, concurrent migrators
 * serialize on the advisory lock.
 */
#include "store_test.h"

#include "orchestrator/store/migrate.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long long s_sql_files(void)
{
    long long n = 0;
    DIR *d = opendir(AIRLOCK_SOURCE_DIR "/sql");
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] != '.' && len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0)
            n++;
    }
    closedir(d);
    return n;
}

static void test_migrate_twice_is_noop(void **state)
{
    store_fixture_t *f = *state;
    long long files = s_sql_files();
    assert_true(files >= 3);
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM schema_migrations"), files);
    char *before = store_test_scalar(f->db, "SELECT string_agg(version || sha256 || applied_at, ',' "
                                     "ORDER BY version) FROM schema_migrations");
    assert_int_equal(store_migrate(f->db, AIRLOCK_SOURCE_DIR "/sql"), 0);
    assert_int_equal(store_migrate(f->db, AIRLOCK_SOURCE_DIR "/sql"), 0);
    char *after = store_test_scalar(f->db, "SELECT string_agg(version || sha256 || applied_at, ',' "
                                    "ORDER BY version) FROM schema_migrations");
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(setenv("AIRLOCK_SQL_DIR", "/etc/airlock/sql", 1), 0);
    assert_string_equal(store_migrate_default_dir(), "/etc/airlock/sql");
    assert_int_equal(unsetenv("AIRLOCK_SQL_DIR"), 0);
    assert_string_equal(store_migrate_default_dir(), AIRLOCK_SOURCE_DIR "/sql");
    int version = 0;
    assert_int_equal(store_migrate_version(f->db, &version), 0);
    assert_int_equal(version, store_test_int(f->db, "SELECT max(version) FROM schema_migrations"));
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM pg_tables WHERE tablename IN "
                     "('jobs','tasks','workers','task_events','results','stage_runs','findings',"
                     "'file_changes','exec_events','egress_events','artifacts','audit_log')"), 12);
}

static void test_changed_checksum_refused(void **state)
{
    store_fixture_t *f = *state;
    char dir[64];
    store_test_sql_copy(dir, sizeof dir);
    char path[128];
    snprintf(path, sizeof path, "%s/0002_audit.sql", dir);
    FILE *fp = fopen(path, "ab");
    assert_non_null(fp);
    fputs("\n-- edited after release\n", fp);
    fclose(fp);
    int rc = store_migrate(f->db, dir);
    assert_int_equal(rc, AL_ESTATE);
    assert_non_null(strstr(al_err_msg(), "0002_audit.sql changed after it was applied"));
    store_test_dir_remove(dir);
}

static void test_unknown_applied_version_refused(void **state)
{
    store_fixture_t *f = *state;
    char dir[64];
    store_test_sql_copy(dir, sizeof dir);
    char path[128];
    snprintf(path, sizeof path, "%s/0003_views.sql", dir);
    assert_int_equal(remove(path), 0);
    assert_int_equal(store_migrate(f->db, dir), AL_ESTATE);
    assert_non_null(strstr(al_err_msg(), "0003_views applied"));
    store_test_dir_remove(dir);
}

static void test_bad_names_refused(void **state)
{
    store_fixture_t *f = *state;
    const char *bad[] = {"1_short.sql", "0005-dash.sql", "0005_Upper.sql", "0000_zero.sql",
                         "00a5_x.sql", "0005_.sql"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char dir[64];
        store_test_sql_copy(dir, sizeof dir);
        store_test_file_write(dir, bad[i], "SELECT 1;");
        assert_int_equal(store_migrate(f->db, dir), AL_ECONFIG);
        assert_non_null(strstr(al_err_msg(), bad[i]));
        store_test_dir_remove(dir);
    }
    char dir[64];
    store_test_sql_copy(dir, sizeof dir);
    store_test_file_write(dir, "0001_again.sql", "SELECT 1;");
    assert_int_equal(store_migrate(f->db, dir), AL_ECONFIG);
    assert_non_null(strstr(al_err_msg(), "share version 0001"));
    store_test_dir_remove(dir);
    /* a file over STORE_MIGRATE_FILE_MAX, and one holding a NUL byte */
    char *big = malloc(STORE_MIGRATE_FILE_MAX + 2);
    assert_non_null(big);
    memset(big, '-', STORE_MIGRATE_FILE_MAX + 1);
    big[STORE_MIGRATE_FILE_MAX + 1] = '\0';
    store_test_sql_copy(dir, sizeof dir);
    store_test_file_write(dir, "0900_huge.sql", big);
    free(big);
    assert_int_equal(store_migrate(f->db, dir), AL_ECONFIG);
    assert_non_null(strstr(al_err_msg(), "0900_huge.sql"));
    store_test_dir_remove(dir);
    store_test_sql_copy(dir, sizeof dir);
    char path[128];
    snprintf(path, sizeof path, "%s/0901_nul.sql", dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite("SELECT 1;\0DROP TABLE jobs;", 1, 27, fp), 27);
    fclose(fp);
    assert_int_equal(store_migrate(f->db, dir), AL_ECONFIG);
    assert_non_null(strstr(al_err_msg(), "NUL byte"));
    store_test_dir_remove(dir);
    assert_int_equal(store_migrate(f->db, "/nonexistent/airlock/sql"), AL_EIO);
    store_test_ok(f->db, "BEGIN");
    assert_int_equal(store_migrate(f->db, AIRLOCK_SOURCE_DIR "/sql"), AL_ESTATE);
    store_test_ok(f->db, "ROLLBACK");
    assert_int_equal(store_migrate(NULL, dir), AL_EINVAL);
    assert_int_equal(store_migrate(f->db, NULL), AL_EINVAL);
}

static void test_failing_migration_applies_nothing(void **state)
{
    store_fixture_t *f = *state;
    long long before = store_test_int(f->db, "SELECT count(*) FROM schema_migrations");
    char dir[64];
    store_test_sql_copy(dir, sizeof dir);
    store_test_file_write(dir, "9001_good.sql", "CREATE TABLE mig_probe_a (x int);");
    store_test_file_write(dir, "9002_broken.sql",
                          "CREATE TABLE mig_probe_b (x int);\nSELECT 1/0;\n");
    int rc = store_migrate(f->db, dir);
    assert_int_equal(rc, AL_EDB);
    assert_non_null(strstr(al_err_msg(), "9002_broken.sql"));
    assert_non_null(strstr(al_err_msg(), "22012"));   /* division_by_zero */
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM schema_migrations"), before);
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM pg_tables WHERE tablename "
                                    "IN ('mig_probe_a','mig_probe_b')"), 0);
    store_test_dir_remove(dir);
}

static int s_migrate(store_db_t *db, void *arg)
{
    (void)arg;
    return store_migrate(db, AIRLOCK_SOURCE_DIR "/sql");
}

/* Four connections migrate an empty database at the same moment: without the
 * advisory lock one of them would fail on CREATE TABLE or the version key. */
static void test_concurrent_migrators_serialize(void **state)
{
    store_fixture_t *f = *state;
    store_test_ok(f->db, "CREATE DATABASE airlock_race");
    char conninfo[512];
    snprintf(conninfo, sizeof conninfo, "host=%s port=5432 user=postgres dbname=airlock_race",
             pg_harness_dir(f->pg));
    store_test_parallel(conninfo, 4, s_migrate, NULL);
    store_db_t *race = NULL;
    assert_int_equal(store_db_connect(&race, conninfo), 0);
    assert_int_equal(store_test_int(race, "SELECT count(*) FROM schema_migrations"), s_sql_files());
    store_db_destroy(&race);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_twice_is_noop),
        cmocka_unit_test(test_changed_checksum_refused),
        cmocka_unit_test(test_unknown_applied_version_refused),
        cmocka_unit_test(test_bad_names_refused),
        cmocka_unit_test(test_failing_migration_applies_nothing),
        cmocka_unit_test(test_concurrent_migrators_serialize),
    };
    return cmocka_run_group_tests(tests, store_fixture_setup, store_fixture_teardown);
}
