/*
 * bench_sandbox.c: how long until a sandbox runs its first command, and what
 * an idle microVM costs. Prints distributions (p50/p90/p99/max), never asserts.
 *
 *   bench_sandbox [-n runs] [-p pool_size] [-P: pool rows only] [-e SPEC.json: environment rows only]
 *                 [-g: gvisor rows only] [-N: ns rows only]
 *
 * Rows: microvm cold boot -> first exec (AIRLOCK_MICROVM_CLONES=0), microvm
 * clone restore -> first exec, pool hit -> first exec (pool kept full between
 * takes), boot of the same kernel + initramfs to init's reboot under
 * `-M microvm` and plain `-M pc` (the ratio), Debian's stock cloud kernel under
 * plain `-M pc` booting to init (what a user would run instead; the ratio of
 * our cold boot -> first exec to it), ns spawn -> first exec (when the
 * ns driver is available), and qemu RSS per idle pooled VM.
 * gvisor rows (when runsc is usable): create -> first exec, a next command in
 * the same sandbox (each command is a fresh gVisor container), and plain
 * `runsc do true` on the same platform as the baseline, alternating.
 * With -e: create -> first exec on the default environment and on the
 * environment of SPEC (built with mmdebstrap and prepared by the worker's
 * cache, tests/support/test_env.h), alternating, for ns, gvisor and microvm.
 */
#include "test_env.h"
#include "worker/sandbox/sandbox_knobs.h"
#include "worker/sandbox/pool.h"
#include "worker/sandbox/sandbox.h"
#include "common/error.h"
#include "common/log.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 200

static double s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double s_pct(const double *v, int n, double p)
{
    int i = (int)(p * (n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static void s_report(const char *what, double *v, int n)
{
    if (n == 0) {
        printf("%-40s n=0 (not measured)\n", what);
        return;
    }
    qsort(v, (size_t)n, sizeof *v, s_cmp);
    printf("%-40s n=%-3d p50=%8.1f ms  p90=%8.1f  p99=%8.1f  min=%8.1f  max=%8.1f\n", what, n, s_pct(v, n, .5),
           s_pct(v, n, .9), s_pct(v, n, .99), v[0], v[n - 1]);
}

/* `true` in the sandbox; *guest_ms (when not NULL): the time the sandbox
 * itself measured from starting the command to its exit. */
/* Runs argv0 (no arguments); 0 when it exited with want_code. */
static int s_exec_cmd(sandbox_t *sb, const char *argv0, int want_code, double *guest_ms)
{
    const char *argv[] = { argv0, NULL };
    sandbox_exec_req_t rq = { .argv = argv, .timeout_ms = 60000 };
    sandbox_exec_result_t res;
    int rc = sandbox_exec(sb, &rq, &res);
    if (guest_ms && rc >= 0)
        *guest_ms = (double)res.wall_us / 1000.0;
    return rc < 0 ? rc : (res.exited && res.exit_code == want_code ? 0 : AL_ESANDBOX);
}

static int s_exec_true(sandbox_t *sb, double *guest_ms) { return s_exec_cmd(sb, "true", 0, guest_ms); }

static int s_first_exec(sandbox_t *sb) { return s_exec_true(sb, NULL); }

/* create + first exec, n times; returns how many succeeded. */
static int s_create_runs(const sandbox_spec_t *spec, int n, double *out)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        sandbox_t *sb = NULL;
        double t0 = s_now_ms();
        int rc = sandbox_create(&sb, spec);
        if (rc == 0)
            rc = s_first_exec(sb);
        double t1 = s_now_ms();
        sandbox_destroy(&sb);
        if (rc < 0) {
            fprintf(stderr, "run %d failed: %s %s\n", i, al_err_name(rc), al_err_msg());
            continue;
        }
        out[ok++] = t1 - t0;
    }
    return ok;
}

/* Pool hit -> first exec, n times, and where that time goes: the take itself,
 * the first exec on the taken VM, a second exec on it (the steady-state
 * cost of one command: agent round trip plus fork/exec in the guest), and a
 * third of a missing program (the guest's fork and confinement alone). */
typedef struct {
    double hit[MAX_RUNS], take[MAX_RUNS], first[MAX_RUNS], first_guest[MAX_RUNS], second[MAX_RUNS],
        second_guest[MAX_RUNS], missing_guest[MAX_RUNS];
} pool_times_t;

static int s_pool_runs(const sandbox_spec_t *spec, unsigned size, int n, pool_times_t *t)
{
    sandbox_pool_t *pool = sandbox_pool_new(spec, size);
    if (!pool)
        return 0;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        if (sandbox_pool_wait_ready(pool, size, 600000) < 0)
            break;
        sandbox_t *sb = NULL;
        double t0 = s_now_ms();
        int rc = sandbox_pool_take(pool, &sb);
        double t1 = s_now_ms(), first_guest = 0;
        if (rc == 0)
            rc = s_exec_true(sb, &first_guest);
        double t2 = s_now_ms(), guest = 0;
        if (rc == 0)
            rc = s_exec_true(sb, &guest);
        double t3 = s_now_ms(), missing = 0;
        /* a path that cannot be executed: fork, confinement, one failed
         * execve (exit 127) - the guest's part before any program runs */
        if (rc == 0)
            rc = s_exec_cmd(sb, "/nonexistent", 127, &missing);
        sandbox_destroy(&sb);
        if (rc == 0) {
            t->missing_guest[ok] = missing;
            t->hit[ok] = t2 - t0;
            t->take[ok] = t1 - t0;
            t->first[ok] = t2 - t1;
            t->first_guest[ok] = first_guest;
            t->second_guest[ok] = guest;
            t->second[ok++] = t3 - t2;
        }
    }
    sandbox_pool_stats_t st;
    sandbox_pool_stats(pool, &st);
    printf("pool: hits=%lu misses=%lu discarded=%lu refill_failures=%lu\n", st.hits, st.misses, st.discarded,
           st.failures);
    sandbox_pool_destroy(&pool);
    return ok;
}

/* Sums VmRSS (kB) of this process's children whose cmdline has both words
 * (a jailed qemu's names no state path: only children count), and its parts
 * part[0..2]: RssAnon (qemu's heap, the TCG code buffer, guest pages written
 * since the restore), RssFile (qemu's code and libraries), RssShmem (guest RAM
 * read from the base's memfd); returns count. */
static int s_rss(const char *word1, const char *word2, long *kb, long part[3])
{
    static const char *const parts[3] = { "RssAnon:", "RssFile:", "RssShmem:" };
    part[0] = part[1] = part[2] = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    *kb = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], buf[8192];
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        int fd = open(path, O_RDONLY);
        ssize_t len = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (len <= 0)
            continue;
        for (ssize_t i = 0; i < len; i++)
            buf[i] = buf[i] ? buf[i] : ' ';
        buf[len] = '\0';
        if (!strstr(buf, word1) || !strstr(buf, word2))
            continue;
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        char line[256];
        long rss = 0, rp[3] = { 0, 0, 0 };
        int ppid = 0;
        while (f && fgets(line, sizeof line, f)) {
            if (strncmp(line, "VmRSS:", 6) == 0)
                rss = strtol(line + 6, NULL, 10);
            for (int i = 0; i < 3; i++)
                if (strncmp(line, parts[i], strlen(parts[i])) == 0)
                    rp[i] = strtol(line + strlen(parts[i]), NULL, 10);
            sscanf(line, "PPid: %d", &ppid);
        }
        if (f)
            fclose(f);
        if (ppid != getpid())
            continue;
        *kb += rss;
        for (int i = 0; i < 3; i++)
            part[i] += rp[i];
        n++;
    }
    if (d)
        closedir(d);
    return n;
}

/* Boots kernel + initramfs with no devices: init finds no command port and
 * reboots, qemu exits (-no-reboot). Time from spawn to exit. */
static double s_plain_boot(const char *machine, const char *kernel, const char *initrd, const char *append)
{
    double t0 = s_now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0), dup2(null, 1), dup2(null, 2);
        execlp("qemu-system-x86_64", "qemu-system-x86_64", "-M", machine, "-accel", "tcg,tb-size=32", "-m", "256",
               "-nodefaults", "-no-user-config", "-nographic", "-no-reboot", "-kernel", kernel, "-initrd", initrd,
               "-append", append, "-serial", "null", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? s_now_ms() - t0 : -1;
}

/* Debian's stock cloud kernel (scripts/fetch-stock-kernel prints its path)
 * or "" when it cannot be had. */
static void s_stock_kernel(char *out, size_t cap)
{
    out[0] = '\0';
    FILE *p = popen(AIRLOCK_SOURCE_DIR "/scripts/fetch-stock-kernel", "r");
    if (p && fgets(out, (int)cap, p))
        out[strcspn(out, "\n")] = '\0';
    if (p && pclose(p) != 0)
        out[0] = '\0';
}

/* What a user would run instead: Debian's stock kernel under plain `-M pc`
 * booting our initramfs to init, next to our cold boot -> first exec. */
static void s_stock_rows(int n, double cold_p50)
{
    char kernel[512], initrd[512];
    s_stock_kernel(kernel, sizeof kernel);
    if (!kernel[0]) {
        printf("%-40s not measured: scripts/fetch-stock-kernel failed\n", "boot to init, stock kernel, -M pc");
        return;
    }
    snprintf(initrd, sizeof initrd, "%s/worker/guest/airlock-initramfs.cpio", AIRLOCK_BUILD_DIR);
    double v[MAX_RUNS];
    int nv = 0;
    for (int i = 0; i < n; i++) {
        double b = s_plain_boot("pc", kernel, initrd, "console=ttyS0 quiet reboot=t panic=-1 rdinit=/init");
        if (b > 0)
            v[nv++] = b;
    }
    s_report("boot to init, stock Debian kernel, -M pc", v, nv);
    if (nv && cold_p50 > 0)
        printf("%-40s our cold boot -> first exec / stock p50 ratio = %.2f\n", "", cold_p50 / s_pct(v, nv, .5));
}

static void s_plain_rows(int n)
{
    const char *cache = sandbox_knob("kernel_cache_dir");
    if (!cache)
        cache = getenv("AIRLOCK_CACHE_DIR"); /* its old name */
    char kernel[512], initrd[512], append[256];
    snprintf(kernel, sizeof kernel, "%s", sandbox_knob("kernel") ? sandbox_knob("kernel") : "");
    if (!kernel[0])
        snprintf(kernel, sizeof kernel, "%s/kernel/current/vmlinux", cache ? cache : "/var/cache/airlock");
    snprintf(initrd, sizeof initrd, "%s/worker/guest/airlock-initramfs.cpio", AIRLOCK_BUILD_DIR);
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    double mhz = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "cpu MHz", 7) && sscanf(strchr(line, ':') + 1, "%lf", &mhz) == 1)
            break;
    if (f)
        fclose(f);
    snprintf(append, sizeof append,
             "console=ttyS0 quiet reboot=t panic=-1 tsc_early_khz=%u tsc=reliable cryptomgr.notests rdinit=/init",
             (unsigned)(mhz * 1000));
    double micro[MAX_RUNS], pc[MAX_RUNS];
    int nm = 0, np = 0;
    for (int i = 0; i < n; i++) { /* alternate so drift hits both alike */
        double a = s_plain_boot("microvm,acpi=off,x-option-roms=off", kernel, initrd, append);
        double b = s_plain_boot("pc", kernel, initrd, append);
        if (a > 0)
            micro[nm++] = a;
        if (b > 0)
            pc[np++] = b;
    }
    s_report("boot to init, -M microvm (no devices)", micro, nm);
    s_report("boot to init, -M pc (same kernel)", pc, np);
    if (nm && np)
        printf("%-40s pc/microvm p50 ratio = %.2f\n", "", s_pct(pc, np, .5) / s_pct(micro, nm, .5));
}

/* `runsc --network=none --platform=P do true`: gVisor without the driver. */
static double s_runsc_do(const char *platform)
{
    char flag[48];
    snprintf(flag, sizeof flag, "--platform=%s", platform);
    double t0 = s_now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0), dup2(null, 1), dup2(null, 2);
        execlp("runsc", "runsc", "--network=none", flag, "do", "true", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? s_now_ms() - t0 : -1;
}

static void s_gvisor_rows(int n)
{
    if (!sandbox_driver_available("gvisor")) {
        printf("%-40s unavailable: %s\n", "gvisor", al_err_msg());
        return;
    }
    printf("gvisor: %s\n", sandbox_driver_accel("gvisor"));
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = "gvisor";
    spec.limits.disk_mb = 64;
    double first[MAX_RUNS], next[MAX_RUNS], base[MAX_RUNS];
    int nf = 0, nn = 0, nb = 0;
    for (int i = 0; i < n; i++) {   /* alternate so drift hits all alike */
        sandbox_t *sb = NULL;
        double t0 = s_now_ms();
        int rc = sandbox_create(&sb, &spec);
        if (rc == 0 && (rc = s_first_exec(sb)) == 0)
            first[nf++] = s_now_ms() - t0;
        double t1 = s_now_ms();
        if (rc == 0 && s_first_exec(sb) == 0)
            next[nn++] = s_now_ms() - t1;
        sandbox_destroy(&sb);
        double b = s_runsc_do(sandbox_driver_accel("gvisor"));
        if (b > 0)
            base[nb++] = b;
    }
    s_report("gvisor create -> first exec", first, nf);
    s_report("gvisor next exec (new container)", next, nn);
    s_report("runsc do true (baseline)", base, nb);
    if (nf && nb)
        printf("%-40s first exec / runsc do p50 ratio = %.2f\n", "", s_pct(first, nf, .5) / s_pct(base, nb, .5));
}

/* ns spawn -> first exec (create + `true`), n times. */
static void s_ns_rows(int n)
{
    if (!sandbox_driver_available("ns")) {
        printf("%-40s unavailable: %s\n", "ns spawn -> first exec", al_err_msg());
        return;
    }
    sandbox_spec_t ns = SANDBOX_SPEC_INIT;
    ns.driver = "ns";
    double v[MAX_RUNS];
    s_report("ns spawn -> first exec", v, s_create_runs(&ns, n, v));
}

/* Default and built environment, alternating run by run so load hits both alike. */
static void s_env_rows(const char *driver, test_env_t *t, int n)
{
    env_handle_t *h = NULL;
    if (!sandbox_driver_available(driver) || test_env_acquire(t, strcmp(driver, "microvm") == 0, &h) != 0) {
        printf("%s: unavailable: %s\n", driver, al_err_msg());
        return;
    }
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = driver;
    spec.limits.disk_mb = 64;
    double d[MAX_RUNS], e[MAX_RUNS];
    int nd = 0, ne = 0;
    s_create_runs(&spec, 1, d);   /* warm: a microvm snapshot base boots once */
    for (int i = 0; i < n; i++) {
        spec.env = NULL;
        nd += s_create_runs(&spec, 1, d + nd);
        spec.env = &h->env;
        ne += s_create_runs(&spec, 1, e + ne);
    }
    char what[80];
    snprintf(what, sizeof what, "%s default env: create -> first exec", driver);
    s_report(what, d, nd);
    snprintf(what, sizeof what, "%s built env: create -> first exec", driver);
    s_report(what, e, ne);
    env_cache_release(&h);
}

static int s_env_bench(const char *spec_path, int n)
{
    test_env_t *t = NULL;
    char cache[64];
    snprintf(cache, sizeof cache, "/tmp/bench-envs-%d", (int)getpid());
    if (test_env_new(&t, spec_path, cache) != 0) {
        printf("environment %s unavailable: %s\n", spec_path, al_err_msg());
        return 1;
    }
    printf("bench_sandbox: environment rows, runs=%d (%s)\n", n, spec_path);
    s_env_rows("ns", t, n);
    s_env_rows("gvisor", t, n);
    s_env_rows("microvm", t, n);
    test_env_destroy(&t);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
    return system(cmd) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    int n = 10, opt, pool_only = 0, gvisor_only = 0, ns_only = 0;
    unsigned psize = 2;
    const char *env_spec = NULL;
    while ((opt = getopt(argc, argv, "n:p:Pe:gN")) != -1) {
        if (opt == 'N')
            ns_only = 1;
        else if (opt == 'P')
            pool_only = 1;
        else if (opt == 'g')
            gvisor_only = 1;
        else if (opt == 'e')
            env_spec = optarg;
        else if (opt == 'n')
            n = atoi(optarg);
        else if (opt == 'p')
            psize = (unsigned)atoi(optarg);
        else {
            fprintf(stderr, "usage: bench_sandbox [-n runs] [-p pool_size] [-P (pool rows only)] "
                            "[-e SPEC.json (environment rows only)] [-g (gvisor rows only)] "
                            "[-N (ns rows only)]\n");
            return 2;
        }
    }
    n = n < 1 ? 1 : n > MAX_RUNS ? MAX_RUNS : n;
    al_log_init("bench_sandbox", AL_LOG_WARN, NULL);
    if (env_spec)
        return s_env_bench(env_spec, n);
    if (gvisor_only) {
        s_gvisor_rows(n);
        return 0;
    }
    if (ns_only) {
        s_ns_rows(n);
        return 0;
    }
    if (!pool_only)
        s_gvisor_rows(n);
    if (!sandbox_driver_available("microvm")) {
        printf("microvm driver unavailable: %s\n", al_err_msg());
        return 0;
    }
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = "microvm";
    spec.limits.disk_mb = 64;
    double v[MAX_RUNS];
    printf("bench_sandbox: runs=%d pool=%u (TCG unless the KVM probe passed)\n", n, psize);
    double cold_p50 = 0;
    if (!pool_only) {
        setenv("AIRLOCK_MICROVM_CLONES", "0", 1);
        int nc = s_create_runs(&spec, n, v);
        s_report("microvm cold boot -> first exec", v, nc);
        cold_p50 = nc ? s_pct(v, nc, .5) : 0;
        unsetenv("AIRLOCK_MICROVM_CLONES");
    }
    s_create_runs(&spec, 1, v); /* boots the snapshot base once */
    if (!pool_only)
        s_report("microvm clone restore -> first exec", v, s_create_runs(&spec, n, v));
    sandbox_pool_t *idle = sandbox_pool_new(&spec, psize);
    if (idle && sandbox_pool_wait_ready(idle, psize, 600000) == 0) {
        long q = 0, qp[3];
        int nq = s_rss("qemu-system", "-M", &q, qp), d = nq ? nq * 1024 : 1;
        printf("%-40s qemu %ld MiB/VM (%d VMs; anon %ld, file %ld, guest RAM shared %ld MiB/VM)\n",
               "idle pooled VM RSS", q / d, nq, qp[0] / d, qp[1] / d, qp[2] / d);
    }
    sandbox_pool_destroy(&idle);
    static pool_times_t pt;
    int np = s_pool_runs(&spec, psize, n, &pt);
    s_report("pool hit -> first exec", pt.hit, np);
    s_report("  of which: pool take", pt.take, np);
    s_report("  of which: first exec (true)", pt.first, np);
    s_report("    of which: in the guest (fork -> exit)", pt.first_guest, np);
    s_report("second exec on the same VM (true)", pt.second, np);
    s_report("  of which: in the guest (fork -> exit)", pt.second_guest, np);
    s_report("third exec, a missing program: in the guest", pt.missing_guest, np);
    if (pool_only)
        return 0;
    s_plain_rows(n);
    s_stock_rows(n, cold_p50);
    s_ns_rows(n);
    return 0;
}
