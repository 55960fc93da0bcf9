/*
 * bench_ns_spawn.c: ns driver latency, spawn to first exec of /bin/true.
 * Prints p50/p90/p99/max of N rounds (create, exec /bin/true, destroy), and the
 * create and exec parts separately; then the cost of the tmpfs workspace: copy-in
 * and copy-out of a generated tree (files x KiB). Usage:
 *   bench_ns_spawn [rounds] [files] [kib_per_file]
 */
#include "worker/sandbox/sandbox.h"
#include "common/error.h"
#include "common/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

static uint64_t s_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int s_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void s_print(const char *what, uint64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, s_cmp);
    printf("%-28s n=%d p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n", what, n, v[n / 2] / 1e3,
           v[n * 90 / 100] / 1e3, v[n * 99 / 100] / 1e3, v[n - 1] / 1e3);
}

/* Baseline on the same machine and load: util-linux unshare creating user, net,
 * mount, pid, ipc, uts namespaces (no root build, no limits) and running /bin/true. */
static uint64_t s_unshare_once(void)
{
    uint64_t t0 = s_us();
    pid_t pid = fork();
    if (pid == 0) {
        execl("/usr/bin/unshare", "unshare", "-Urnmpif", "--mount-proc", "/bin/true", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? s_us() - t0 : 0;
}

/* Generated tree: files spread over 10 directories. */
static int s_make_tree(char *dir, int files, int kib)
{
    if (!mkdtemp(dir))
        return -1;
    char *buf = malloc((size_t)kib * 1024);
    if (!buf)
        return -1;
    memset(buf, 'a', (size_t)kib * 1024);
    for (int i = 0; i < files; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/d%d", dir, i % 10);
        mkdir(p, 0755);
        snprintf(p, sizeof p, "%s/d%d/f%d.txt", dir, i % 10, i);
        FILE *f = fopen(p, "w");
        if (!f || fwrite(buf, 1, (size_t)kib * 1024, f) != (size_t)kib * 1024) {
            free(buf);
            return -1;
        }
        fclose(f);
    }
    free(buf);
    return 0;
}

static void s_bench_workspace(int rounds, int files, int kib)
{
    char src[] = "/tmp/airlock-bench-ws-XXXXXX";
    if (s_make_tree(src, files, kib) < 0) {
        fprintf(stderr, "cannot build the source tree\n");
        return;
    }
    uint64_t *in = calloc((size_t)rounds, 8), *out = calloc((size_t)rounds, 8);
    for (int i = 0; i < rounds; i++) {
        sandbox_spec_t spec = SANDBOX_SPEC_INIT;
        sandbox_t *sb = NULL;
        char dst[] = "/tmp/airlock-bench-out-XXXXXX";
        if (sandbox_create(&sb, &spec) || !mkdtemp(dst)) {
            fprintf(stderr, "create: %s\n", al_err_msg());
            break;
        }
        uint64_t t0 = s_us();
        int rc = sandbox_workspace_in(sb, src);
        uint64_t t1 = s_us();
        rc = rc ? rc : sandbox_workspace_out(sb, dst);
        uint64_t t2 = s_us();
        if (rc)
            fprintf(stderr, "workspace: %s\n", al_err_msg());
        in[i] = t1 - t0;
        out[i] = t2 - t1;
        sandbox_destroy(&sb);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dst);
        if (system(cmd) != 0)
            fprintf(stderr, "rm failed\n");
    }
    char what[64];
    snprintf(what, sizeof what, "workspace_in %dx%dKiB", files, kib);
    s_print(what, in, rounds);
    snprintf(what, sizeof what, "workspace_out %dx%dKiB", files, kib);
    s_print(what, out, rounds);
    free(in);
    free(out);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", src);
    if (system(cmd) != 0)
        fprintf(stderr, "rm failed\n");
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100;
    if (n < 2)
        n = 2;
    al_log_init("bench_ns_spawn", AL_LOG_WARN, NULL);
    if (!sandbox_driver_available("ns")) {
        fprintf(stderr, "ns driver unavailable: %s\n", al_err_msg());
        return 2;
    }
    uint64_t *total = calloc((size_t)n, 8), *create = calloc((size_t)n, 8),
             *exec = calloc((size_t)n, 8), *destroy = calloc((size_t)n, 8),
             *base = calloc((size_t)n, 8);
    const char *true_argv[] = { "/bin/true", NULL };
    for (int i = 0; i < n; i++) {
        sandbox_spec_t spec = SANDBOX_SPEC_INIT;
        sandbox_t *sb = NULL;
        uint64_t t0 = s_us();
        if (sandbox_create(&sb, &spec)) {
            fprintf(stderr, "create: %s\n", al_err_msg());
            return 1;
        }
        uint64_t t1 = s_us();
        sandbox_exec_req_t req = { .argv = true_argv, .timeout_ms = 10000 };
        sandbox_exec_result_t res;
        if (sandbox_exec(sb, &req, &res) || !res.exited || res.exit_code != 0) {
            fprintf(stderr, "exec: %s\n", al_err_msg());
            return 1;
        }
        uint64_t t2 = s_us();
        sandbox_destroy(&sb);
        uint64_t t3 = s_us();
        base[i] = s_unshare_once(); /* interleaved: same load for both */
        create[i] = t1 - t0;
        exec[i] = t2 - t1;
        total[i] = t2 - t0;
        destroy[i] = t3 - t2;
    }
    s_print("ns spawn to first exec", total, n);
    uint64_t p50_total = total[n / 2];
    s_print("  create", create, n);
    s_print("  exec /bin/true", exec, n);
    s_print("  destroy", destroy, n);
    s_print("baseline unshare -Urnmpif", base, n);
    if (base[n / 2])
        printf("ratio spawn-to-first-exec / unshare baseline (p50): %.1fx\n",
               (double)p50_total / (double)base[n / 2]);
    s_bench_workspace(n < 20 ? n : 20, argc > 2 ? atoi(argv[2]) : 1000,
                      argc > 3 ? atoi(argv[3]) : 16);
    free(total);
    free(create);
    free(exec);
    free(destroy);
    free(base);
    return 0;
}
