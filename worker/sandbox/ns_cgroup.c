/*
 * ns_cgroup.c: process and memory limits of an ns sandbox through cgroups.
 *
 * cgroup v1 (this project's CI machines): one directory in the pids hierarchy and
 * one in the memory hierarchy, each created below the worker's own cgroup so the
 * worker's limits still bound the sandbox. cgroup v2: one directory below the
 * worker's cgroup with pids and memory enabled in the parent's subtree_control.
 *
 * Limits written: pids.max = max_procs + NS_CG_OVERHEAD (the sandbox's init and the
 * two exec helpers); memory = memory_mb + disk_mb, because the workspace is a
 * tmpfs whose pages are charged to the sandbox (swap limited to the same).
 *
 * Owns: the cgroup directories and an open cgroup.procs fd per hierarchy (so a
 * forked child can join without allocating).
 */
#include "worker/sandbox/ns_internal.h"
#include "common/error.h"
#include "common/log.h"
#include "worker/sandbox/janitor.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NS_CG_OVERHEAD 3
#define NS_CG_SWEEP_EVERY_S 60
#define CG_PATH_MAX 512

struct ns_cgroup {
    int v2;
    int n;                      /* hierarchies: v1 pids + memory, v2 one */
    char dir[2][CG_PATH_MAX];
    int procs_fd[2];
    int mem_idx;                /* which dir holds the memory controller */
    char name[96];
};

/* Path of this process's cgroup for `controller` ("" for v2) from /proc/self/cgroup. */
static int s_own_path(const char *controller, char *out, size_t outsz)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return al_err_set_errno(AL_ESANDBOX, "open /proc/self/cgroup");
    char line[1024];
    int rc = al_err_set(AL_ESANDBOX, "no cgroup line for controller '%s'", controller);
    while (fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        char *nl = strchr(c2 + 1, '\n');
        if (nl)
            *nl = '\0';
        const char *ctrls = c1 + 1;
        int match = 0;
        if (!*controller)
            match = (*ctrls == '\0');
        else {
            char buf[256];
            snprintf(buf, sizeof buf, ",%s,", ctrls);
            char want[64];
            snprintf(want, sizeof want, ",%s,", controller);
            match = strstr(buf, want) != NULL;
        }
        if (match) {
            snprintf(out, outsz, "%s", strcmp(c2 + 1, "/") == 0 ? "" : c2 + 1);
            rc = 0;
            break;
        }
    }
    fclose(f);
    return rc;
}

static int s_write(const char *dir, const char *file, const char *val, int optional)
{
    char p[CG_PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        if (optional && errno == ENOENT)
            return 0;
        return al_err_set_errno(AL_ESANDBOX, "open %s", p);
    }
    ssize_t w = write(fd, val, strlen(val));
    int saved = errno;
    close(fd);
    errno = saved;
    if (w != (ssize_t)strlen(val))
        return al_err_set_errno(AL_ESANDBOX, "write '%s' to %s", val, p);
    return 0;
}

static int s_mkdir(ns_cgroup_t *cg, int i, const char *base, const char *own)
{
    snprintf(cg->dir[i], CG_PATH_MAX, "%s%s/%s", base, own, cg->name);
    if (mkdir(cg->dir[i], 0755) < 0)
        return al_err_set_errno(AL_ESANDBOX, "mkdir %s", cg->dir[i]);
    cg->n = i + 1;
    /* a worker that dies leaves nothing in it: the janitor empties and removes it */
    int rc = janitor_track(JANITOR_CGROUP, cg->dir[i]);
    if (rc < 0)
        return rc;
    char p[CG_PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/cgroup.procs", cg->dir[i]);
    cg->procs_fd[i] = open(p, O_WRONLY | O_CLOEXEC);
    if (cg->procs_fd[i] < 0)
        return al_err_set_errno(AL_ESANDBOX, "open %s", p);
    return 0;
}

static int s_limits(ns_cgroup_t *cg, const sandbox_limits_t *lim)
{
    char procs[32], mem[32];
    snprintf(procs, sizeof procs, "%u", lim->max_procs + NS_CG_OVERHEAD);
    snprintf(mem, sizeof mem, "%llu",
             (unsigned long long)(lim->memory_mb + lim->disk_mb) * 1024ull * 1024ull);
    const char *md = cg->dir[cg->mem_idx];
    if (cg->v2) {
        return s_write(cg->dir[0], "pids.max", procs, 0) ?:
               s_write(md, "memory.max", mem, 0) ?:
               s_write(md, "memory.swap.max", "0", 1);
    }
    return s_write(cg->dir[0], "pids.max", procs, 0) ?:
           s_write(md, "memory.limit_in_bytes", mem, 0) ?:
           s_write(md, "memory.memsw.limit_in_bytes", mem, 1);
}

int ns_cgroup_new(ns_cgroup_t **out, const char *name, const sandbox_limits_t *lim)
{
    *out = NULL;
    ns_cgroup_t *cg = calloc(1, sizeof *cg);
    if (!cg)
        return al_err_set(AL_ENOMEM, "ns_cgroup_new: out of memory");
    cg->procs_fd[0] = cg->procs_fd[1] = -1;
    snprintf(cg->name, sizeof cg->name, "%s", name);
    char own[256];
    int rc;
    cg->v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
    if (cg->v2) {
        rc = s_own_path("", own, sizeof own);
        if (rc == 0) {
            char parent[CG_PATH_MAX];
            snprintf(parent, sizeof parent, "/sys/fs/cgroup%s", own);
            rc = s_write(parent, "cgroup.subtree_control", "+pids +memory", 0);
        }
        rc = rc ?: s_mkdir(cg, 0, "/sys/fs/cgroup", own);
    } else {
        rc = s_own_path("pids", own, sizeof own) ?: s_mkdir(cg, 0, "/sys/fs/cgroup/pids", own);
        rc = rc ?: s_own_path("memory", own, sizeof own) ?:
                    s_mkdir(cg, 1, "/sys/fs/cgroup/memory", own);
        cg->mem_idx = 1;
    }
    rc = rc ?: s_limits(cg, lim);
    if (rc) {
        int code = al_err_code();
        ns_cgroup_destroy(&cg);
        return code ? code : rc;
    }
    *out = cg;
    return 0;
}

int ns_cgroup_attach(const ns_cgroup_t *cg, pid_t pid)
{
    /* Child side: format without stdio. */
    char buf[16];
    int len = 0;
    char tmp[16];
    unsigned v = (unsigned)pid;
    do {
        tmp[len++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < len; i++)
        buf[i] = tmp[len - 1 - i];
    for (int i = 0; i < cg->n; i++) {
        if (write(cg->procs_fd[i], buf, (size_t)len) != len)
            return -errno;
    }
    return 0;
}

uint64_t ns_cgroup_oom_kills(const ns_cgroup_t *cg)
{
    char p[CG_PATH_MAX + 32], buf[512];
    snprintf(p, sizeof p, "%s/%s", cg->dir[cg->mem_idx],
             cg->v2 ? "memory.events" : "memory.oom_control");
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *k = strstr(buf, "oom_kill ");
    return k ? strtoull(k + 9, NULL, 10) : 0;
}

int ns_cgroup_has_pid(const ns_cgroup_t *cg, pid_t pid)
{
    char p[64], buf[2048];
    snprintf(p, sizeof p, "/proc/%d/cgroup", (int)pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strstr(buf, cg->name) != NULL;
}

const char *ns_cgroup_version(const ns_cgroup_t *cg) { return cg->v2 ? "v2" : "v1"; }

void ns_cgroup_destroy(ns_cgroup_t **p)
{
    if (!p || !*p)
        return;
    ns_cgroup_t *cg = *p;
    *p = NULL;
    for (int i = 0; i < 2; i++) {
        if (cg->procs_fd[i] >= 0)
            close(cg->procs_fd[i]);
    }
    for (int i = 0; i < cg->n; i++) {
        /* The last members may still be exiting: retry EBUSY briefly. */
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

/* Removes empty "airlock-ns-<pid>-<n>" cgroups of worker processes that died
 * without destroying their sandboxes (their inits exit on lifeline EOF, the
 * directories stay). Directories of live workers, or still busy, are left alone. */
static void s_sweep_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int pid = 0;
        unsigned n = 0;
        if (sscanf(e->d_name, "airlock-ns-%d-%u", &pid, &n) != 2 || pid <= 0 || pid == getpid())
            continue;
        if (kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        char p[CG_PATH_MAX + 300];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (rmdir(p) == 0)
            al_info("sandbox.ns.cgroup_swept", "dir=%s", p);
    }
    closedir(d);
}

void ns_cgroup_sweep(void)
{
    /* at most once a minute: dead workers' janitors remove their cgroups
     * themselves; this only catches what a janitor-less death left */
    static _Atomic long last = -NS_CG_SWEEP_EVERY_S;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long prev = last;
    if (now.tv_sec - prev < NS_CG_SWEEP_EVERY_S || !atomic_compare_exchange_strong(&last, &prev, (long)now.tv_sec))
        return;
    char own[256], dir[CG_PATH_MAX];
    if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
        if (s_own_path("", own, sizeof own) == 0) {
            snprintf(dir, sizeof dir, "/sys/fs/cgroup%s", own);
            s_sweep_dir(dir);
        }
        return;
    }
    static const char *const ctrls[] = { "pids", "memory" };
    for (int i = 0; i < 2; i++) {
        if (s_own_path(ctrls[i], own, sizeof own) == 0) {
            snprintf(dir, sizeof dir, "/sys/fs/cgroup/%s%s", ctrls[i], own);
            s_sweep_dir(dir);
        }
    }
    al_err_clear();
}

int ns_cgroup_available(void)
{
    sandbox_limits_t lim = { 0, 16, 16, 16, 0 };
    char name[64];
    snprintf(name, sizeof name, "airlock-probe-%d", (int)getpid());
    ns_cgroup_t *cg = NULL;
    if (ns_cgroup_new(&cg, name, &lim) < 0)
        return 0;
    ns_cgroup_destroy(&cg);
    return 1;
}
