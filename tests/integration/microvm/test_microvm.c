/*
 * test_microvm.c: the microvm driver against real qemu guests (TCG here).
 *
 * Boots real VMs with the project's guest kernel and airlock-init; skips (not
 * passes) only when qemu, the kernel or the initramfs are absent. Covers exec
 * (output, exit codes, timeout, output cap), exec events, workspace round
 * trip, what the guest must not see (host files, /etc/shadow, network), the
 * pool (distinct, never reused, answering) and cleanup after destroy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/sandbox/pool.h"
#include "worker/sandbox/sandbox.h"
#include "common/error.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    char out[65536];
    size_t out_len, err_len;
    char events[8192];
    int nevents, event_uid_ok;
} capture_t;

static char s_state[256];

static void on_output(void *ctx, int stream, const char *data, size_t len)
{
    capture_t *c = ctx;
    if (stream == SANDBOX_STDOUT) {
        size_t room = sizeof c->out - 1 - c->out_len;
        size_t n = len < room ? len : room;
        memcpy(c->out + c->out_len, data, n);
        c->out_len += n;
        c->out[c->out_len] = '\0';
    } else {
        c->err_len += len;
    }
}

static void on_exec(void *ctx, const sandbox_exec_event_t *ev)
{
    capture_t *c = ctx;
    c->nevents++;
    if (ev->uid == 1000)
        c->event_uid_ok++;
    size_t used = strlen(c->events);
    snprintf(c->events + used, sizeof c->events - used, "%s|%s\n", ev->path, ev->argv);
}

static int run(sandbox_t *sb, const char *const *argv, unsigned timeout_ms, uint64_t cap, capture_t *c,
               sandbox_exec_result_t *res)
{
    memset(c, 0, sizeof *c);
    sandbox_exec_req_t rq = { .argv = argv, .timeout_ms = timeout_ms, .max_output_bytes = cap,
                              .on_output = on_output, .on_exec = on_exec, .ctx = c };
    return sandbox_exec(sb, &rq, res);
}

static sandbox_spec_t spec_default(void)
{
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = "microvm";
    spec.task_id = "test-microvm";
    spec.limits.disk_mb = 64;
    spec.state_dir = s_state;
    return spec;
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(s_state, sizeof s_state, "/tmp/airlock-test-microvm-XXXXXX");
    if (!mkdtemp(s_state))
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    rmdir(s_state);
    return 0;
}

static int vm_setup(void **state)
{
    if (!sandbox_driver_available("microvm")) {
        print_message("SKIP: microvm driver unavailable: %s\n", al_err_msg());
        *state = NULL;
        return 0;
    }
    sandbox_spec_t spec = spec_default();
    sandbox_t *sb = NULL;
    int rc = sandbox_create(&sb, &spec);
    if (rc < 0) {
        print_message("sandbox_create: %s %s\n", al_err_name(rc), al_err_msg());
        return -1;
    }
    *state = sb;
    return 0;
}

static int vm_teardown(void **state)
{
    sandbox_t *sb = *state;
    sandbox_destroy(&sb);
    return 0;
}

#define NEED_VM(sb)                                                            \
    do {                                                                       \
        if (!(sb))                                                             \
            skip();                                                            \
    } while (0)

static void test_echo_and_info(void **state)
{
    sandbox_t *sb = *state;
    NEED_VM(sb);
    capture_t c;
    sandbox_exec_result_t res;
    const char *argv[] = { "echo", "hello", "guest", NULL };
    assert_int_equal(run(sb, argv, 60000, 0, &c, &res), 0);
    assert_true(res.exited);
    assert_int_equal(res.exit_code, 0);
    assert_string_equal(c.out, "hello guest\n");
    assert_int_equal(res.stdout_bytes, 12);
    const sandbox_info_t *info = sandbox_info(sb);
    assert_string_equal(info->driver, "microvm");
    assert_true(!strcmp(info->isolation, "tcg") || !strcmp(info->isolation, "kvm"));
    assert_true(strlen(info->kernel) > 0);
    assert_true(strncmp(info->vmm, "qemu-system-x86_64 ", 19) == 0);
    assert_int_equal(info->limits.memory_mb, 256);
    assert_int_equal(info->limits.disk_mb, 64);
}

/* Under TCG the workload runs without address randomization (translated code
 * is cached by virtual address, docs/SANDBOX.md): the personality flag is set
 * and two processes map their stack at the same address. Under KVM both as
 * usual. */
static void test_address_layout_follows_accel(void **state)
{
    sandbox_t *sb = *state;
    NEED_VM(sb);
    int tcg = strcmp(sandbox_info(sb)->isolation, "tcg") == 0;
    char got[2][256];
    for (int i = 0; i < 2; i++) {
        capture_t c;
        sandbox_exec_result_t res;
        const char *argv[] = { "sh", "-c", "cat /proc/self/personality; grep -m1 stack /proc/self/maps", NULL };
        assert_int_equal(run(sb, argv, 60000, 0, &c, &res), 0);
        assert_int_equal(res.exit_code, 0);
        snprintf(got[i], sizeof got[i], "%.200s", c.out);
    }
    print_message("[%s] %s", sandbox_info(sb)->isolation, got[0]);
    assert_string_equal(strtok(got[0], "\n"), tcg ? "00040000" : "00000000");
    char *stack0 = strtok(NULL, "\n");
    assert_string_equal(strtok(got[1], "\n"), tcg ? "00040000" : "00000000");
    char *stack1 = strtok(NULL, "\n");
    assert_non_null(stack0);
    assert_non_null(stack1);
    if (tcg)
        assert_string_equal(stack0, stack1);
}

/* The guest's cgroup2 is mounted favordynmods: moving each command into the
 * job cgroup otherwise waits for an RCU grace period whenever the guest was
 * idle (~25 ms of every pool hit's first exec under TCG, bench/sandbox). */
static void test_guest_cgroup_favors_moves(void **state)
{
    sandbox_t *sb = *state;
    NEED_VM(sb);
    capture_t c;
    sandbox_exec_result_t res;
    const char *argv[] = { "sh", "-c", "grep ' /sys/fs/cgroup cgroup2 ' /proc/mounts", NULL };
    assert_int_equal(run(sb, argv, 60000, 0, &c, &res), 0);
    assert_int_equal(res.exit_code, 0);
    assert_non_null(strstr(c.out, "favordynmods"));
}

static void test_nonzero_exit_and_missing_binary(void **state)
{
    sandbox_t *sb = *state;
    NEED_VM(sb);
    capture_t c;
    sandbox_exec_result_t res;
    const char *argv[] = { "sh", "-c", "echo oops >&2; exit 7", NULL };
    assert_int_equal(run(sb, argv, 60000, 0, &c, &res), 0);
    assert_true(res.exited);
    assert_int_equal(res.exit_code, 7);
    assert_int_equal(res.stderr_bytes, 5);
    const char *missing[] = { "/no/such/binary", NULL };
    assert_int_equal(run(sb, missing, 60000, 0, &c, &res), 0);
    assert_int_equal(res.exit_code, 127);
}

/* The next command's process is made while the guest is idle (init_prefork.c):
 * after a command ends, airlock-init forks and confines it, and the next
 * request only hands it argv. So a command started 2 s after the previous one
 * ended runs in a process about 2 s old, confined exactly as a freshly forked
 * one: the sandbox user, no_new_privs, the workload filter, the job cgroup,
 * its own session, stdin from /dev/null and no descriptor but 0-2. */
static void test_next_command_process_waits_confined(void **state)
{
    sandbox_t *sb = *state;
    NEED_VM(sb);
    capture_t c;
    sandbox_exec_result_t res;
    const char *first[] = { "true", NULL };
    assert_int_equal(run(sb, first, 60000, 0, &c, &res), 0);
    assert_int_equal(res.exit_code, 0);
    sleep(2);
    const char *argv[] = { "sh", "-c",
                           "cat /proc/$$/stat /proc/uptime; grep -E '^(Uid|NoNewPrivs|Seccomp):' /proc/$$/status;"
                           " cat /proc/$$/cgroup; ls /proc/$$/fd | tr '\\n' ' '; echo;"
                           " readlink /proc/$$/fd/0; ps -o sid= -p $$; echo $$; pwd",
                           NULL };
    assert_int_equal(run(sb, argv, 60000, 0, &c, &res), 0);
    assert_int_equal(res.exit_code, 0);
    print_message("%s", c.out);
    /* field 22 of stat (start time in clock ticks of 1/100 s), after the comm's ')' */
    const char *p = strrchr(c.out, ')');
    assert_non_null(p);
    char *line_end = strchr(p, '\n');
    assert_non_null(line_end);
    p += 2;
    for (int field = 3; field < 22; field++)
        p = strchr(p, ' ') + 1;
    unsigned long long start = strtoull(p, NULL, 10);
    double uptime = strtod(line_end + 1, NULL);
    double age = uptime - (double)start / 100.0;
    print_message("process age at its command: %.2f s\n", age);
    assert_true(age >= 1.0);
    assert_non_null(strstr(c.out, "Uid:\t1000\t1000\t1000\t1000\n"));
    assert_non_null(strstr(c.out, "NoNewPrivs:\t1\n"));
    assert_non_null(strstr(c.out, "Seccomp:\t2\n"));
    assert_non_null(strstr(c.out, "0::/job\n"));
    assert_non_null(strstr(c.out, "\n0 1 2 \n/dev/null\n"));
    /* its own session: the session id is its pid */
    char *sid_line = strstr(c.out, "/dev/null\n") + strlen("/dev/null\n");
    char *after_sid = NULL;
    long sid = strtol(sid_line, &after_sid, 10);
    long pid = strtol(after_sid, NULL, 10);
    assert_true(sid > 1);
    assert_int_equal(sid, pid);
    assert_non_null(strstr(c.out, "\n/workspace\n"));
}

static void test_timeout_kills(void **state)
{
    sandbox_t *sb = *state;
    NEED_VM(sb);
    capture_t c;
    sandbox_exec_result_t res;
    const char *argv[] = { "sh", "-c", "sleep 600 & sleep 600", NULL };
    assert_int_equal(run(sb, argv, 1500, 0, &c, &res), 0);
    assert_true(res.timed_out);
    assert_false(res.exited);
    assert_int_equal(res.signal, 9);
    /* the sandbox is still usable afterwards, and nothing of the workload survived */
    const char *ps[] = { "sh", "-c", "pgrep -c sleep || true", NULL };
    assert_int_equal(run(sb, ps, 60000, 0, &c, &res), 0);
    assert_string_equal(c.out, "0\n");
}

static void test_output_cap(void **state)
{
    sandbox_t *sb = *state;
    NEED_VM(sb);
    capture_t c;
    sandbox_exec_result_t res;
    const char *argv[] = { "head", "-c", "300000", "/dev/zero", NULL };
    assert_int_equal(run(sb, argv, 60000, 1000, &c, &res), 0);
    assert_true(res.output_truncated);
    assert_int_equal(c.out_len, 1000);
    assert_int_equal(res.stdout_bytes, 300000);
    assert_int_equal(res.exit_code, 0);
}

static void test_exec_events(void **state)
{
    sandbox_t *sb = *state;
    NEED_VM(sb);
    capture_t c;
    sandbox_exec_result_t res;
    const char *argv[] = { "sh", "-c", "ls / >/dev/null; cat /dev/null", NULL };
    assert_int_equal(run(sb, argv, 60000, 0, &c, &res), 0);
    assert_int_equal(res.exit_code, 0);
    assert_true(c.nevents >= 3);
    assert_int_equal(c.event_uid_ok, c.nevents);
    assert_non_null(strstr(c.events, "/usr/bin/ls|ls /\n"));
    assert_non_null(strstr(c.events, "/usr/bin/cat|cat /dev/null\n"));
    assert_non_null(strstr(c.events, "|sh -c ls"));
}

static void test_host_is_invisible(void **state)
{
    sandbox_t *sb = *state;
    NEED_VM(sb);
    char secret[] = "/var/tmp/airlock-host-secret-XXXXXX";
    int fd = mkstemp(secret);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cret\n", 7), 7);
    close(fd);
    capture_t c;
    sandbox_exec_result_t res;
    char script[512];
    snprintf(script, sizeof script,
             "test -e %s && echo SECRET; test -e /etc/shadow && echo SHADOW; "
             "cat /etc/shadow 2>/dev/null; ls /var 2>/dev/null; id -u; echo end",
             secret);
    const char *argv[] = { "sh", "-c", script, NULL };
    int rc = run(sb, argv, 60000, 0, &c, &res);
    unlink(secret);
    assert_int_equal(rc, 0);
    assert_string_equal(c.out, "1000\nend\n");
    /* and the read-only host /usr cannot be written even by accident */
    const char *w[] = { "sh", "-c", "touch /usr/airlock-probe 2>/dev/null && echo WROTE; echo done", NULL };
    assert_int_equal(run(sb, w, 60000, 0, &c, &res), 0);
    assert_string_equal(c.out, "done\n");
    assert_int_equal(access("/usr/airlock-probe", F_OK), -1);
}

static void test_no_network_device(void **state)
{
    sandbox_t *sb = *state;
    NEED_VM(sb);
    capture_t c;
    sandbox_exec_result_t res;
    const char *argv[] = { "ls", "/sys/class/net", NULL };
    assert_int_equal(run(sb, argv, 60000, 0, &c, &res), 0);
    assert_string_equal(c.out, "lo\n");
}

static void test_workspace_round_trip(void **state)
{
    sandbox_t *sb = *state;
    NEED_VM(sb);
    char in[] = "/tmp/airlock-ws-in-XXXXXX", out[] = "/tmp/airlock-ws-out-XXXXXX";
    assert_non_null(mkdtemp(in));
    assert_non_null(mkdtemp(out));
    char path[256];
    snprintf(path, sizeof path, "%s/input.txt", in);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("from the host\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/sub", in);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(sandbox_workspace_in(sb, in), 0);
    capture_t c;
    sandbox_exec_result_t res;
    const char *argv[] = { "sh", "-c", "cat input.txt > sub/output.txt && echo 'from the guest' >> sub/output.txt "
                                       "&& id -u > uid.txt && stat -c %u input.txt >> uid.txt && pwd", NULL };
    assert_int_equal(run(sb, argv, 60000, 0, &c, &res), 0);
    assert_int_equal(res.exit_code, 0);
    assert_string_equal(c.out, "/workspace\n");
    assert_int_equal(sandbox_workspace_out(sb, out), 0);
    char buf[256] = "";
    snprintf(path, sizeof path, "%s/sub/output.txt", out);
    f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, "from the host\nfrom the guest\n");
    snprintf(path, sizeof path, "%s/uid.txt", out);
    f = fopen(path, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, "1000\n1000\n");
    snprintf(path, sizeof path, "%s/lost+found", out);
    assert_int_equal(access(path, F_OK), -1);
    /* still usable after out */
    const char *ls[] = { "ls", "/workspace", NULL };
    assert_int_equal(run(sb, ls, 60000, 0, &c, &res), 0);
    assert_non_null(strstr(c.out, "input.txt"));
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", in, out);
    assert_int_equal(system(cmd), 0);
}

/* This process's qemu children, at most max of their pids in out; returns
 * how many there are (a jailed qemu's command line names no path of the
 * state directory: its files are descriptors, so they are found by name). */
static int qemu_children(int *out, int max)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], line[256], name[64] = "";
        int ppid = 0;
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        FILE *f = fopen(path, "re");
        while (f && fgets(line, sizeof line, f)) {
            sscanf(line, "Name: %63s", name);
            sscanf(line, "PPid: %d", &ppid);
        }
        if (f)
            fclose(f);
        if (ppid != getpid() || strncmp(name, "qemu-system", 11) != 0)
            continue;
        if (n < max)
            out[n] = atoi(e->d_name);
        n++;
    }
    if (d)
        closedir(d);
    return n;
}

static int count_qemu(void)
{
    int none[1];
    return qemu_children(none, 0);
}

/* The CPU weight of this process's qemu children: *bg counts those at the
 * background weight (cgroup v2 cpu.weight 1, v1 cpu.shares 2), *fg those at
 * the default; -1 when a qemu's weight cannot be read (no cpu controller). */
static int count_qemu_weights(int *bg, int *fg)
{
    *bg = *fg = 0;
    int pids[16], n = qemu_children(pids, 16), rc = 0;
    for (int i = 0; i < n && i < 16; i++) {
        char path[64], line[512], file[700] = "";
        snprintf(path, sizeof path, "/proc/%d/cgroup", pids[i]);
        FILE *f = fopen(path, "re");
        while (f && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = '\0';
            char *ctrl = strchr(line, ':'), *cg = ctrl ? strchr(ctrl + 1, ':') : NULL;
            if (!cg)
                continue;
            *cg++ = '\0';
            ctrl++;
            if (strcmp(ctrl, "cpu") == 0 || strncmp(ctrl, "cpu,", 4) == 0)
                snprintf(file, sizeof file, "/sys/fs/cgroup/%s%s/cpu.shares", ctrl, cg);
            else if (ctrl[0] == '\0' && access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
                snprintf(file, sizeof file, "/sys/fs/cgroup%s/cpu.weight", cg);
        }
        if (f)
            fclose(f);
        f = file[0] ? fopen(file, "re") : NULL;
        long w = -1;
        if (!f || fscanf(f, "%ld", &w) != 1)
            rc = -1;
        if (f)
            fclose(f);
        *bg += w == 1 || w == 2;
        *fg += w == 100 || w == 1024;
    }
    return n > 16 ? -1 : rc;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void test_destroy_leaves_nothing(void **state)
{
    (void)state;
    if (!sandbox_driver_available("microvm"))
        skip();
    sandbox_spec_t spec = spec_default();
    sandbox_t *sb = NULL;
    assert_int_equal(sandbox_create(&sb, &spec), 0);
    assert_int_equal(count_entries(s_state), 1);
    assert_int_equal(count_qemu(), 1);
    sandbox_destroy(&sb);
    assert_null(sb);
    assert_int_equal(count_qemu(), 0);
    assert_int_equal(count_entries(s_state), 0);
    sandbox_destroy(&sb); /* NULL-safe */
    /* snapshot RAM files are unlinked as soon as they are open */
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    int shm = 0;
    char mine[64];
    snprintf(mine, sizeof mine, "airlock-base-%d-", (int)getpid());
    while (d && (e = readdir(d)))
        shm += strncmp(e->d_name, mine, strlen(mine)) == 0;
    if (d)
        closedir(d);
    assert_int_equal(shm, 0);
}

/* Two sandboxes: each has its own RNG state and the host's clock, also when
 * both were restored from the same snapshot (same boot_id). */
static void test_fresh_rng_and_clock(void **state)
{
    (void)state;
    if (!sandbox_driver_available("microvm"))
        skip();
    sandbox_spec_t spec = spec_default();
    char out[2][256];
    for (int i = 0; i < 2; i++) {
        sandbox_t *sb = NULL;
        assert_int_equal(sandbox_create(&sb, &spec), 0);
        capture_t c;
        sandbox_exec_result_t res;
        const char *argv[] = { "sh", "-c", "cat /proc/sys/kernel/random/boot_id; head -c 16 /dev/urandom | od -An -tx1; date +%s", NULL };
        int rc = run(sb, argv, 60000, 0, &c, &res);
        sandbox_destroy(&sb);
        assert_int_equal(rc, 0);
        size_t n = strnlen(c.out, sizeof out[i] - 1);
        memcpy(out[i], c.out, n);
        out[i][n] = '\0';
    }
    char boot[2][64], rnd[2][128];
    long t[2];
    for (int i = 0; i < 2; i++) {
        char *nl1 = strchr(out[i], '\n'), *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
        assert_non_null(nl2);
        snprintf(boot[i], sizeof boot[i], "%.*s", (int)(nl1 - out[i]), out[i]);
        snprintf(rnd[i], sizeof rnd[i], "%.*s", (int)(nl2 - nl1 - 1), nl1 + 1);
        t[i] = strtol(nl2 + 1, NULL, 10);
        long now = (long)time(NULL);
        assert_true(t[i] > now - 600 && t[i] <= now + 5);
    }
    print_message("boot ids %s, random bytes %s\n", strcmp(boot[0], boot[1]) ? "differ" : "equal",
                  strcmp(rnd[0], rnd[1]) ? "differ" : "EQUAL");
    assert_string_not_equal(rnd[0], rnd[1]);
}

static void test_pool_distinct_never_reused(void **state)
{
    (void)state;
    if (!sandbox_driver_available("microvm"))
        skip();
    sandbox_spec_t spec = spec_default();
    sandbox_pool_t *pool = sandbox_pool_new(&spec, 2);
    assert_non_null(pool);
    assert_int_equal(sandbox_pool_wait_ready(pool, 2, 600000), 0);
    /* made ahead of need at the lowest CPU weight, given the default when taken
     * (a hit, or a miss made for the caller) while refills stay in the background */
    int bg, fg, weights = count_qemu_weights(&bg, &fg);
    if (weights == 0) {
        assert_int_equal(bg, 2);
        assert_int_equal(fg, 0);
    } else {
        print_message("no cpu controller for qemu's cgroup: CPU weights not checked\n");
    }
    sandbox_t *sb[3] = { NULL, NULL, NULL };
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sandbox_pool_take(pool, &sb[i]), 0);
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(sb[i], sb[j]);
    }
    if (weights == 0 && count_qemu_weights(&bg, &fg) == 0)
        assert_int_equal(fg, 3);
    assert_int_equal(sandbox_info(sb[0])->from_pool, 1);
    assert_int_equal(sandbox_info(sb[1])->from_pool, 1);
    for (int i = 0; i < 3; i++) {
        capture_t c;
        sandbox_exec_result_t res;
        const char *argv[] = { "sh", "-c", "test ! -e /tmp/used && touch /tmp/used && echo fresh", NULL };
        assert_int_equal(run(sb[i], argv, 60000, 0, &c, &res), 0);
        assert_string_equal(c.out, "fresh\n");
    }
    sandbox_pool_stats_t st;
    sandbox_pool_stats(pool, &st);
    assert_true(st.hits >= 2);
    assert_int_equal(st.hits + st.misses, 3);
    for (int i = 0; i < 3; i++)
        sandbox_destroy(&sb[i]);
    sandbox_pool_destroy(&pool);
    assert_null(pool);
    assert_int_equal(count_qemu(), 0);
    assert_int_equal(count_entries(s_state), 0);
}

static void *proxy_stub(void *arg)
{
    int lfd = *(int *)arg;
    int c = accept(lfd, NULL, NULL);
    if (c >= 0) {
        char buf[64] = "pong:";
        ssize_t n = read(c, buf + 5, sizeof buf - 6);
        if (n > 0 && write(c, buf, (size_t)n + 5) < 0)
            perror("proxy stub write");
        close(c);
    }
    return NULL;
}

/* egress allowed: 10.0.2.100:3128 reaches the host's unix socket through the
 * "egress" port and the worker's relay thread (microvm_egress.h), the proxy env
 * carries the token, no other address answers, and the VM has no network
 * device at all (only lo). */
static void test_egress_reaches_only_the_proxy_socket(void **state)
{
    (void)state;
    if (!sandbox_driver_available("microvm"))
        skip();
    char dir[] = "/tmp/airlock-test-egress-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/proxy.sock", dir);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lfd, 4), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, proxy_stub, &lfd), 0);
    sandbox_spec_t spec = spec_default();
    spec.egress_socket = path;
    spec.egress_token = "tok123";
    sandbox_t *sb = NULL;
    assert_int_equal(sandbox_create(&sb, &spec), 0);
    capture_t c;
    sandbox_exec_result_t res;
    const char *py = "import os, socket\n"
                     "s = socket.create_connection(('10.0.2.100', 3128), timeout=20)\n"
                     "s.sendall(b'hello'); print(s.recv(64).decode()); print(os.environ['http_proxy'])\n"
                     "for addr in [('10.0.2.100', 80), ('10.0.2.2', 22), ('10.0.2.3', 53)]:\n"
                     "    try:\n"
                     "        socket.create_connection(addr, timeout=3); print('OPEN', addr)\n"
                     "    except OSError:\n"
                     "        pass\n"
                     "print(sorted(os.listdir('/sys/class/net')))\n";
    const char *argv[] = { "python3", "-c", py, NULL };
    int rc = run(sb, argv, 120000, 0, &c, &res);
    pthread_join(th, NULL);
    close(lfd);
    sandbox_destroy(&sb);
    unlink(path);
    rmdir(dir);
    assert_int_equal(rc, 0);
    assert_int_equal(res.exit_code, 0);
    assert_string_equal(c.out, "pong:hello\nhttp://airlock:tok123@10.0.2.100:3128\n['lo']\n");
}

/* A restore that times out (a loaded host) boots that sandbox cold and the
 * next one is a clone again; three in a row pause clones for
 * microvm_clone_pause_ms, after which they come back. Runs last: it makes
 * restores fail on purpose. */
static int create_restored(int *restored)
{
    sandbox_spec_t spec = spec_default();
    sandbox_t *sb = NULL;
    int rc = sandbox_create(&sb, &spec);
    if (rc == 0)
        *restored = sandbox_info(sb)->restored;
    sandbox_destroy(&sb);
    return rc;
}

static void test_clone_timeouts_pause_not_end_clones(void **state)
{
    (void)state;
    int restored = 0;
    if (!sandbox_driver_available("microvm"))
        skip();
    assert_int_equal(create_restored(&restored), 0);
    if (!restored) {
        print_message("SKIP: this host does not restore clones\n");
        skip();
    }
    setenv("AIRLOCK_MICROVM_CLONE_PAUSE_MS", "3000", 1);
    setenv("AIRLOCK_VM_BOOT_TIMEOUT_MS", "1", 1);     /* every restore (and cold boot) times out */
    assert_true(create_restored(&restored) < 0);
    unsetenv("AIRLOCK_VM_BOOT_TIMEOUT_MS");
    restored = 0;
    assert_int_equal(create_restored(&restored), 0);
    assert_true(restored);                             /* one timeout: still clones */
    setenv("AIRLOCK_VM_BOOT_TIMEOUT_MS", "1", 1);
    for (int i = 0; i < 3; i++)
        assert_true(create_restored(&restored) < 0);
    unsetenv("AIRLOCK_VM_BOOT_TIMEOUT_MS");
    restored = 1;
    assert_int_equal(create_restored(&restored), 0);
    assert_false(restored);                            /* three in a row: paused, cold */
    sleep(3);
    restored = 0;
    assert_int_equal(create_restored(&restored), 0);
    assert_true(restored);                             /* the pause is over */
    unsetenv("AIRLOCK_MICROVM_CLONE_PAUSE_MS");
}

static void test_bad_spec_is_refused(void **state)
{
    (void)state;
    sandbox_spec_t spec = spec_default();
    spec.limits.memory_mb = 8;
    sandbox_t *sb = NULL;
    assert_int_equal(sandbox_create(&sb, &spec), AL_EINVAL);
    assert_null(sb);
    spec = spec_default();
    spec.egress_token = "bad token@x";
    spec.egress_socket = "/nonexistent.sock";
    assert_int_equal(sandbox_create(&sb, &spec), AL_EINVAL);
    assert_null(sb);
}

int main(void)
{
    if (!sandbox_driver_available("microvm")) {   /* every case but one needs a VM */
        printf("SKIP: microvm driver unavailable: %s\n", al_err_msg());
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_spec_is_refused),
        cmocka_unit_test_setup_teardown(test_echo_and_info, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_address_layout_follows_accel, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_guest_cgroup_favors_moves, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_nonzero_exit_and_missing_binary, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_next_command_process_waits_confined, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_timeout_kills, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_output_cap, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_exec_events, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_host_is_invisible, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_no_network_device, vm_setup, vm_teardown),
        cmocka_unit_test_setup_teardown(test_workspace_round_trip, vm_setup, vm_teardown),
        cmocka_unit_test(test_destroy_leaves_nothing),
        cmocka_unit_test(test_fresh_rng_and_clock),
        cmocka_unit_test(test_egress_reaches_only_the_proxy_socket),
        cmocka_unit_test(test_pool_distinct_never_reused),
        cmocka_unit_test(test_clone_timeouts_pause_not_end_clones),
    };
    if (getenv("AIRLOCK_TEST_FILTER"))   /* run one case by hand: AIRLOCK_TEST_FILTER=test_name */
        cmocka_set_test_filter(getenv("AIRLOCK_TEST_FILTER"));
    return cmocka_run_group_tests_name("microvm", tests, group_setup, group_teardown);
}
