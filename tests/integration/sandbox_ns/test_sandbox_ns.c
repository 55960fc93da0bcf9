/*
 * test_sandbox_ns.c: the ns driver against real namespaces: what the workload
 * sees (root, uid, network, /etc), what it cannot do (seccomp, 32-bit ABI),
 * workspace copy in/out, environment and egress forwarder, exec events, errors.
 * Runs as root (the driver's requirement); skips with a message otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sb_run.h"
#include "worker/sandbox/sandbox.h"
#include "common/error.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static sandbox_t *s_new(const char *egress_socket, const char *token)
{
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = "ns";
    spec.task_id = "test-ns";
    spec.limits.memory_mb = 128;
    spec.limits.disk_mb = 32;
    spec.egress_socket = egress_socket;
    spec.egress_token = token;
    sandbox_t *sb = NULL;
    int rc = sandbox_create(&sb, &spec);
    if (rc)
        fail_msg("sandbox_create: %s", al_err_msg());
    return sb;
}

/* Skip unless the driver is available, but create nothing (the test must have no
 * other children). */
static int s_setup_available(void **state)
{
    (void)state;
    if (!sandbox_driver_available("ns")) {
        print_message("SKIP: ns driver unavailable: %s\n", al_err_msg());
        skip();
    }
    return 0;
}

static int s_setup(void **state)
{
    s_setup_available(state);
    *state = s_new(NULL, NULL);
    return 0;
}

static int s_teardown(void **state)
{
    sandbox_t *sb = *state;
    sandbox_destroy(&sb);
    assert_null(sb);
    return 0;
}

static void test_echo_and_info(void **state)
{
    sandbox_t *sb = *state;
    sb_run_t r;
    sb_run_sh(sb, &r, "echo hello; echo oops >&2; exit 3", 10000, NULL);
    assert_int_equal(r.rc, 0);
    assert_true(r.res.exited);
    assert_int_equal(r.res.exit_code, 3);
    assert_string_equal(r.out, "hello\n");
    assert_string_equal(r.err, "oops\n");
    assert_int_equal(r.res.stdout_bytes, 6);
    assert_false(r.res.output_truncated);
    sb_run_free(&r);
    const sandbox_info_t *info = sandbox_info(sb);
    assert_string_equal(info->driver, "ns");
    assert_string_equal(info->isolation, "ns");
    assert_true(strlen(info->kernel) > 0);
    assert_int_equal(info->limits.memory_mb, 128);
    assert_int_equal(info->limits.disk_mb, 32);
    assert_int_equal(info->limits.max_procs, 256);
}

static void test_identity_and_view(void **state)
{
    sandbox_t *sb = *state;
    sb_run_t r;
    sb_run_sh(sb, &r,
              "id -u; id -g; id -G; whoami; hostname; pwd; ls -1 / | tr '\\n' ' '; echo;"
              "test -e /etc/shadow && echo SHADOW; test -e /sys/kernel && echo SYS;"
              "cat /proc/self/status | grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' | tr -s '\\t' ' '",
              10000, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.res.exit_code, 0);
    const char *want = "1000\n1000\n1000\nsandbox\nairlock\n/workspace\n"
                       "bin dev etc lib lib32 lib64 proc root sbin tmp usr workspace \n"
                       "CapEff: 0000000000000000\nCapBnd: 0000000000000000\n"
                       "NoNewPrivs: 1\nSeccomp: 2\n";
    assert_string_equal(r.out, want);
    sb_run_free(&r);
}

/* /workspace: a tmpfs of disk_mb (32 MiB here), nosuid and nodev, its root
 * the workload's, writable; nothing else of the workload's is writable but
 * /tmp and /dev/shm. */
static void test_workspace_mount(void **state)
{
    sandbox_t *sb = *state;
    sb_run_t r;
    sb_run_sh(sb, &r, "awk '$5 == \"/workspace\" { for (i = 7; $i != \"-\"; i++) ; print $6, $(i + 1), $(i + 3) }' "
                      "/proc/self/mountinfo; "
                      "stat -c '%u:%g %a' /workspace; touch /workspace/f && echo wrote", 10000, NULL);
    assert_int_equal(r.rc, 0);
    print_message("%s", r.out);
    assert_int_equal(r.res.exit_code, 0);
    char opts[128], fstype[32], super[256];
    assert_int_equal(sscanf(r.out, "%127s %31s %255s", opts, fstype, super), 3);
    assert_non_null(strstr(opts, "nosuid"));
    assert_non_null(strstr(opts, "nodev"));
    assert_string_equal(fstype, "tmpfs");
    assert_non_null(strstr(super, "size=32768k"));
    assert_non_null(strstr(super, "uid=1000001000"));   /* made by the host, for the workload uid */
    assert_non_null(strstr(r.out, "\n1000:1000 755\nwrote\n"));
    sb_run_free(&r);
}

static void test_network_is_empty(void **state)
{
    sandbox_t *sb = *state;
    sb_run_t r;
    sb_run_sh(sb, &r, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; "
                      "env | grep -ci proxy", 10000, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "lo\n0\n");
    sb_run_free(&r);
}

/* Each denied syscall returns EPERM from seccomp (the workload has no capability
 * either, but unshare(CLONE_NEWUSER) would succeed without the filter). */
static void test_seccomp_denies(void **state)
{
    sandbox_t *sb = *state;
    const char *py =
        "import ctypes\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "calls = [('unshare', 272, (0x10000000,)), ('setns', 308, (0, 0)),\n"
        "  ('mount', 165, (b'none', b'/tmp', b'tmpfs', 0, 0)), ('init_module', 175, (0, 0, b'')),\n"
        "  ('finit_module', 313, (0, b'', 0)), ('bpf', 321, (0, 0, 0)), ('keyctl', 250, (0,)),\n"
        "  ('ptrace', 101, (16, 1, 0, 0)), ('perf_event_open', 298, (0, 0, -1, -1, 0)),\n"
        "  ('userfaultfd', 323, (0,)), ('kexec_load', 246, (0, 0, 0, 0)),\n"
        "  ('open_by_handle_at', 304, (0, 0, 0)), ('clone_newns', 56, (0x00020000 | 17, 0, 0, 0, 0)),\n"
        "  ('personality', 135, (0x0040000,)), ('io_uring_setup', 425, (1, 0))]\n"
        "for name, nr, args in calls:\n"
        "    r = libc.syscall(nr, *args)\n"
        "    print(name, r, ctypes.get_errno())\n";
    const char *argv[] = { "/usr/bin/python3", "-c", py, NULL };
    sb_run_t r;
    sb_run_argv(sb, &r, argv, 30000, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.res.exit_code, 0);
    assert_string_equal(r.out, "unshare -1 1\nsetns -1 1\nmount -1 1\ninit_module -1 1\n"
                               "finit_module -1 1\nbpf -1 1\nkeyctl -1 1\nptrace -1 1\n"
                               "perf_event_open -1 1\nuserfaultfd -1 1\nkexec_load -1 1\n"
                               "open_by_handle_at -1 1\nclone_newns -1 1\npersonality -1 1\n"
                               "io_uring_setup -1 1\n");
    sb_run_free(&r);
}

/* 1 when the host kernel runs 32-bit (int 0x80) syscalls at all: a probe
 * compiled and run on the host. Kernels built or booted without IA32
 * emulation kill it with SIGSEGV before seccomp could see the call. */
static int s_host_has_ia32(void)
{
    const char *src = "/tmp/airlock-ia32-probe.c", *bin = "/tmp/airlock-ia32-probe";
    FILE *f = fopen(src, "w");
    if (!f)
        return 1;
    fputs("int main(void){long r; __asm__ volatile(\"int $0x80\" : \"=a\"(r) : \"a\"(20L));"
          " return r > 0 ? 0 : 5;}\n", f);
    fclose(f);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cc -o %s %s 2>/dev/null", bin, src);
    if (system(cmd) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        execl(bin, bin, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    unlink(src);
    unlink(bin);
    return !(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}

/* A 32-bit (int 0x80) syscall kills the process: compiled and run inside. */
static void test_seccomp_blocks_32bit_abi(void **state)
{
    sandbox_t *sb = *state;
    if (!s_host_has_ia32()) {
        print_message("SKIP: the host kernel has no IA32 emulation (int 0x80 is SIGSEGV on the "
                      "host too), so the filter's non-native ABI rule cannot be exercised\n");
        skip();
    }
    sb_run_t r;
    sb_run_sh(sb, &r,
              "printf 'int main(void){long r; __asm__ volatile(\"int $0x80\" : \"=a\"(r) : \"a\"(20L));"
              " return r > 0 ? 0 : 5;}' > /tmp/x.c && cc -o /tmp/x /tmp/x.c && exec /tmp/x",
              60000, NULL);
    assert_int_equal(r.rc, 0);
    assert_false(r.res.exited);
    assert_int_equal(r.res.signal, SIGSYS);
    sb_run_free(&r);
}

static void test_exec_errors(void **state)
{
    sandbox_t *sb = *state;
    const char *missing[] = { "no-such-command-xyz", NULL };
    sb_run_t r;
    sb_run_argv(sb, &r, missing, 10000, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.res.exit_code, 127);
    assert_non_null(strstr(r.err, "no-such-command-xyz"));
    sb_run_free(&r);

    const char *ok[] = { "/bin/true", NULL };
    sandbox_exec_req_t req = { .argv = ok, .cwd = "/no/such/dir", .timeout_ms = 10000 };
    sandbox_exec_result_t res;
    assert_int_equal(sandbox_exec(sb, &req, &res), AL_ESANDBOX);
    assert_non_null(strstr(al_err_msg(), "/no/such/dir"));

    const char *empty[] = { NULL };
    req.argv = empty;
    assert_int_equal(sandbox_exec(sb, &req, &res), AL_EINVAL);
}

static void test_env_and_cwd(void **state)
{
    sandbox_t *sb = *state;
    const char *env[] = { "FOO=bar baz", "HOME=/tmp", "garbage-without-equals", NULL };
    const char *argv[] = { "/bin/sh", "-c", "echo \"$FOO|$HOME|$PATH\"; pwd", NULL };
    sandbox_exec_req_t req = { .argv = argv, .env = env, .cwd = "/tmp", .timeout_ms = 10000 };
    sb_run_t r;
    memset(&r, 0, sizeof r);
    (void)req;
    sb_run_argv(sb, &r, argv, 10000, env);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "bar baz|/tmp|/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin\n/workspace\n");
    sb_run_free(&r);
}

/* Four execs, each reported once with the workload uid, none from outside. Path and
 * argv come from /proc and are empty when the process is already gone, so only the
 * paths that were read are checked. */
static void test_exec_events(void **state)
{
    sandbox_t *sb = *state;
    sb_run_t r;
    sb_run_sh(sb, &r, "/bin/true; /usr/bin/env >/dev/null; /bin/echo done", 10000, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "done\n");
    assert_int_equal(r.n_events, 4);
    const char *known[] = { "/usr/bin/dash", "/usr/bin/true", "/usr/bin/env", "/usr/bin/echo" };
    for (int i = 0; i < r.n_events; i++) {
        assert_int_equal(r.event_uid[i], 1000);
        if (*r.event_path[i])
            assert_string_equal(r.event_path[i], known[i]);
    }
    sb_run_free(&r);
}

/* ---- workspace copy in / out ---- */

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *s_read(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_workspace_roundtrip(void **state)
{
    (void)state;
    sandbox_t *sb = s_new(NULL, NULL);
    char in[] = "/tmp/airlock-ns-in-XXXXXX", out[] = "/tmp/airlock-ns-out-XXXXXX";
    char p[256];
    assert_non_null(mkdtemp(in));
    assert_non_null(mkdtemp(out));
    snprintf(p, sizeof p, "%s/a.txt", in);
    s_write(p, "from host\n");
    snprintf(p, sizeof p, "%s/sub", in);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/sub/escape", in);
    assert_int_equal(symlink("/etc/hostname", p), 0);
    if (sandbox_workspace_in(sb, in) != 0)
        fail_msg("workspace_in: %s", al_err_msg());
    sb_run_t r;
    sb_run_sh(sb, &r, "cat a.txt; echo changed > a.txt; echo new > sub/b.txt; "
                      "readlink sub/escape; cat sub/escape", 10000, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "from host\n/etc/hostname\nairlock\n");
    sb_run_free(&r);
    assert_int_equal(sandbox_workspace_in(sb, in), AL_ESTATE);
    assert_int_equal(sandbox_workspace_out(sb, in), AL_EINVAL); /* not empty */
    if (sandbox_workspace_out(sb, out) != 0)
        fail_msg("workspace_out: %s", al_err_msg());
    snprintf(p, sizeof p, "%s/a.txt", out);
    assert_string_equal(s_read(p), "changed\n");
    snprintf(p, sizeof p, "%s/sub/b.txt", out);
    assert_string_equal(s_read(p), "new\n");
    char link[256];
    snprintf(p, sizeof p, "%s/sub/escape", out);
    ssize_t n = readlink(p, link, sizeof link - 1);
    assert_true(n > 0);
    link[n] = '\0';
    assert_string_equal(link, "/etc/hostname");
    sandbox_destroy(&sb);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", in, out);
    assert_int_equal(system(cmd), 0);
}

static void test_workspace_bad_dir(void **state)
{
    sandbox_t *sb = *state;
    assert_int_equal(sandbox_workspace_in(sb, "/no/such/dir"), AL_EINVAL);
    assert_int_equal(sandbox_workspace_in(sb, NULL), AL_EINVAL);
}

/* ---- egress forwarder ---- */

typedef struct {
    int listen_fd;
    char got[128];
} echo_srv_t;

static void *s_echo_server(void *arg)
{
    echo_srv_t *s = arg;
    int c = accept(s->listen_fd, NULL, NULL);
    if (c < 0)
        return NULL;
    ssize_t n = read(c, s->got, sizeof s->got - 1);
    if (n > 0) {
        s->got[n] = '\0';
        if (write(c, "pong\n", 5) != 5)
            s->got[0] = '\0';
    }
    close(c);
    return NULL;
}

static void test_egress_forwarder(void **state)
{
    (void)state;
    char dir[] = "/tmp/airlock-ns-egress-XXXXXX", path[96];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/proxy.sock", dir);
    echo_srv_t srv = { socket(AF_UNIX, SOCK_STREAM, 0), "" };
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    assert_int_equal(bind(srv.listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(srv.listen_fd, 4), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, s_echo_server, &srv), 0);
    sandbox_t *sb = s_new(path, "tok123");
    sb_run_t r;
    const char *argv[] = { "/bin/bash", "-c",
        "echo \"$http_proxy $https_proxy\"; exec 3<>/dev/tcp/127.0.0.1/3128; echo ping >&3; "
        "read l <&3; echo \"got $l\"", NULL };
    sb_run_argv(sb, &r, argv, 20000, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "http://airlock:tok123@127.0.0.1:3128 "
                               "http://airlock:tok123@127.0.0.1:3128\ngot pong\n");
    sb_run_free(&r);
    pthread_join(th, NULL);
    assert_string_equal(srv.got, "ping\n");
    sandbox_destroy(&sb);
    close(srv.listen_fd);
    unlink(path);
    rmdir(dir);
}

/* One line about a process: pid, name, state, where in the kernel it waits. */
static void s_print_proc(const char *what, const char *pid)
{
    char path[96], line[256], name[64] = "?", state[64] = "?", wchan[64] = "?";
    snprintf(path, sizeof path, "/proc/%s/status", pid);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "Name: %63s", name);
        sscanf(line, "State: %63[^\n]", state);
    }
    if (f)
        fclose(f);
    snprintf(path, sizeof path, "/proc/%s/wchan", pid);
    f = fopen(path, "re");
    if (f && !fgets(wchan, sizeof wchan, f))
        snprintf(wchan, sizeof wchan, "?");
    if (f)
        fclose(f);
    print_message("  %s %s %s state=%s wchan=%s\n", what, pid, name, state, wchan);
}

/* Prints this process's threads (with `threads`) and the children of any of
 * them that are still there: what a test waiting for them saw at its deadline. */
static void s_print_children(int threads)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        if (threads)
            s_print_proc("thread", e->d_name);
        char path[300], pid[16];
        snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
        FILE *f = fopen(path, "re");
        while (f && fscanf(f, "%15s", pid) == 1)
            s_print_proc("child", pid);
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
}

/* A hang anywhere in this binary ends before ctest's 300 s timeout with what
 * was waiting where: this process's threads and children, with their kernel
 * wait channels (the output of a killed test stops at its last RUN line). */
#define WATCHDOG_S 240
static void *s_watchdog(void *arg)
{
    (void)arg;
    struct timespec ts = { WATCHDOG_S, 0 };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    print_message("watchdog: test_sandbox_ns still running after %d s\n", WATCHDOG_S);
    s_print_children(1);
    fflush(stdout);
    _exit(1);
}

/* A worker that dies without destroying its sandboxes takes them along: the init
 * and the forwarder see their lifeline close and exit, its janitor empties and
 * removes the cgroups and exits. We are their subreaper, so waiting for them is
 * exact; after 60 s the test fails naming what is left (this process's own
 * janitor is always left). The next create sweeps the dead worker's empty cgroups. */
static void test_worker_death_takes_sandbox(void **state)
{
    (void)state;
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
    pid_t worker = fork();
    assert_true(worker >= 0);
    if (worker == 0) {
        sandbox_spec_t spec = SANDBOX_SPEC_INIT;
        spec.egress_socket = "/nonexistent/proxy.sock";
        sandbox_t *sb = NULL;
        _exit(sandbox_create(&sb, &spec) == 0 ? 0 : 1);  /* no destroy: a crash */
    }
    int status, orphans = 0;
    assert_int_equal(waitpid(worker, &status, 0), worker);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* its orphans: init, forwarder and its janitor (which removes the cgroups
     * and exits); this process's own janitor, if any, lives on */
    for (int waited_ms = 0; orphans < 3; ) {
        pid_t p = waitpid(-1, NULL, WNOHANG);
        if (p > 0) {
            orphans++;
            continue;
        }
        if (p < 0 || waited_ms >= 60000) {
            print_message("%d of 3 orphans ended within %d ms; left:\n", orphans, waited_ms);
            s_print_children(0);
            break;
        }
        usleep(10000);
        waited_ms += 10;
    }
    assert_int_equal(orphans, 3);
    assert_true(waitpid(-1, NULL, WNOHANG) <= 0);   /* nothing else ended */
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0), 0);
    sandbox_t *sb = s_new(NULL, NULL);
    sandbox_destroy(&sb);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "airlock-ns-%d-", (int)worker);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "find /sys/fs/cgroup -maxdepth 4 -name '%s*' | grep -q .", prefix);
    assert_int_not_equal(system(cmd), 0);
}

/* Sandboxes created, used and destroyed from several threads at once (the
 * driver forks from a multithreaded process: children must not touch locks). */
#define N_THREADS 4
static void *s_thread_main(void *arg)
{
    long id = (long)arg, ok = 0;
    for (int round = 0; round < 3; round++) {
        sandbox_spec_t spec = SANDBOX_SPEC_INIT;
        sandbox_t *sb = NULL;
        if (sandbox_create(&sb, &spec) != 0)
            return (void *)-1;
        char script[64], want[64];
        snprintf(script, sizeof script, "echo t%ld r%d $(id -u)", id, round);
        snprintf(want, sizeof want, "t%ld r%d 1000\n", id, round);
        for (int i = 0; i < 3; i++) {
            sb_run_t r;
            sb_run_sh(sb, &r, script, 30000, NULL);
            int good = r.rc == 0 && r.res.exit_code == 0 && strcmp(r.out, want) == 0;
            if (!good)
                print_message("thread %ld: rc=%d (%s) exit=%d signal=%d out='%s' err='%s'\n", id,
                              r.rc, r.rc ? al_err_msg() : "", r.res.exit_code, r.res.signal,
                              r.out, r.err);
            ok += good;
            sb_run_free(&r);
        }
        sandbox_destroy(&sb);
    }
    return (void *)ok;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t th[N_THREADS];
    for (long i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, s_thread_main, (void *)i), 0);
    for (int i = 0; i < N_THREADS; i++) {
        void *ok = NULL;
        assert_int_equal(pthread_join(th[i], &ok), 0);
        assert_int_equal((long)ok, 9);
    }
}

/* A state_dir below a 0700 directory is fine: the driver keeps nothing on disk. */
static void test_private_state_dir(void **state)
{
    (void)state;
    char parent[] = "/tmp/airlock-ns-private-XXXXXX", child[128];
    assert_non_null(mkdtemp(parent));
    assert_int_equal(chmod(parent, 0700), 0);
    snprintf(child, sizeof child, "%s/state", parent);
    assert_int_equal(mkdir(child, 0700), 0);
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.state_dir = child;
    sandbox_t *sb = NULL;
    if (sandbox_create(&sb, &spec) != 0)
        fail_msg("sandbox_create: %s", al_err_msg());
    sb_run_t r;
    sb_run_sh(sb, &r, "echo ok", 10000, NULL);
    assert_string_equal(r.out, "ok\n");
    sb_run_free(&r);
    sandbox_destroy(&sb);
    assert_int_equal(rmdir(child), 0);
    assert_int_equal(rmdir(parent), 0);
}

static void test_bad_specs(void **state)
{
    (void)state;
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    sandbox_t *sb = NULL;
    spec.egress_socket = "/tmp/x.sock";
    spec.egress_token = "bad@token";
    assert_int_equal(sandbox_create(&sb, &spec), AL_EINVAL);
    assert_null(sb);
    char longtok[300];
    memset(longtok, 'a', sizeof longtok - 1);
    longtok[sizeof longtok - 1] = '\0';
    spec.egress_token = longtok;
    assert_int_equal(sandbox_create(&sb, &spec), AL_EINVAL);
    assert_null(sb);
    char longpath[200];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    spec.egress_token = "ok";
    spec.egress_socket = longpath;
    assert_int_equal(sandbox_create(&sb, &spec), AL_EINVAL);
    assert_null(sb);
    spec.egress_socket = NULL;
    spec.state_dir = "/no/such/state/dir";
    assert_int_equal(sandbox_create(&sb, &spec), AL_EINVAL);
    assert_null(sb);
}

int main(void)
{
    al_log_init("test_sandbox_ns", AL_LOG_WARN, NULL);
    pthread_t watchdog;
    if (pthread_create(&watchdog, NULL, s_watchdog, NULL) == 0)
        pthread_detach(watchdog);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_and_info, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_identity_and_view, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_workspace_mount, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_network_is_empty, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_seccomp_denies, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_seccomp_blocks_32bit_abi, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_exec_errors, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_env_and_cwd, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_exec_events, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_workspace_bad_dir, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_workspace_roundtrip, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_egress_forwarder, s_setup, s_teardown),
        cmocka_unit_test_setup(test_worker_death_takes_sandbox, s_setup_available),
        cmocka_unit_test_setup_teardown(test_threads, s_setup, s_teardown),
        cmocka_unit_test_setup(test_private_state_dir, s_setup_available),
        cmocka_unit_test_setup_teardown(test_bad_specs, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
