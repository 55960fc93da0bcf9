/*
 * bench_gitops.c: time of the workspace stages on the small fixture
 * repository, printed as distributions (min / median / p90 / max, in ms).
 * Not a test (no assertion on time). Run: <build>/tests/integration/gitops/bench_gitops [iterations]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/error.h"
#include "common/log.h"
#include "gitops_fixture.h"

enum { ST_WS, ST_WS_CACHE, ST_APPLY, ST_DIFF, ST_RESULT, ST_EXPORT, ST_REMOVE, ST_TOTAL, ST_N };
static const char *names[ST_N] = { "workspace(direct)", "workspace(mirror)", "apply", "diff+policy",
                                   "result_tree", "export", "dir_remove", "total(mirror path)" };

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void one(fx_t *fx, const char *patch, size_t len, double *t)
{
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    gitops_apply_report_t *r = NULL;
    gitops_changes_t *c = NULL;
    gitops_violations_t *v = NULL;
    gitops_workspace_t *ws;
    char tree[41], dest[256], dir[256];
    double t0 = now_ms(), t1;

    ws = fx_ws(fx, fx->c1, 0);
    t[ST_WS] = now_ms() - t0;
    snprintf(dir, sizeof(dir), "%s/..", gitops_workspace_workdir(ws));
    gitops_workspace_destroy(&ws);
    gitops_dir_remove(dir);
    t0 = now_ms();
    ws = fx_ws(fx, fx->c1, 1);
    t[ST_WS_CACHE] = (t1 = now_ms()) - t0;
    if (gitops_apply(ws, patch, len, &pol, &r) != 0)
        fail_msg("apply: %s", al_err_msg());
    t[ST_APPLY] = now_ms() - t1;
    fx_sh("echo out > %s/leftover.txt", gitops_workspace_workdir(ws));
    t1 = now_ms();
    if (gitops_diff_workspace(ws, &c) != 0 || gitops_policy_check_changes(c, &pol, &v) != 0)
        fail_msg("diff: %s", al_err_msg());
    t[ST_DIFF] = now_ms() - t1;
    t1 = now_ms();
    if (gitops_result_tree(ws, tree) != 0)
        fail_msg("result: %s", al_err_msg());
    t[ST_RESULT] = now_ms() - t1;
    fx_dir(fx, dest, sizeof(dest), "bexport");
    t1 = now_ms();
    if (gitops_export_tree(ws, tree, dest) != 0)
        fail_msg("export: %s", al_err_msg());
    t[ST_EXPORT] = now_ms() - t1;
    snprintf(dir, sizeof(dir), "%s/..", gitops_workspace_workdir(ws));
    gitops_workspace_destroy(&ws);
    t1 = now_ms();
    gitops_dir_remove(dir);
    gitops_dir_remove(dest);
    t[ST_REMOVE] = now_ms() - t1;
    t[ST_TOTAL] = t[ST_WS_CACHE] + t[ST_APPLY] + t[ST_DIFF] + t[ST_RESULT] + t[ST_EXPORT] + t[ST_REMOVE];
    gitops_apply_report_destroy(&r);
    gitops_changes_destroy(&c);
    gitops_violations_destroy(&v);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 30;
    void *state = NULL;
    fx_t *fx;
    double *t;
    char *patch;
    size_t len;
    double load;

    if (n < 1 || n > 10000)
        n = 30;
    al_log_init("bench_gitops", AL_LOG_WARN, NULL);
    if (fx_setup(&state) != 0)
        return 1;
    fx = state;
    patch = fx_patch(fx, fx->c1, "sed -i 's/two/TWO/' src/main.c && printf 'x = 2\\n' > src/new.py", &len);
    t = calloc((size_t)n * ST_N, sizeof(*t));
    if (getloadavg(&load, 1) != 1)
        load = -1;
    for (int i = 0; i < n; i++)
        one(fx, patch, len, t + (size_t)i * ST_N);
    printf("gitops stages, small repo (11 files), %d iterations, ms; load average at start %.2f\n", n, load);
    printf("%-20s %8s %8s %8s %8s\n", "stage", "min", "median", "p90", "max");
    for (int s = 0; s < ST_N; s++) {
        double *col = calloc((size_t)n, sizeof(*col));
        for (int i = 0; i < n; i++)
            col[i] = t[(size_t)i * ST_N + s];
        qsort(col, (size_t)n, sizeof(*col), cmp);
        printf("%-20s %8.2f %8.2f %8.2f %8.2f\n", names[s], col[0], col[n / 2], col[(n * 9) / 10], col[n - 1]);
        free(col);
    }
    free(t);
    free(patch);
    return fx_teardown(&state);
}
