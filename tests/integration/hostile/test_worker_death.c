/*
 * test_worker_death.c: a worker SIGKILLed in the middle of a command leaves
 * nothing of its task behind, on every available driver: no process (the
 * command, the sandbox's helpers, qemu), no cgroup, no mount, no file of its
 * state directory. A child process plays the worker: it creates a sandbox
 * (state below a fresh directory), starts `sleep 3600` and says so; the test
 * notes every process descending from it, kills it with SIGKILL and waits
 * (bounded) until all of that is gone. The test is the subreaper of the
 * orphans, so it reaps them and sees them end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/sandbox/sandbox.h"
#include "common/error.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 4096
#define DEADLINE_S 90

typedef struct {
    int pid;
    unsigned long long start;   /* starttime: a reused pid is another process */
} proc_t;

static int s_stat(int pid, int *ppid, unsigned long long *start)
{
    char p[64], buf[1024];
    snprintf(p, sizeof p, "/proc/%d/stat", pid);
    FILE *f = fopen(p, "re");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *s = strrchr(buf, ')');
    if (!s)
        return -1;
    char state;
    unsigned long long v[20];
    if (sscanf(s + 2, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &state,
               ppid, &v[0]) != 3)
        return -1;
    *start = v[0];
    return state == 'Z' ? 1 : 0;
}

/* Every live process descending from root (root included). */
static int s_descendants(int root, proc_t *out)
{
    int n = 0, ppids[MAX_PIDS], pids[MAX_PIDS], m = 0;
    unsigned long long starts[MAX_PIDS];
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d)) && m < MAX_PIDS;) {
        int pid = atoi(e->d_name), ppid;
        if (pid > 0 && s_stat(pid, &ppid, &starts[m]) == 0) {
            pids[m] = pid;
            ppids[m++] = ppid;
        }
    }
    closedir(d);
    out[n++] = (proc_t){ root, 0 };
    for (int grew = 1; grew;) {
        grew = 0;
        for (int i = 0; i < m; i++) {
            int in = 0, parent_in = 0;
            for (int j = 0; j < n; j++) {
                in |= out[j].pid == pids[i];
                parent_in |= out[j].pid == ppids[i];
            }
            if (!in && parent_in && n < MAX_PIDS) {
                out[n++] = (proc_t){ pids[i], starts[i] };
                grew = 1;
            }
        }
    }
    return n;
}

/* The cgroups of that worker: airlock-<driver>-<pid>-<n> in every hierarchy. */
static int s_cgroups_of(int pid, char *found, size_t size)
{
    char tag[32];
    snprintf(tag, sizeof tag, "-%d-", pid);
    const char *roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu",
                            "/sys/fs/cgroup/unified" };
    char cmd[600];
    int n = 0;
    for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
        snprintf(cmd, sizeof cmd, "find %s -maxdepth 4 -type d -name 'airlock-*%s*' 2>/dev/null", roots[i], tag);
        FILE *p = popen(cmd, "r");
        char line[512];
        while (p && fgets(line, sizeof line, p)) {
            if (n++ == 0)
                snprintf(found, size, "%s", line);
        }
        if (p)
            pclose(p);
    }
    return n;
}

static int s_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static int s_mounts_with(const char *needle)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    int n = 0;
    while (f && fgets(line, sizeof line, f))
        n += strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return n;
}

/* The command's output reached the worker: it runs. Says so once. */
static void s_started(void *ctx, int stream, const char *data, size_t len)
{
    (void)stream;
    int *fd = ctx;
    if (*fd >= 0 && memmem(data, len, "started", 7)) {
        if (write(*fd, "R", 1) != 1)
            _exit(1);
        close(*fd);
        *fd = -1;
    }
}

/* The fake worker: never returns. */
static void s_worker(const char *driver, const char *state, int ready_fd)
{
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = driver;
    spec.task_id = "worker-death";
    spec.state_dir = state;
    spec.limits = (sandbox_limits_t){ 1, 128, 16, 64, 1 << 20 };
    sandbox_t *sb = NULL;
    if (sandbox_create(&sb, &spec) != 0) {
        dprintf(ready_fd, "E%s", al_err_msg());
        _exit(1);
    }
    const char *argv[] = { "/bin/sh", "-c", "echo started >&2; exec sleep 3600", NULL };
    sandbox_exec_req_t req = { .argv = argv, .timeout_ms = 3600000, .on_output = s_started, .ctx = &ready_fd };
    sandbox_exec_result_t res;
    int rc = sandbox_exec(sb, &req, &res);
    if (ready_fd >= 0)
        dprintf(ready_fd, "Eexec returned %d: %s", rc, al_err_msg());
    _exit(0);
}

static void s_case(const char *driver)
{
    if (!sandbox_driver_available(driver)) {
        print_message("SKIP worker_death[%s]: %s\n", driver, al_err_msg());
        return;
    }
    char state[] = "/tmp/airlock-death-XXXXXX";
    assert_non_null(mkdtemp(state));
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t w = fork();
    assert_true(w >= 0);
    if (w == 0) {
        close(ready[0]);
        s_worker(driver, state, ready[1]);
    }
    close(ready[1]);
    char msg[512] = "";
    ssize_t n = read(ready[0], msg, sizeof msg - 1);
    close(ready[0]);
    if (n != 1 || msg[0] != 'R')
        fail_msg("[%s] fake worker: %s", driver, n > 0 ? msg : "no report");
    /* the command runs: every process of the task descends from the worker now */
    static proc_t procs[MAX_PIDS];
    int np = s_descendants(w, procs);
    print_message("[%s] worker %d has %d processes; SIGKILL\n", driver, (int)w, np);
    assert_true(np > 1);
    char cg[512] = "";
    int ncg_before = s_cgroups_of(w, cg, sizeof cg);
    print_message("[%s] %d cgroups, e.g. %s", driver, ncg_before, ncg_before ? cg : "-\n");
    kill(w, SIGKILL);
    time_t deadline = time(NULL) + DEADLINE_S;
    int alive = 0, ncg = 0, files = 0, mounts = 0;
    do {
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        alive = 0;
        for (int i = 1; i < np; i++) {
            int ppid;
            unsigned long long start;
            alive += s_stat(procs[i].pid, &ppid, &start) == 0 && start == procs[i].start;
        }
        ncg = s_cgroups_of(w, cg, sizeof cg);
        files = s_dir_entries(state);
        mounts = s_mounts_with(state);
        if (!alive && !ncg && !files && !mounts)
            break;
        struct timespec ts = { 0, 100 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    } while (time(NULL) < deadline);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "ls -la %s; rm -rf %s", state, state);
    if (alive || ncg || files || mounts) {
        if (system(cmd) != 0) { /* listing for the log */ }
        fail_msg("[%s] after the worker's death: %d processes, %d cgroups (%s), %d files, %d mounts remain", driver,
                 alive, ncg, ncg ? cg : "-", files, mounts);
    }
    rmdir(state);
}

static void test_worker_death_ns(void **state) { (void)state; s_case("ns"); }
static void test_worker_death_microvm(void **state) { (void)state; s_case("microvm"); }
static void test_worker_death_gvisor(void **state) { (void)state; s_case("gvisor"); }

int main(void)
{
    al_log_init("test_worker_death", AL_LOG_WARN, NULL);
    if (geteuid() != 0) {
        printf("SKIP: sandboxes need root here\n");
        return 77;
    }
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worker_death_ns),
        cmocka_unit_test(test_worker_death_microvm),
        cmocka_unit_test(test_worker_death_gvisor),
    };
    const char *filter = getenv("HOSTILE_FILTER");
    if (filter)
        cmocka_set_test_filter(filter);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
