/*
 * test_pg_harness.c: the private-Postgres harness itself: two clusters at
 * once in unique directories, data surviving pg_harness_restart(), the
 * directory and server gone after pg_harness_stop(), and cleanup by the
 * watchdog when the test process dies by abort() or SIGKILL.
 */
#include "store_test.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int s_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Number of processes whose command line mentions dir. */
static int s_procs_using(const char *dir)
{
    int n = 0;
    DIR *d = opendir("/proc");
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], buf[4096];
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        for (size_t i = 0; i < len; i++)
            if (buf[i] == '\0')
                buf[i] = ' ';
        buf[len] = '\0';
        if (strstr(buf, dir))
            n++;
    }
    closedir(d);
    return n;
}

static void test_two_clusters_restart_stop(void **state)
{
    (void)state;
    pg_harness_t *a = NULL, *b = NULL;
    if (pg_harness_start(&a) != 0)
        fail_msg("start: %s", al_err_msg());
    /* b: a plain initdb, without the template cache */
    assert_int_equal(setenv("AIRLOCK_PG_TEMPLATE_DIR", "off", 1), 0);
    int rc = pg_harness_start(&b);
    unsetenv("AIRLOCK_PG_TEMPLATE_DIR");
    if (rc != 0)
        fail_msg("start: %s", al_err_msg());
    assert_int_equal(pg_harness_from_template(a), 1);
    assert_int_equal(pg_harness_from_template(b), 0);
    print_message("template copy %.0f ms + start %.0f ms; initdb %.0f ms + start %.0f ms\n",
                  pg_harness_initdb_ms(a), pg_harness_start_ms(a), pg_harness_initdb_ms(b),
                  pg_harness_start_ms(b));
    assert_string_not_equal(pg_harness_dir(a), pg_harness_dir(b));
    assert_non_null(strstr(pg_harness_conninfo(a), pg_harness_dir(a)));
    if (pg_harness_migrate(a) != 0)
        fail_msg("migrate: %s", al_err_msg());
    store_db_t *da = NULL, *db = NULL;
    assert_int_equal(store_db_connect(&da, pg_harness_conninfo(a)), 0);
    assert_int_equal(store_db_connect(&db, pg_harness_conninfo(b)), 0);
    /* no TCP listener, unix socket in the private directory */
    char *listen = store_test_scalar(da, "SHOW listen_addresses");
    assert_string_equal(listen, "");
    free(listen);
    assert_int_equal(store_test_int(da, "SELECT count(*) FROM schema_migrations") > 0, 1);
    assert_int_equal(store_test_int(db, "SELECT count(*) FROM pg_tables WHERE tablename = "
                                    "'schema_migrations'"), 0);
    store_test_ok(da, "INSERT INTO workers (id, name) VALUES ('w1', 'survivor')");
    store_db_destroy(&da);
    if (pg_harness_restart(a) != 0)
        fail_msg("restart: %s", al_err_msg());
    assert_int_equal(store_db_connect(&da, pg_harness_conninfo(a)), 0);
    assert_int_equal(store_test_int(da, "SELECT count(*) FROM workers WHERE name = 'survivor'"), 1);
    store_db_destroy(&da);
    store_db_destroy(&db);
    char dir_a[128], dir_b[128];
    snprintf(dir_a, sizeof dir_a, "%s", pg_harness_dir(a));
    snprintf(dir_b, sizeof dir_b, "%s", pg_harness_dir(b));
    assert_int_equal(pg_harness_stop(&a), 0);
    assert_null(a);
    assert_false(s_exists(dir_a));
    assert_int_equal(s_procs_using(dir_a), 0);
    assert_true(s_exists(dir_b));
    assert_int_equal(pg_harness_stop(&b), 0);
    assert_false(s_exists(dir_b));
    assert_int_equal(s_procs_using(dir_b), 0);
    assert_int_equal(pg_harness_stop(&b), 0);   /* NULL-safe */
    assert_int_equal(pg_harness_stop(NULL), 0);
}

typedef struct {
    int watchdog;
    char dir[128];
} victim_report_t;

/* Supervisor (a child of the test): becomes the subreaper, forks a victim
 * that starts a cluster, reports its directory and watchdog, and dies by
 * `sig`. The orphaned watchdog and postmaster become the supervisor's
 * children: it waits for the watchdog; when the directory is gone it reaps
 * everything left (the stopped postmaster) and exits 0; when the watchdog
 * left the directory behind it kills the server and exits 14 (fails fast
 * instead of waiting forever for a server nobody stops). */
static void s_supervise(int sig, int report_fd)
{
    int p[2];
    victim_report_t rep = {.watchdog = -1};
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0 || pipe(p) != 0)
        _exit(10);
    pid_t victim = fork();
    if (victim == 0) {
        pg_harness_t *h = NULL;
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        close(p[0]);
        if (pg_harness_start(&h) != 0)
            _exit(11);
        rep.watchdog = pg_harness_watchdog_pid(h);
        snprintf(rep.dir, sizeof rep.dir, "%s", pg_harness_dir(h));
        (void)!write(p[1], &rep, sizeof rep);
        close(p[1]);
        if (sig == SIGABRT)
            abort();
        kill(getpid(), sig);
        _exit(12);
    }
    close(p[1]);
    if (read(p[0], &rep, sizeof rep) != (ssize_t)sizeof rep)
        rep.dir[0] = '\0';
    rep.dir[sizeof rep.dir - 1] = '\0';
    (void)!write(report_fd, rep.dir, strlen(rep.dir) + 1);
    int status = 0;
    if (waitpid(victim, &status, 0) != victim || !WIFSIGNALED(status) || WTERMSIG(status) != sig)
        _exit(13);
    if (rep.watchdog <= 0 || waitpid(rep.watchdog, NULL, 0) != rep.watchdog)
        _exit(15);
    if (s_exists(rep.dir)) {
        char pidfile[200];
        snprintf(pidfile, sizeof pidfile, "%s/data/postmaster.pid", rep.dir);
        FILE *f = fopen(pidfile, "r");
        long pm = 0;
        if (f && fscanf(f, "%ld", &pm) == 1 && pm > 0)
            kill((pid_t)pm, SIGKILL);
        if (f)
            fclose(f);
        _exit(14);
    }
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
        ;
    _exit(0);
}

static void s_crash_cleans_up(int sig)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t sup = fork();
    assert_true(sup >= 0);
    if (sup == 0) {
        close(p[0]);
        s_supervise(sig, p[1]);
    }
    close(p[1]);
    char dir[128] = "";
    ssize_t n = read(p[0], dir, sizeof dir - 1);
    close(p[0]);
    int status = 0;
    assert_int_equal(waitpid(sup, &status, 0), sup);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_true(n > 1);
    assert_non_null(strstr(dir, "airlock-pg-"));
    /* the watchdog removed the directory and every descendant has been reaped */
    assert_false(s_exists(dir));
    assert_int_equal(s_procs_using(dir), 0);
}

static void test_cleanup_after_abort(void **state)
{
    (void)state;
    s_crash_cleans_up(SIGABRT);
}

static void test_cleanup_after_sigkill(void **state)
{
    (void)state;
    s_crash_cleans_up(SIGKILL);
}

/* Broken binaries: a clear error naming the step, nothing left running. */
static void test_missing_binaries(void **state)
{
    (void)state;
    pg_harness_t *h = NULL;
    assert_int_equal(setenv("AIRLOCK_PG_BINDIR", "/nonexistent/pg/bin", 1), 0);
    int rc = pg_harness_start(&h);
    unsetenv("AIRLOCK_PG_BINDIR");
    assert_int_equal(rc, AL_EIO);
    assert_null(h);
    assert_non_null(strstr(al_err_msg(), "initdb failed"));
    assert_int_equal(s_procs_using("/nonexistent/pg/bin"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_clusters_restart_stop),
        cmocka_unit_test(test_cleanup_after_abort),
        cmocka_unit_test(test_cleanup_after_sigkill),
        cmocka_unit_test(test_missing_binaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
