/*
 * test_machines.c: Airlock across several machines (issue 15), each machine a
 * network namespace of its own joined to a bridge (netns_hosts.h): airlockd
 * listens on this host's bridge address only, two workers (ns driver) run in
 * hosts 0 and 1 with a /tmp of their own, and the repository is served by a
 * real git server (git http-backend) on the bridge address, so workers fetch
 * it over a URL and talk to airlockd over TCP across the bridge, never over
 * loopback or a shared directory.
 *
 * Checks: every job is accepted; both workers ran jobs; airlockd's worker
 * port has established connections from both hosts' addresses; every fetch
 * the git server saw came from a worker host's address; each worker is in
 * another network namespace and its /tmp holds only its own files.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster.h"
#include "cluster_check.h"
#include "git_server.h"
#include "netns_hosts.h"

#define HOSTS 2
#define JOBS 6
#define WAIT_MS 600000

typedef struct {
    cluster_t *c;
    netns_hosts_t *hosts;
    git_server_t *srv;
    char dir[64];
    char url[200];
} mt_t;

static mt_t g_t;
static const char *g_skip;   /* why this machine cannot run the test */

static int s_git_server(mt_t *t)
{
    char srv[128], log[128];
    snprintf(srv, sizeof srv, "%s/srv", t->dir);
    snprintf(log, sizeof log, "%s/requests.log", t->dir);
    if (mkdir(srv, 0755) != 0)
        return -1;
    git_server_opts_t o = { srv, NULL, log, NULL, NULL, netns_hosts_gateway(t->hosts) };
    if (git_server_start(&t->srv, &o) != 0)
        return -1;
    snprintf(t->url, sizeof t->url, "http://%s:%d/calc.git", netns_hosts_gateway(t->hosts),
             git_server_port(t->srv));
    return 0;
}

static int setup(void **state)
{
    mt_t *t = &g_t;
    *state = t;
    if (geteuid() != 0) {
        g_skip = "needs root (network namespaces, the ns driver)";
        return 0;
    }
    if (access("/usr/sbin/ip", X_OK) != 0 && access("/sbin/ip", X_OK) != 0) {
        g_skip = "needs iproute2 (ip)";
        return 0;
    }
    snprintf(t->dir, sizeof t->dir, "/tmp/airlock-machines-XXXXXX");
    if (!mkdtemp(t->dir))
        return -1;
    if (netns_hosts_new(&t->hosts, HOSTS) != 0)
        return -1;
    if (s_git_server(t) != 0)
        return -1;
    setenv("AIRLOCK_GIT_ALLOW_HTTP", "true", 1);   /* the workers' setting, from their environment */
    cluster_opts_t co = { .workers = 0, .slots = 1, .heartbeat_ms = 200, .lease_ms = 5000,
                          .listen_addr = netns_hosts_gateway(t->hosts) };
    if (cluster_start(&t->c, &co) != 0)
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "git clone -q --bare %s %s/srv/calc.git", cluster_repo(t->c), t->dir);
    if (system(cmd) != 0)
        return -1;
    for (int i = 0; i < HOSTS; i++) {
        cluster_worker_set_host(t->c, i, netns_hosts_path(t->hosts, i));
        cluster_worker_set_drivers(t->c, i, "ns");
        if (cluster_worker_start(t->c, i) != 0)
            return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    mt_t *t = *state;
    cluster_stop(&t->c);
    git_server_stop(&t->srv);
    netns_hosts_destroy(&t->hosts);
    if (t->dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", t->dir);
        return system(cmd) == 0 ? 0 : -1;
    }
    return 0;
}

static void s_skip_unless_runnable(void)
{
    if (g_skip) {
        print_message("skipped: %s\n", g_skip);
        skip();
    }
}

/* Six jobs over the URL, taken by whichever worker is free: all accepted, both
 * workers took some. */
static void test_jobs_run_on_both_hosts(void **state)
{
    s_skip_unless_runnable();
    mt_t *t = *state;
    cluster_check_wait(t->c, "SELECT count(*) = 2 FROM workers WHERE state = 'connected'", WAIT_MS);
    for (int i = 0; i < JOBS; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/job%d.json", cluster_dir(t->c), i);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "{\"repo\": \"%s\", \"base\": \"master\", \"test\": \"python3 test_calc.py\", "
                   "\"policy\": {\"analyzers\": []}, \"labels\": {\"case\": \"m%d\"}}\n", t->url, i);
        fclose(f);
        char *id = cluster_submit(t->c, path);
        assert_non_null(id);
        free(id);
    }
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) = %d FROM jobs WHERE verdict IS NOT NULL", JOBS);
    cluster_check_wait(t->c, sql, WAIT_MS);
    assert_int_equal(cluster_sql_long(t->c, "SELECT count(*) FROM jobs WHERE verdict = 'accepted'"), JOBS);
    assert_int_equal(cluster_sql_long(t->c, "SELECT count(DISTINCT summary->>'worker') FROM results "
                                            "WHERE authoritative AND summary->>'worker' IN ('w0', 'w1')"),
                     HOSTS);
}

/* airlockd's worker connections come from the hosts' own addresses. */
static void test_workers_connect_over_the_bridge(void **state)
{
    s_skip_unless_runnable();
    mt_t *t = *state;
    char cmd[256], peers[4096] = "";
    snprintf(cmd, sizeof cmd, "ss -Htn state established src %s", netns_hosts_gateway(t->hosts));
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(peers, 1, sizeof peers - 1, p);
    peers[n] = '\0';
    pclose(p);
    for (int i = 0; i < HOSTS; i++) {
        char want[48];
        snprintf(want, sizeof want, " %s:", netns_hosts_addr(t->hosts, i));
        if (!strstr(peers, want))
            fail_msg("no connection from host %d (%s) to airlockd; established: %s", i,
                     netns_hosts_addr(t->hosts, i), peers);
    }
}

/* Every request the git server answered came from a worker host. */
static void test_fetches_come_from_the_hosts(void **state)
{
    s_skip_unless_runnable();
    mt_t *t = *state;
    char log[128], line[512];
    snprintf(log, sizeof log, "%s/requests.log", t->dir);
    FILE *f = fopen(log, "r");
    assert_non_null(f);
    int from[HOSTS] = { 0 }, lines = 0;
    while (fgets(line, sizeof line, f)) {
        lines++;
        int known = 0;
        for (int i = 0; i < HOSTS; i++) {
            char want[48];
            snprintf(want, sizeof want, "from=%s\n", netns_hosts_addr(t->hosts, i));
            if (strstr(line, want)) {
                from[i]++;
                known = 1;
            }
        }
        if (!known)
            fail_msg("a request not from a worker host: %s", line);
    }
    fclose(f);
    assert_true(lines > 0);
    for (int i = 0; i < HOSTS; i++)
        assert_true(from[i] > 0);
}

/* Each worker is in its host's network namespace, with a /tmp of its own. */
static void test_workers_are_apart(void **state)
{
    s_skip_unless_runnable();
    mt_t *t = *state;
    struct stat self, ns, own;
    assert_int_equal(stat("/proc/self/ns/net", &self), 0);
    const char *base = strrchr(cluster_dir(t->c), '/') + 1;
    for (int i = 0; i < HOSTS; i++) {
        pid_t pid = cluster_worker_pid(t->c, i);
        assert_true(pid > 0);
        char path[300];
        snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
        assert_int_equal(stat(path, &ns), 0);
        assert_true(ns.st_ino != self.st_ino);
        assert_int_equal(stat(netns_hosts_path(t->hosts, i), &own), 0);
        assert_true(ns.st_ino == own.st_ino);
        snprintf(path, sizeof path, "/proc/%d/root/tmp/w%d.key_secret", (int)pid, i);
        assert_int_equal(access(path, R_OK), 0);
        snprintf(path, sizeof path, "/proc/%d/root/tmp/w%d.key_secret", (int)pid, 1 - i);
        assert_int_not_equal(access(path, F_OK), 0);   /* not the other host's */
        snprintf(path, sizeof path, "/proc/%d/root/tmp/%s", (int)pid, base);
        assert_int_not_equal(access(path, F_OK), 0);   /* not this host's /tmp */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs_run_on_both_hosts),
        cmocka_unit_test(test_workers_connect_over_the_bridge),
        cmocka_unit_test(test_fetches_come_from_the_hosts),
        cmocka_unit_test(test_workers_are_apart),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    if (g_skip) {
        fprintf(stderr, "test_machines: skipped: %s\n", g_skip);
        return 77;
    }
    return rc;
}
