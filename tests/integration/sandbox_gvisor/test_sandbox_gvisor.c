/*
 * test_sandbox_gvisor.c: the gvisor driver with real runsc sandboxes: what the
 * command sees and is (uid, capabilities, seccomp, hostname, mounts), what
 * sandbox_info records, exec events with parents, exact exit statuses, the
 * workspace round trip against what a hostile command leaves, interrupt from
 * another thread, the cgroup and rlimits applied, an environment tree as the
 * root (never written), bad specs, and several sandboxes at once.
 * Skips (77) when the driver is not usable here, with the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sb_run.h"
#include "worker/sandbox/gvisor.h"
#include "worker/sandbox/sandbox.h"
#include "common/error.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static sandbox_t *s_create_limits(sandbox_limits_t lim)
{
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = "gvisor";
    spec.task_id = "test-gvisor";
    spec.limits = lim;
    sandbox_t *sb = NULL;
    if (sandbox_create(&sb, &spec) != 0)
        fail_msg("sandbox_create: %s", al_err_msg());
    return sb;
}

static sandbox_t *s_create(void) { return s_create_limits((sandbox_limits_t){ 1, 256, 64, 64, 1 << 20 }); }

static void s_write(const char *dir, const char *name, const char *text, mode_t mode)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(chmod(p, mode), 0);
}

static char *s_read(const char *dir, const char *name)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r");
    if (!f)
        return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void s_rm(const char *dir)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- what the command sees ---- */

static void test_identity_and_info(void **state)
{
    (void)state;
    sandbox_t *sb = s_create();
    const sandbox_info_t *i = sandbox_info(sb);
    struct utsname u;
    uname(&u);
    assert_string_equal(i->driver, "gvisor");
    assert_string_equal(i->isolation, "gvisor");
    assert_string_equal(i->kernel, u.release);   /* the host kernel under the Sentry */
    assert_true(strncmp(i->vmm, "runsc ", 6) == 0);
    assert_non_null(strstr(i->vmm, " platform="));
    assert_string_equal(i->environment, SANDBOX_ENV_DEFAULT);
    assert_int_equal(i->limits.max_procs, 64);
    sb_run_t r;
    sb_run_sh(sb, &r,
              "id; hostname; grep -E '^(CapEff|CapBnd|Seccomp):' /proc/self/status; ls /; "
              "ls /proc | grep -c '^[0-9]'; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '; "
              "uname -r; stat -c '%a %u' /workspace; ls -ld /root | cut -c1-10",
              60000, NULL);
    assert_int_equal(r.rc, 0);
    if (r.res.exit_code != 0)
        print_message("%s\n%s\n", r.out, r.err);
    assert_int_equal(r.res.exit_code, 0);
    const char *want =
        "uid=1000(sandbox) gid=1000(sandbox) groups=1000(sandbox)\nairlock\n"
        "CapEff:\t0000000000000000\n";
    assert_memory_equal(r.out, want, strlen(want));
    assert_non_null(strstr(r.out, "Seccomp:\t2\n"));
    /* the root: the default environment's tops and mount points, nothing else of the host's / */
    const char *present[] = { "\nbin\n", "\netc\n", "\nlib\n", "\nproc\n", "\nroot\n", "\ntmp\n",
                              "\nusr\n", "\nworkspace\n" };
    for (size_t k = 0; k < sizeof present / sizeof present[0]; k++)
        assert_non_null(strstr(r.out, present[k]));
    const char *absent[] = { "\nhome\n", "\nvar\n", "\nboot\n", "\nopt\n", "\nmnt\n" };
    for (size_t k = 0; k < sizeof absent / sizeof absent[0]; k++)
        assert_null(strstr(r.out, absent[k]));
    assert_non_null(strstr(r.out, "\nlo\n"));         /* only loopback */
    assert_null(strstr(r.out, "eth"));
    assert_non_null(strstr(r.out, "\n755 1000\ndrwx------\n"));
    sb_run_free(&r);
    sandbox_destroy(&sb);
    assert_null(sb);
}

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int execs;
    char paths[32][256];
    int pid[32], ppid[32], uid[32];
    sandbox_t *sb;
    int interrupt_on;           /* interrupt when an exec of a path ending in this arrives */
    char cgroup[3][32];         /* memory limit, pids.max, cpu quota read during the command */
} exec_log_t;

static void s_log_init(exec_log_t *l)
{
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
}

static void s_on_exec(void *ctx, const sandbox_exec_event_t *ev)
{
    exec_log_t *l = ctx;
    pthread_mutex_lock(&l->mu);
    if (l->execs < 32) {
        snprintf(l->paths[l->execs], sizeof l->paths[0], "%s", ev->path);
        l->pid[l->execs] = ev->pid;
        l->ppid[l->execs] = ev->ppid;
        l->uid[l->execs] = ev->uid;
        l->execs++;
    }
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static void s_output_sink(void *ctx, int stream, const char *data, size_t len)
{
    (void)ctx, (void)stream, (void)data, (void)len;
}

/* Every exec, with the shell as the parent of what it started. */
static void test_exec_events(void **state)
{
    (void)state;
    sandbox_t *sb = s_create();
    exec_log_t l;
    s_log_init(&l);
    const char *argv[] = { "/bin/sh", "-c", "/bin/true; ls / > /dev/null; (exec /usr/bin/env true)", NULL };
    sandbox_exec_req_t req = { .argv = argv, .timeout_ms = 60000, .on_exec = s_on_exec,
                               .on_output = s_output_sink, .ctx = &l };
    sandbox_exec_result_t res;
    assert_int_equal(sandbox_exec(sb, &req, &res), 0);
    assert_int_equal(res.exit_code, 0);
    assert_int_equal(l.execs, 5);
    assert_string_equal(l.paths[0], "/usr/bin/dash");
    assert_string_equal(l.paths[1], "/usr/bin/true");
    assert_string_equal(l.paths[2], "/usr/bin/ls");
    assert_string_equal(l.paths[3], "/usr/bin/env");
    assert_string_equal(l.paths[4], "/usr/bin/true");
    for (int i = 0; i < 5; i++)
        assert_int_equal(l.uid[i], 1000);
    assert_int_equal(l.ppid[1], l.pid[0]);
    assert_int_equal(l.ppid[2], l.pid[0]);
    assert_int_equal(l.pid[4], l.pid[3]);   /* env exec'd true in place */
    sandbox_destroy(&sb);
}

/* The init reports the command's wait status itself: an exit code of 137 is
 * not a SIGKILL, a signal is a signal; rusage comes with it. */
static void test_exit_status_exact(void **state)
{
    (void)state;
    sandbox_t *sb = s_create();
    sb_run_t r;
    sb_run_sh(sb, &r, "exit 137", 60000, NULL);
    assert_true(r.res.exited);
    assert_int_equal(r.res.exit_code, 137);
    assert_int_equal(r.res.signal, 0);
    sb_run_free(&r);
    const char *term[] = { "/usr/bin/python3", "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)", NULL };
    sb_run_argv(sb, &r, term, 60000, NULL);
    assert_false(r.res.exited);
    assert_int_equal(r.res.signal, SIGTERM);
    assert_false(r.res.timed_out);
    sb_run_free(&r);
    const char *busy[] = { "/usr/bin/python3", "-c", "x = 0\nfor i in range(3000000): x += i\nprint(x)", NULL };
    sb_run_argv(sb, &r, busy, 120000, NULL);
    assert_int_equal(r.res.exit_code, 0);
    assert_true(r.res.user_us > 0);
    assert_true(r.res.max_rss_kb > 0);
    assert_string_equal(r.out, "4499998500000\n");
    sb_run_free(&r);
    /* stdin is /dev/null; stdout and stderr stay apart */
    sb_run_sh(sb, &r, "cat; echo out; echo err >&2", 60000, NULL);
    assert_string_equal(r.out, "out\n");
    assert_string_equal(r.err, "err\n");
    sb_run_free(&r);
    sandbox_destroy(&sb);
}

/* ---- the workspace ---- */

static void test_workspace_round_trip(void **state)
{
    (void)state;
    char in[] = "/tmp/gv-ws-in-XXXXXX", out[] = "/tmp/gv-ws-out-XXXXXX", trap[] = "/tmp/gv-ws-trap-XXXXXX";
    assert_non_null(mkdtemp(in));
    assert_non_null(mkdtemp(out));
    assert_non_null(mkdtemp(trap));
    s_write(in, "a.txt", "alpha\n", 0644);
    s_write(in, "run.sh", "#!/bin/sh\necho ran\n", 0755);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/sub", in);
    assert_int_equal(mkdir(p, 0755), 0);
    s_write(p, "b.txt", "beta\n", 0644);
    snprintf(p, sizeof p, "%s/link", in);
    assert_int_equal(symlink("a.txt", p), 0);
    sandbox_t *sb = s_create();
    assert_int_equal(sandbox_workspace_in(sb, in), 0);
    char script[1024];
    snprintf(script, sizeof script,
             "set -e; cat a.txt sub/b.txt; readlink link; ./run.sh; stat -c '%%u %%a' a.txt run.sh; "
             "chmod u+s,g+s run.sh; mkfifo fifo; ln -s / root-link; ln -s %s trap; ln -s %s/x trap-file; "
             "echo new > sub/c.txt; rm a.txt; mkdir -p deep/x/y; echo z > deep/x/y/z; chmod 1777 deep",
             trap, trap);
    sb_run_t r;
    sb_run_sh(sb, &r, script, 60000, NULL);
    if (r.res.exit_code != 0)
        if (r.res.exit_code != 0)
        print_message("%s\n%s\n", r.out, r.err);
    assert_int_equal(r.res.exit_code, 0);
    assert_string_equal(r.out, "alpha\nbeta\na.txt\nran\n1000 644\n1000 755\n");
    sb_run_free(&r);
    /* the rules: nothing goes in once a command ran, out only into an empty directory */
    assert_int_equal(sandbox_workspace_in(sb, in), AL_ESTATE);
    assert_int_equal(sandbox_workspace_out(sb, in), AL_EINVAL);
    assert_int_equal(sandbox_workspace_out(sb, out), 0);
    struct stat st;
    snprintf(p, sizeof p, "%s/a.txt", out);
    assert_int_equal(lstat(p, &st), -1);                    /* deleted in the sandbox */
    snprintf(p, sizeof p, "%s/run.sh", out);
    assert_int_equal(lstat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);             /* no setuid/setgid */
    assert_int_equal(st.st_uid, geteuid());                 /* owned by the worker */
    snprintf(p, sizeof p, "%s/deep", out);
    assert_int_equal(lstat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0777);             /* no sticky bit */
    snprintf(p, sizeof p, "%s/fifo", out);
    assert_int_equal(lstat(p, &st), -1);                    /* no FIFO */
    char target[PATH_MAX];
    snprintf(p, sizeof p, "%s/root-link", out);
    ssize_t n = readlink(p, target, sizeof target - 1);
    assert_int_equal(n, 1);                                  /* a link, not the host's / */
    assert_string_equal(s_read(out, "sub/c.txt"), "new\n");
    assert_string_equal(s_read(out, "deep/x/y/z"), "z\n");
    /* the links to the trap directory were recreated, never followed */
    DIR *d = opendir(trap);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        entries += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(entries, 0);
    sandbox_destroy(&sb);
    s_rm(in), s_rm(out), s_rm(trap);
}

/* ---- interrupt ---- */

typedef struct {
    sandbox_t *sb;
    exec_log_t *log;
    sandbox_exec_result_t res;
    int rc;
} runner_t;

static void *s_runner(void *arg)
{
    runner_t *t = arg;
    const char *argv[] = { "/bin/sh", "-c", "sleep 100; echo finished", NULL };
    sandbox_exec_req_t req = { .argv = argv, .timeout_ms = 300000, .on_exec = s_on_exec, .ctx = t->log };
    t->rc = sandbox_exec(t->sb, &req, &t->res);
    return NULL;
}

/* Another thread cancels: the command dies at once (not by its deadline), and
 * nothing runs in that sandbox afterwards. */
static void test_interrupt(void **state)
{
    (void)state;
    sandbox_t *sb = s_create();
    exec_log_t l;
    s_log_init(&l);
    runner_t t = { sb, &l, { 0 }, -1 };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, s_runner, &t), 0);
    pthread_mutex_lock(&l.mu);
    while (l.execs < 2)   /* sh, then sleep: the command is really running */
        pthread_cond_wait(&l.cv, &l.mu);
    pthread_mutex_unlock(&l.mu);
    sandbox_interrupt(sb);
    pthread_join(th, NULL);
    assert_int_equal(t.rc, 0);
    assert_false(t.res.exited);
    assert_int_equal(t.res.signal, SIGKILL);
    assert_false(t.res.timed_out);
    sb_run_t r;
    sb_run_sh(sb, &r, "echo should-not-run", 60000, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.res.signal, SIGKILL);
    assert_string_equal(r.out, "");
    sb_run_free(&r);
    sandbox_destroy(&sb);
}

/* ---- limits ---- */

static void s_cgroup_read(const char *ctrl, const char *file, char *out, size_t size)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[512], own[256] = "";
    while (f && fgets(line, sizeof line, f)) {
        char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
        if (!b)
            continue;
        *b = '\0';
        char list[300];
        snprintf(list, sizeof list, ",%s,", a + 1);
        char want[40];
        snprintf(want, sizeof want, ",%s,", ctrl);
        if (strstr(list, want)) {
            b[1 + strcspn(b + 1, "\n")] = '\0';
            snprintf(own, sizeof own, "%s", strcmp(b + 1, "/") ? b + 1 : "");
        }
    }
    if (f)
        fclose(f);
    char pat[PATH_MAX];
    snprintf(pat, sizeof pat, "/sys/fs/cgroup/%s%s/airlock-gv-%d-*/%s", ctrl, own, (int)getpid(), file);
    glob_t g;
    out[0] = '\0';
    if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc == 1) {
        FILE *v = fopen(g.gl_pathv[0], "r");
        if (v && fgets(out, (int)size, v))
            out[strcspn(out, "\n")] = '\0';
        if (v)
            fclose(v);
    }
    globfree(&g);
}

static void s_on_exec_cgroup(void *ctx, const sandbox_exec_event_t *ev)
{
    exec_log_t *l = ctx;
    if (strcmp(ev->path, "/usr/bin/sleep") != 0)
        return;
    s_cgroup_read("memory", "memory.limit_in_bytes", l->cgroup[0], sizeof l->cgroup[0]);
    s_cgroup_read("pids", "pids.max", l->cgroup[1], sizeof l->cgroup[1]);
    s_cgroup_read("cpu", "cpu.cfs_quota_us", l->cgroup[2], sizeof l->cgroup[2]);
}

/* cgroup v1 hosts: the limits are on the cgroup while the command runs;
 * inside, the process and file size limits. */
static void test_limits_applied(void **state)
{
    (void)state;
    if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
        print_message("SKIP: the checks read cgroup v1 files\n");
        skip();
    }
    sandbox_t *sb = s_create_limits((sandbox_limits_t){ 2, 200, 32, 50, 1 << 20 });
    exec_log_t l;
    s_log_init(&l);
    const char *argv[] = { "/bin/bash", "-c", "ulimit -u; ulimit -f; ulimit -c; ulimit -n; sleep 0", NULL };
    sb_run_t r;
    sb_run_argv(sb, &r, argv, 60000, NULL);
    assert_string_equal(r.out, "49\n32768\n0\n1024\n");
    sb_run_free(&r);
    sandbox_exec_req_t req = { .argv = argv, .timeout_ms = 60000, .on_exec = s_on_exec_cgroup, .ctx = &l };
    sandbox_exec_result_t res;
    assert_int_equal(sandbox_exec(sb, &req, &res), 0);
    char want[3][32];
    snprintf(want[0], sizeof want[0], "%llu", (unsigned long long)(200 + 32 + GV_OVERHEAD_MB) << 20);
    snprintf(want[1], sizeof want[1], "%u", 50 * GV_HOST_PIDS_PER_PROC + GV_HOST_PIDS_BASE);
    snprintf(want[2], sizeof want[2], "%u", 200000);
    for (int i = 0; i < 3; i++)
        assert_string_equal(l.cgroup[i], want[i]);
    sandbox_destroy(&sb);
    /* and the cgroup is gone with the sandbox */
    s_cgroup_read("memory", "memory.limit_in_bytes", l.cgroup[0], sizeof l.cgroup[0]);
    assert_string_equal(l.cgroup[0], "");
}

/* ---- an environment as the root ---- */

/* A Debian root from mmdebstrap, built once into the build tree. */
static const char *s_env_tree(void)
{
    static char tree[1024];
    snprintf(tree, sizeof tree, "%.900s/test-env/bookworm-minbase", AIRLOCK_BUILD_DIR);
    char ok[1100];
    snprintf(ok, sizeof ok, "%s.ok", tree);
    if (access(ok, F_OK) == 0)
        return tree;
    if (access("/usr/bin/mmdebstrap", X_OK) != 0)
        return NULL;
    char cmd[6000];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/..' && mmdebstrap --quiet --variant=minbase bookworm '%s' "
             ">'%s.log' 2>&1 && touch '%s'", tree, tree, tree, tree, ok);
    return system(cmd) == 0 ? tree : NULL;
}

static void test_environment_tree(void **state)
{
    (void)state;
    const char *tree = s_env_tree();
    if (!tree) {
        print_message("SKIP: no environment tree (mmdebstrap missing or no Debian mirror)\n");
        skip();
    }
    char ws[1100];
    snprintf(ws, sizeof ws, "%s/workspace", tree);
    struct stat before;
    assert_int_equal(stat(tree, &before), 0);
    sandbox_env_t env = { "sha256:0000000000000000000000000000000000000000000000000000000000000001", tree, NULL };
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = "gvisor";
    spec.env = &env;
    spec.limits = (sandbox_limits_t){ 1, 256, 64, 64, 1 << 20 };
    sandbox_t *sb = NULL;
    if (sandbox_create(&sb, &spec) != 0)
        fail_msg("sandbox_create(env): %s", al_err_msg());
    assert_string_equal(sandbox_info(sb)->environment, env.digest);
    sb_run_t r;
    sb_run_sh(sb, &r, "cat /etc/debian_version >/dev/null && echo debian; id -u; echo x > /workspace/f && cat /workspace/f; "
                      "ls -ld / | cut -c1; touch /etc/x 2>/dev/null || echo ro; test -e /usr/bin/python3 || echo minbase",
              60000, NULL);
    if (r.res.exit_code != 0)
        if (r.res.exit_code != 0)
        print_message("%s\n%s\n", r.out, r.err);
    assert_int_equal(r.res.exit_code, 0);
    assert_string_equal(r.out, "debian\n1000\nx\nd\nro\nminbase\n");
    sb_run_free(&r);
    sandbox_destroy(&sb);
    /* the tree was never written: no mount point made in it */
    assert_int_equal(access(ws, F_OK), -1);
    struct stat after;
    assert_int_equal(stat(tree, &after), 0);
    assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
    assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
}

/* ---- bad specs, concurrency ---- */

static void test_bad_specs(void **state)
{
    (void)state;
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = "gvisor";
    spec.egress_socket = "/nonexistent/sock";
    spec.egress_token = "user@host";
    sandbox_t *sb = NULL;
    assert_int_equal(sandbox_create(&sb, &spec), AL_EINVAL);
    assert_null(sb);
    sandbox_env_t env = { "sha256:00", "/nonexistent/tree", NULL };
    sandbox_spec_t s2 = SANDBOX_SPEC_INIT;
    s2.driver = "gvisor";
    s2.env = &env;
    assert_int_equal(sandbox_create(&sb, &s2), AL_EINVAL);
    sandbox_spec_t s3 = SANDBOX_SPEC_INIT;
    s3.driver = "gvisor";
    s3.state_dir = "/nonexistent/state";
    assert_int_equal(sandbox_create(&sb, &s3), AL_EINVAL);
    assert_null(sb);
}

static void *s_one(void *arg)
{
    int *ok = arg;
    sandbox_t *sb = s_create();
    sb_run_t r;
    sb_run_sh(sb, &r, "echo $((6 * 7)) > /workspace/x; cat /workspace/x", 120000, NULL);
    *ok = r.rc == 0 && r.res.exit_code == 0 && strcmp(r.out, "42\n") == 0;
    sb_run_free(&r);
    sandbox_destroy(&sb);
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    pthread_t th[3];
    int ok[3] = { 0 };
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, s_one, &ok[i]), 0);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        assert_true(ok[i]);
    }
}

int main(void)
{
    al_log_init("test_sandbox_gvisor", AL_LOG_WARN, NULL);
    if (!sandbox_driver_available("gvisor")) {
        printf("SKIP: gvisor driver unavailable: %s\n", al_err_msg());
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_and_info),
        cmocka_unit_test(test_exec_events),
        cmocka_unit_test(test_exit_status_exact),
        cmocka_unit_test(test_workspace_round_trip),
        cmocka_unit_test(test_interrupt),
        cmocka_unit_test(test_limits_applied),
        cmocka_unit_test(test_environment_tree),
        cmocka_unit_test(test_bad_specs),
        cmocka_unit_test(test_concurrent),
    };
    if (getenv("GVISOR_FILTER"))
        cmocka_set_test_filter(getenv("GVISOR_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
