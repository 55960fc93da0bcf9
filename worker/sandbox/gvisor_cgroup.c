/*
 * gvisor_cgroup.c: the host cgroup of a gvisor sandbox.
 *
 * runsc runs with --ignore-cgroups and the driver moves each `runsc run` into
 * this cgroup before exec, so the Sentry, the gofer, the ptrace stubs and runsc
 * itself are all in it and inherit it. The driver, not runsc, owns the
 * cgroup because it must read the OOM counter AFTER the container is gone
 * (runsc removes the cgroups it creates when the container ends) and because
 * runsc creates nested cgroups in every hierarchy and leaves the parents
 * behind.
 *
 * Controllers, each a directory below the worker's own cgroup:
 *   cgroup v1: pids, memory, cpu hierarchies (this project's CI hosts);
 *   cgroup v2: one directory with +pids +memory +cpu in the parent's subtree_control.
 * Limits: memory (and memory+swap) = the workload's memory + workspace +
 * GV_OVERHEAD_MB; pids = host tasks (a backstop: the workload's own process
 * limit is RLIMIT_NPROC inside the sandbox); CPU quota = vcpus whole CPUs.
 *
 * Owns: the directories and an open cgroup.procs fd per hierarchy (so a forked
 * child joins without allocating).
 */
#include "worker/sandbox/gvisor.h"
#include "worker/sandbox/janitor.h"
#include "common/error.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GV_CG_MAX 3
#define GV_CG_PATH 512
#define GV_CG_PERIOD_US 100000u

enum { CG_PIDS, CG_MEMORY, CG_CPU };
static const char *const s_ctrl[GV_CG_MAX] = { "pids", "memory", "cpu" };

struct gv_cgroup {
    int v2;
    int n;                          /* directories made (v1: one per controller) */
    char dir[GV_CG_MAX][GV_CG_PATH];
    int procs_fd[GV_CG_MAX];
    char name[96];
};

static int s_v2(void) { return access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0; }

/* This process's cgroup path for `ctrl` ("" = the v2 unified line). */
static int s_own(const char *ctrl, char *out, size_t size)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return al_err_set_errno(AL_ESANDBOX, "open /proc/self/cgroup");
    char line[1024], want[72];
    snprintf(want, sizeof want, ",%s,", ctrl);
    int rc = al_err_set(AL_ESANDBOX, "no cgroup of controller '%s' in /proc/self/cgroup", ctrl);
    while (fgets(line, sizeof line, f)) {
        char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
        if (!b)
            continue;
        *b = '\0';
        b[1 + strcspn(b + 1, "\n")] = '\0';
        char list[600];
        snprintf(list, sizeof list, ",%s,", a + 1);
        if (*ctrl ? strstr(list, want) != NULL : a[1] == '\0') {
            snprintf(out, size, "%s", strcmp(b + 1, "/") == 0 ? "" : b + 1);
            rc = 0;
            break;
        }
    }
    fclose(f);
    return rc;
}

static int s_put(const char *dir, const char *file, const char *val, int optional)
{
    char p[GV_CG_PATH + 64];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return optional && errno == ENOENT ? 0 : al_err_set_errno(AL_ESANDBOX, "open %s", p);
    ssize_t w = write(fd, val, strlen(val));
    int err = errno;
    close(fd);
    if (w != (ssize_t)strlen(val)) {
        errno = err;
        return al_err_set_errno(AL_ESANDBOX, "write '%s' to %s", val, p);
    }
    return 0;
}

static int s_mkdir(gv_cgroup_t *cg, const char *base)
{
    int i = cg->n;
    snprintf(cg->dir[i], GV_CG_PATH, "%s/%s", base, cg->name);
    if (mkdir(cg->dir[i], 0755) < 0)
        return al_err_set_errno(AL_ESANDBOX, "mkdir %s", cg->dir[i]);
    cg->n++;
    /* runsc, its sandbox and gofer live in it: if the worker dies, the janitor
     * kills them and removes it (docs/SANDBOX.md "Lifeline") */
    int rc = janitor_track(JANITOR_CGROUP, cg->dir[i]);
    if (rc < 0)
        return rc;
    char p[GV_CG_PATH + 32];
    snprintf(p, sizeof p, "%s/cgroup.procs", cg->dir[i]);
    if ((cg->procs_fd[i] = open(p, O_WRONLY | O_CLOEXEC)) < 0)
        return al_err_set_errno(AL_ESANDBOX, "open %s", p);
    return 0;
}

static int s_limits_v2(gv_cgroup_t *cg, const gv_cg_limits_t *l)
{
    char pids[24], mem[32], cpu[48];
    snprintf(pids, sizeof pids, "%u", l->pids);
    snprintf(mem, sizeof mem, "%llu", (unsigned long long)l->memory_bytes);
    snprintf(cpu, sizeof cpu, "%llu %u", (unsigned long long)l->cpus * GV_CG_PERIOD_US, GV_CG_PERIOD_US);
    return s_put(cg->dir[0], "pids.max", pids, 0) ?: s_put(cg->dir[0], "memory.max", mem, 0) ?:
           s_put(cg->dir[0], "memory.swap.max", "0", 1) ?:
           (l->cpus ? s_put(cg->dir[0], "cpu.max", cpu, 1) : 0);
}

static int s_limits_v1(gv_cgroup_t *cg, const gv_cg_limits_t *l)
{
    char pids[24], mem[32], quota[24], period[24];
    snprintf(pids, sizeof pids, "%u", l->pids);
    snprintf(mem, sizeof mem, "%llu", (unsigned long long)l->memory_bytes);
    snprintf(quota, sizeof quota, "%llu", (unsigned long long)l->cpus * GV_CG_PERIOD_US);
    snprintf(period, sizeof period, "%u", GV_CG_PERIOD_US);
    int rc = s_put(cg->dir[CG_PIDS], "pids.max", pids, 0) ?:
             s_put(cg->dir[CG_MEMORY], "memory.limit_in_bytes", mem, 0) ?:
             s_put(cg->dir[CG_MEMORY], "memory.memsw.limit_in_bytes", mem, 1);
    if (rc == 0 && l->cpus && cg->n > CG_CPU)
        rc = s_put(cg->dir[CG_CPU], "cpu.cfs_period_us", period, 0) ?:
             s_put(cg->dir[CG_CPU], "cpu.cfs_quota_us", quota, 0);
    return rc;
}

static int s_create(gv_cgroup_t *cg, const gv_cg_limits_t *lim)
{
    char own[256], base[GV_CG_PATH];
    int rc;
    if (cg->v2) {
        if ((rc = s_own("", own, sizeof own)) != 0)
            return rc;
        snprintf(base, sizeof base, "/sys/fs/cgroup%s", own);
        if ((rc = s_put(base, "cgroup.subtree_control", "+pids +memory", 0)) != 0)
            return rc;
        if (lim->cpus && s_put(base, "cgroup.subtree_control", "+cpu", 0) != 0) {
            al_warn("sandbox.gvisor.cgroup", "msg=\"no cpu controller: CPU not limited\" reason=\"%s\"",
                    al_err_msg());
            al_err_clear();
        }
        return s_mkdir(cg, base) ?: s_limits_v2(cg, lim);
    }
    for (int i = 0; i < GV_CG_MAX; i++) {
        snprintf(base, sizeof base, "/sys/fs/cgroup/%s", s_ctrl[i]);
        if (i == CG_CPU && (!lim->cpus || access(base, F_OK) != 0))
            break;   /* no cpu hierarchy: CPU is not limited */
        if ((rc = s_own(s_ctrl[i], own, sizeof own)) != 0)
            return rc;
        snprintf(base + strlen(base), sizeof base - strlen(base), "%s", own);
        if ((rc = s_mkdir(cg, base)) != 0)
            return rc;
    }
    return s_limits_v1(cg, lim);
}

int gv_cgroup_new(gv_cgroup_t **out, const char *name, const gv_cg_limits_t *lim)
{
    *out = NULL;
    gv_cgroup_t *cg = calloc(1, sizeof *cg);
    if (!cg)
        return al_err_set(AL_ENOMEM, "gvisor cgroup: out of memory");
    for (int i = 0; i < GV_CG_MAX; i++)
        cg->procs_fd[i] = -1;
    snprintf(cg->name, sizeof cg->name, "%s", name);
    cg->v2 = s_v2();
    int rc = s_create(cg, lim);
    if (rc) {
        gv_cgroup_destroy(&cg);
        return rc;
    }
    *out = cg;
    return 0;
}

int gv_cgroup_attach(const gv_cgroup_t *cg, pid_t pid)
{
    char buf[16], tmp[16];
    int len = 0, n = 0;
    unsigned v = (unsigned)pid;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        buf[len++] = tmp[--n];
    for (int i = 0; i < cg->n; i++) {
        if (write(cg->procs_fd[i], buf, (size_t)len) != len)
            return -errno;
    }
    return 0;
}

uint64_t gv_cgroup_oom_kills(const gv_cgroup_t *cg)
{
    char p[GV_CG_PATH + 32], buf[512];
    if (cg->n == 0)
        return 0;
    snprintf(p, sizeof p, "%s/%s", cg->dir[cg->v2 ? 0 : CG_MEMORY],
             cg->v2 ? "memory.events" : "memory.oom_control");
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *k = strstr(buf, "oom_kill ");
    return k ? strtoull(k + 9, NULL, 10) : 0;
}

/* SIGKILLs what cgroup.procs lists; returns how many were listed. */
static int s_kill_listed(const char *dir)
{
    char p[GV_CG_PATH + 32];
    snprintf(p, sizeof p, "%s/cgroup.procs", dir);
    FILE *f = fopen(p, "re");
    if (!f)
        return 0;
    int n = 0, pid;
    while (fscanf(f, "%d", &pid) == 1) {
        if (pid > 0 && pid != getpid())
            kill(pid, SIGKILL);
        n++;
    }
    fclose(f);
    return n;
}

int gv_cgroup_kill(gv_cgroup_t *cg)
{
    if (!cg || cg->n == 0)
        return 0;
    if (cg->v2)
        s_put(cg->dir[0], "cgroup.kill", "1", 1);
    for (int round = 0; round < 1000; round++) {
        if (s_kill_listed(cg->dir[0]) == 0)
            return 0;
        struct timespec ts = { 0, 5 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    al_err_clear();
    return al_err_set(AL_ESANDBOX, "processes left in %s after 5 s of SIGKILL", cg->dir[0]);
}

const char *gv_cgroup_version(const gv_cgroup_t *cg) { return cg->v2 ? "v2" : "v1"; }

/* cgroup v2 cpu.weight 1 / 100 (the default), v1 cpu.shares 2 / 1024: with
 * CPU to spare the weight changes nothing; when the machine is busy a
 * background group gets what the foreground ones leave. No cpu controller:
 * nothing to set. */
int gv_cgroup_background(gv_cgroup_t *cg, int background)
{
    if (cg->v2)
        return s_put(cg->dir[0], "cpu.weight", background ? "1" : "100", 1);
    return cg->n > CG_CPU ? s_put(cg->dir[CG_CPU], "cpu.shares", background ? "2" : "1024", 0) : 0;
}

const char *gv_cgroup_dir(const gv_cgroup_t *cg, int i) { return i >= 0 && i < cg->n ? cg->dir[i] : NULL; }

void gv_cgroup_destroy(gv_cgroup_t **p)
{
    if (!p || !*p)
        return;
    gv_cgroup_t *cg = *p;
    *p = NULL;
    gv_cgroup_kill(cg);
    for (int i = 0; i < GV_CG_MAX; i++) {
        if (cg->procs_fd[i] >= 0)
            close(cg->procs_fd[i]);
    }
    for (int i = 0; i < cg->n; i++) {
        int tries = 0;
        for (; rmdir(cg->dir[i]) < 0 && errno == EBUSY && tries < 200; tries++) {
            struct timespec ts = { 0, 5 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
        if (tries < 200)   /* still there: the janitor keeps it in mind */
            janitor_untrack(JANITOR_CGROUP, cg->dir[i]);
    }
    free(cg);
}

static void s_sweep(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        int pid = 0;
        unsigned n = 0;
        if (sscanf(e->d_name, "airlock-gv-%d-%u", &pid, &n) != 2 || pid <= 0 || pid == getpid())
            continue;
        if (kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        char p[GV_CG_PATH + 300];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (rmdir(p) == 0)
            al_info("sandbox.gvisor.cgroup_swept", "dir=%s", p);
    }
    if (d)
        closedir(d);
}

void gv_cgroup_sweep(void)
{
    char own[256], dir[GV_CG_PATH];
    int v2 = s_v2();
    for (int i = 0; i < (v2 ? 1 : GV_CG_MAX); i++) {
        if (s_own(v2 ? "" : s_ctrl[i], own, sizeof own) != 0)
            continue;
        snprintf(dir, sizeof dir, "/sys/fs/cgroup%s%s%s", v2 ? "" : "/", v2 ? "" : s_ctrl[i], own);
        s_sweep(dir);
    }
    al_err_clear();
}

int gv_cgroup_available(void)
{
    gv_cg_limits_t lim = { 64u << 20, 64, 1 };
    char name[64];
    snprintf(name, sizeof name, "airlock-gvprobe-%d", (int)getpid());
    gv_cgroup_t *cg = NULL;
    if (gv_cgroup_new(&cg, name, &lim) < 0)
        return 0;
    gv_cgroup_destroy(&cg);
    return 1;
}
