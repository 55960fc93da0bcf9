/*
 * ns_exec.c: run one command in an ns sandbox.
 *
 * Process chain (all forked from the worker, no exec until the workload's):
 *   H  helper: joins the sandbox cgroup and namespaces (setns, user namespace last),
 *      clones G with CLONE_PARENT so G is the worker's child, reports G's pid, exits.
 *   G  pid 1 of a fresh pid namespace (and mount namespace with its own /proc) owned
 *      by the sandbox's user namespace: forks W, reaps orphans, reports W's status and rusage. When
 *      G exits or is killed the kernel kills everything left in that pid namespace, so
 *      a timeout or the end of a command never leaves workload processes behind, even
 *      ones that called setsid() or double-forked.
 *   W  the workload: new session, stdin /dev/null, stdout/stderr pipes, rlimits,
 *      oom_score_adj 1000, empty capability bounding set, uid/gid NS_WORKLOAD_ID,
 *      no_new_privs, seccomp, execvp.
 * The worker side drains both pipes (capping what it delivers at max_output_bytes and
 * discarding the rest, so the workload never blocks on a full pipe), enforces the
 * wall-clock deadline with SIGKILL to G through a pidfd, and reports exec events.
 *
 * Owns (per call): the pipes, the pidfd, the events subscription, the env array.
 */
#include "worker/sandbox/ns_internal.h"
#include "worker/sandbox/sandbox_output.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG_STARTED 1
#define MSG_RESULT 2
#define MSG_ERROR 3
#define DRAIN_GRACE_MS 2000

/* Fixed-size record on the status pipe: one atomic write each (< PIPE_BUF). */
typedef struct {
    int type;
    int pid;
    int status;
    struct rusage ru;
    char text[256];
} ns_msg_t;

typedef struct {
    const ns_sandbox_t *sb;
    const sandbox_exec_req_t *req;
    char *const *envp;
    int out_w, err_w, st_w;
    int life_r;              /* the sandbox's lifeline (read end): EOF when the worker is gone */
} ns_child_t;

static uint64_t s_now_us(int clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void s_msg_send(int fd, int type, int pid, int status, const struct rusage *ru,
                       const char *a, const char *b, int err)
{
    ns_msg_t m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.pid = pid;
    m.status = status;
    if (ru)
        m.ru = *ru;
    if (a)
        ns_child_fmt(m.text, sizeof m.text, a, b, err);
    if (write(fd, &m, sizeof m) < 0)
        return;
}

/* ---- W: the workload (child side) ---- */

static void s_workload_limits(const ns_sandbox_t *sb)
{
    const sandbox_limits_t *l = &sb->base.info.limits;
    struct rlimit nproc = { l->max_procs, l->max_procs };
    rlim_t fs = (rlim_t)l->disk_mb * 1024 * 1024;
    struct rlimit fsize = { fs, fs }, core = { 0, 0 }, nofile = { 1024, 1024 };
    setrlimit(RLIMIT_NPROC, &nproc);
    setrlimit(RLIMIT_FSIZE, &fsize);
    setrlimit(RLIMIT_CORE, &core);
    setrlimit(RLIMIT_NOFILE, &nofile);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, "1000", 4) < 0) { /* best effort: prefer the workload as OOM victim */ }
        close(fd);
    }
}

static int s_workload_drop(const ns_sandbox_t *sb)
{
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return -errno;
    }
    /* 1<<0 NOROOT, 1<<1 NOROOT_LOCKED, 1<<5 KEEP_CAPS_LOCKED */
    if (prctl(PR_SET_SECUREBITS, (1 << 0) | (1 << 1) | (1 << 5), 0, 0, 0) < 0)
        return -errno;
    int rc = ns_set_ids(NS_WORKLOAD_ID);
    if (rc < 0)
        return rc;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return -errno;
    return workload_seccomp_apply(sb->bpf);
}

static void __attribute__((noreturn)) s_workload_main(const ns_child_t *c)
{
    extern char **environ;
    int st = c->st_w;
    int in = open("/dev/null", O_RDONLY);
    if (setsid() < 0 || in < 0 || dup2(in, 0) < 0 || dup2(c->out_w, 1) < 0 ||
        dup2(c->err_w, 2) < 0) {
        s_msg_send(st, MSG_ERROR, 0, 0, NULL, "set up stdio", NULL, errno);
        _exit(127);
    }
    int keep[1] = { st };
    if (ns_fds_keep(keep, 1) < 0) {
        s_msg_send(st, MSG_ERROR, 0, 0, NULL, "close fds", NULL, errno);
        _exit(127);
    }
    st = keep[0];
    fcntl(st, F_SETFD, FD_CLOEXEC);
    const char *cwd = c->req->cwd ? c->req->cwd : "/workspace";
    if (chdir(cwd) < 0) {
        s_msg_send(st, MSG_ERROR, 0, 0, NULL, "cwd", cwd, errno);
        _exit(127);
    }
    s_workload_limits(c->sb);
    int rc = s_workload_drop(c->sb);
    if (rc < 0) {
        s_msg_send(st, MSG_ERROR, 0, 0, NULL, "drop privileges", NULL, -rc);
        _exit(127);
    }
    environ = (char **)c->envp;
    execvp(c->req->argv[0], (char *const *)c->req->argv);
    int err = errno;
    if (err == ENOENT) { /* worded like every driver (and like a shell) */
        ns_child_say(2, "airlock:", c->req->argv[0], 0);
        ns_child_say(2, ": command not found\n", NULL, 0);
    } else {
        ns_child_say(2, "airlock: cannot run", c->req->argv[0], err);
        ns_child_say(2, "\n", NULL, 0);
    }
    _exit(err == ENOENT ? 127 : 126);
}

/* ---- G: pid 1 of the exec's pid namespace (child side) ---- */

/* G dies with the worker's thread that runs the command (parent-death
 * signal; set after the uid change, which clears it) — and the kernel then
 * kills everything in G's pid namespace. The lifeline closes the window
 * before the signal was armed: if the worker is already gone, stop. */
static void s_reaper_lifeline(const ns_child_t *c)
{
    struct pollfd p = { .fd = c->life_r, .events = POLLIN };
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || poll(&p, 1, 0) != 0)
        _exit(1);
    close(c->life_r);
}

static void __attribute__((noreturn)) s_reaper_main(const ns_child_t *c)
{
    ns_stdio_null();
    if (ns_set_ids(0) < 0 ||
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
        s_msg_send(c->st_w, MSG_ERROR, 0, 0, NULL, "exec namespace setup", NULL, errno);
        _exit(1);
    }
    s_reaper_lifeline(c);
    pid_t w = fork();
    if (w < 0) {
        s_msg_send(c->st_w, MSG_ERROR, 0, 0, NULL, "fork workload", NULL, errno);
        _exit(1);
    }
    if (w == 0)
        s_workload_main(c);
    close(c->out_w);
    close(c->err_w);
    for (;;) {
        int status;
        struct rusage ru;
        pid_t p = wait4(-1, &status, 0, &ru);
        if (p == w) {
            s_msg_send(c->st_w, MSG_RESULT, 0, status, &ru, NULL, NULL, 0);
            _exit(0);
        }
        if (p < 0 && errno != EINTR)
            _exit(1);
    }
}

/* ---- H: join the sandbox (child side) ---- */

/* G is a fork of the worker: what pid 1 of the command's world shows in /proc
 * (argv, environment, name) must not be the worker's. /proc/<pid>/cmdline and
 * environ read this mm's argument and environment areas (G inherits a copy):
 * they are overwritten with zeros here, "airlock-init" in front, and the task
 * renamed. (PR_SET_MM would move the areas instead, but needs
 * CAP_SYS_RESOURCE, which a worker may not have.) Child side: the addresses
 * come from /proc/self/stat fields 48-51, parsed without allocation. */
static int s_hide_worker(void)
{
    static const char title[] = "airlock-init";
    char buf[2048];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -EIO;
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the name may hold spaces: fields start after it */
    unsigned long long v[52] = { 0 };
    for (int field = 3; p && field <= 51; field++) {
        p = strchr(p, ' ');
        if (p && field >= 48)
            v[field] = strtoull(p + 1, NULL, 10);
        p = p ? p + 1 : NULL;
    }
    char *args = (char *)(uintptr_t)v[48], *env = (char *)(uintptr_t)v[50];
    if (!p || !args || v[49] <= v[48] || v[51] < v[50])
        return -EIO;
    memset(args, 0, (size_t)(v[49] - v[48]));
    memset(env, 0, (size_t)(v[51] - v[50]));
    memcpy(args, title, v[49] - v[48] > sizeof title ? sizeof title : (size_t)(v[49] - v[48]) - 1);
    return prctl(PR_SET_NAME, title, 0, 0, 0) < 0 ? -errno : 0;
}

static void __attribute__((noreturn)) s_helper_main(ns_child_t *c)
{
    const ns_sandbox_t *sb = c->sb;
    int rc = ns_cgroup_attach(sb->cg, getpid());
    if (rc < 0) {
        s_msg_send(c->st_w, MSG_ERROR, 0, 0, NULL, "join cgroup", NULL, -rc);
        _exit(1);
    }
    int fds[4 + NS_COUNT] = { c->out_w, c->err_w, c->st_w, sb->lifeline_r };
    for (int i = 0; i < NS_COUNT; i++)
        fds[4 + i] = sb->nsfd[i];
    if ((rc = ns_fds_keep(fds, 4 + NS_COUNT)) < 0) {
        s_msg_send(c->st_w, MSG_ERROR, 0, 0, NULL, "close fds", NULL, -rc);
        _exit(1);
    }
    c->out_w = fds[0];
    c->err_w = fds[1];
    c->st_w = fds[2];
    c->life_r = fds[3];
    if ((rc = s_hide_worker()) < 0) {
        s_msg_send(c->st_w, MSG_ERROR, 0, 0, NULL, "hide the worker's argv", NULL, -rc);
        _exit(1);
    }
    for (int i = 0; i < NS_COUNT; i++) {
        if (setns(fds[4 + i], 0) < 0) {
            s_msg_send(c->st_w, MSG_ERROR, 0, 0, NULL, "setns", NULL, errno);
            _exit(1);
        }
        close(fds[4 + i]);
    }
    long g = syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_PARENT | SIGCHLD,
                     NULL, NULL, NULL, NULL);
    if (g < 0) {
        s_msg_send(c->st_w, MSG_ERROR, 0, 0, NULL, "clone exec namespace", NULL, errno);
        _exit(1);
    }
    if (g == 0)
        s_reaper_main(c);
    s_msg_send(c->st_w, MSG_STARTED, (int)g, 0, NULL, NULL, NULL, 0);
    _exit(0);
}

/* ---- worker side ---- */

void ns_exec_interrupt(ns_sandbox_t *sb)
{
    pthread_mutex_lock(&sb->run_mu);
    sb->interrupted = 1;
    if (sb->run_pidfd >= 0)
        syscall(SYS_pidfd_send_signal, sb->run_pidfd, SIGKILL, NULL, 0);
    pthread_mutex_unlock(&sb->run_mu);
}

static int s_env_has(const char *const *env, const char *entry)
{
    size_t k = strcspn(entry, "=");
    for (size_t i = 0; env && env[i]; i++) {
        if (strncmp(env[i], entry, k + 1) == 0)
            return 1;
    }
    return 0;
}

/* The request's entries first, then defaults it did not override. Caller frees
 * the array and every string in it. */
static char **s_env_build(const ns_sandbox_t *sb, const sandbox_exec_req_t *req)
{
    char proxy[4][600];
    int nproxy = 0;
    if (sb->proxy_url) {
        const char *keys[] = { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY" };
        for (int i = 0; i < 4; i++)
            snprintf(proxy[nproxy++], sizeof proxy[0], "%s=%s", keys[i], sb->proxy_url);
    }
    const char *defaults[] = { "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
        "HOME=/workspace", "USER=sandbox", "LOGNAME=sandbox", "LANG=C.UTF-8",
        "TMPDIR=/tmp", "SHELL=/bin/sh", proxy[0], proxy[1], proxy[2], proxy[3] };
    size_t ndef = 7 + (size_t)nproxy, nreq = 0;
    while (req->env && req->env[nreq])
        nreq++;
    char **env = calloc(nreq + ndef + 1, sizeof *env);
    if (!env)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < nreq; i++) {
        if (strchr(req->env[i], '=') && !(env[n] = strdup(req->env[i])))
            goto fail;
        n += env[n] != NULL;
    }
    for (size_t i = 0; i < ndef; i++) {
        if (!s_env_has(req->env, defaults[i]) && !(env[n++] = strdup(defaults[i])))
            goto fail;
    }
    return env;
fail:
    for (size_t i = 0; env[i]; i++)
        free(env[i]);
    free(env);
    return NULL;
}

static void s_env_free(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

typedef struct {
    const sandbox_exec_req_t *req;
    sandbox_exec_result_t *res;
    uint64_t cap, delivered;
    int fd[2];                 /* stdout, stderr read ends; -1 at EOF */
    int st_fd;
    ns_msg_t result, error;
    int have_result, have_error;
    pid_t g;                   /* from H's MSG_STARTED, 0 until then */
} ns_io_t;

static void s_io_output(ns_io_t *io, int i, const char *buf, size_t n)
{
    sandbox_output_deliver(io->req, io->res, io->cap, &io->delivered, i == 0 ? SANDBOX_STDOUT : SANDBOX_STDERR,
                           buf, n);
}

static void s_io_read(ns_io_t *io, int i)
{
    char buf[65536];
    for (int rounds = 0; rounds < 16; rounds++) {
        ssize_t n = read(io->fd[i], buf, sizeof buf);
        if (n > 0) {
            s_io_output(io, i, buf, (size_t)n);
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            close(io->fd[i]);
            io->fd[i] = -1;
        }
        return;
    }
}

/* Reads one status record; returns 1 if one was read. G may report before H says
 * STARTED (a fast command), so records are kept whatever their order. */
static int s_io_status(ns_io_t *io)
{
    ns_msg_t m;
    ssize_t n = read(io->st_fd, &m, sizeof m);
    if (n == (ssize_t)sizeof m) {
        if (m.type == MSG_STARTED) {
            io->g = m.pid;
        } else if (m.type == MSG_RESULT) {
            io->result = m;
            io->have_result = 1;
        } else if (m.type == MSG_ERROR && !io->have_error) {
            io->error = m;
            io->have_error = 1;
        }
        return 1;
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || n > 0) {
        close(io->st_fd);
        io->st_fd = -1;
    }
    return 0;
}

static void s_io_close(ns_io_t *io)
{
    int *fds[] = { &io->fd[0], &io->fd[1], &io->st_fd };
    for (int i = 0; i < 3; i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
}

/* Forks H; on success io->g is G's pid (the worker's child). io->st_fd is the
 * status pipe's read end (non-blocking). */
static int s_start(ns_sandbox_t *sb, const sandbox_exec_req_t *req, char **envp, int out_w,
                   int err_w, int st_w, ns_io_t *io, ns_events_t *ev)
{
    ns_child_t c = { sb, req, envp, out_w, err_w, st_w, -1 };
    pid_t h = fork();
    if (h < 0)
        return al_err_set_errno(AL_ESANDBOX, "fork exec helper");
    if (h == 0)
        s_helper_main(&c);
    close(out_w);
    close(err_w);
    close(st_w);
    if (ev)
        ns_events_track(ev, h);
    int status;
    while (waitpid(h, &status, 0) < 0 && errno == EINTR)
        ;
    /* H is gone, so everything it wrote is in the pipe. */
    while (io->st_fd >= 0 && !io->g && s_io_status(io))
        ;
    if (!io->g)
        return al_err_set(AL_ESANDBOX, "ns exec: helper failed: %s",
                          io->have_error ? io->error.text : "no report");
    return 0;
}

static void s_fill_result(const ns_io_t *io, int g_status, sandbox_exec_result_t *res)
{
    int st = io->have_result ? io->result.status : g_status;
    if (io->have_result) {
        const struct rusage *ru = &io->result.ru;
        res->user_us = (uint64_t)ru->ru_utime.tv_sec * 1000000u + (uint64_t)ru->ru_utime.tv_usec;
        res->sys_us = (uint64_t)ru->ru_stime.tv_sec * 1000000u + (uint64_t)ru->ru_stime.tv_usec;
        res->max_rss_kb = (uint64_t)ru->ru_maxrss;
    }
    if (WIFEXITED(st) && io->have_result) {
        res->exited = 1;
        res->exit_code = WEXITSTATUS(st);
    } else if (WIFSIGNALED(st)) {
        res->signal = WTERMSIG(st);
    } else {
        res->signal = SIGKILL; /* G ended without a report: it was killed */
    }
}

/* Poll pipes, status, pidfd and events until G is reaped and the pipes are drained. */
static void s_loop(ns_io_t *io, int pidfd, unsigned timeout_ms, ns_events_t *ev, int *g_status)
{
    uint64_t start = s_now_us(CLOCK_MONOTONIC), reaped_at = 0;
    int g_done = 0;
    for (;;) {
        uint64_t now = s_now_us(CLOCK_MONOTONIC);
        if (!g_done && timeout_ms && now - start >= (uint64_t)timeout_ms * 1000u) {
            syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
            io->res->timed_out = 1;
            timeout_ms = 0;
        }
        if (g_done && ((io->fd[0] < 0 && io->fd[1] < 0 && io->st_fd < 0) ||
                       now - reaped_at > DRAIN_GRACE_MS * 1000u))
            break;
        struct pollfd p[5] = { { io->fd[0], POLLIN, 0 }, { io->fd[1], POLLIN, 0 },
                               { io->st_fd, POLLIN, 0 }, { g_done ? -1 : pidfd, POLLIN, 0 },
                               { ev ? ns_events_fd(ev) : -1, POLLIN, 0 } };
        int wait_ms = 200;
        if (!g_done && timeout_ms) {
            uint64_t left = (uint64_t)timeout_ms * 1000u - (now - start);
            wait_ms = (int)(left / 1000u) + 1;
        }
        if (poll(p, 5, wait_ms) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (p[i].revents)
                s_io_read(io, i);
        }
        if (p[2].revents)
            s_io_status(io);
        if (p[4].revents)
            ns_events_drain(ev, io->req->on_exec, io->req->ctx);
        if (p[3].revents) {
            siginfo_t si;
            memset(&si, 0, sizeof si);
            if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) == 0) {
                *g_status = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0)
                                                     : si.si_status;
                g_done = 1;
                reaped_at = s_now_us(CLOCK_MONOTONIC);
            }
        }
    }
    if (io->fd[0] >= 0 || io->fd[1] >= 0)
        al_warn("sandbox.ns.drain", "msg=\"output still open %d ms after the command ended\"",
                DRAIN_GRACE_MS);
}

/* Drives G (the worker's child) to its end; closes io's fds. */
static int s_wait(ns_sandbox_t *sb, const sandbox_exec_req_t *req, sandbox_exec_result_t *res,
                  ns_io_t *io, ns_events_t *ev)
{
    io->cap = req->max_output_bytes ? req->max_output_bytes : sb->base.info.limits.max_output_bytes;
    for (int i = 0; i < 2; i++)
        fcntl(io->fd[i], F_SETFL, O_NONBLOCK);
    int rc = 0, g_status = 0;
    int pidfd = (int)syscall(SYS_pidfd_open, io->g, 0);
    if (pidfd < 0) {
        rc = al_err_set_errno(AL_ESANDBOX, "ns exec: pidfd_open");
        kill(io->g, SIGKILL);
        waitpid(io->g, NULL, 0);
    } else {
        pthread_mutex_lock(&sb->run_mu);   /* sandbox_interrupt may kill it from now on */
        sb->run_pidfd = pidfd;
        if (sb->interrupted)
            syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        pthread_mutex_unlock(&sb->run_mu);
        s_loop(io, pidfd, req->timeout_ms, ev, &g_status);
        pthread_mutex_lock(&sb->run_mu);
        sb->run_pidfd = -1;
        pthread_mutex_unlock(&sb->run_mu);
        close(pidfd);
    }
    s_io_close(io);
    if (ev) {
        ns_events_drain(ev, req->on_exec, req->ctx);
        ns_events_report_lost(ev, req->on_exec, req->ctx);
    }
    if (rc == 0 && io->have_error)
        rc = al_err_set(AL_ESANDBOX, "ns exec: %s", io->error.text);
    if (rc == 0)
        s_fill_result(io, g_status, res);
    return rc;
}

int ns_exec_run(ns_sandbox_t *sb, const sandbox_exec_req_t *req, sandbox_exec_result_t *res)
{
    int out[2] = { -1, -1 }, err[2] = { -1, -1 }, st[2] = { -1, -1 };
    ns_events_t *ev = NULL;
    char **envp = s_env_build(sb, req);
    uint64_t t0 = s_now_us(CLOCK_MONOTONIC);
    int rc = 0;
    if (!envp) {
        rc = al_err_set(AL_ENOMEM, "ns exec: environment: out of memory");
        goto done;
    }
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0) {
        rc = al_err_set_errno(AL_ESANDBOX, "ns exec: pipe");
        goto done;
    }
    if (req->on_exec && !(ev = ns_events_new(sb->cg)))
        al_warn("sandbox.ns.events", "task=%s msg=\"exec events unavailable\" reason=\"%s\"",
                sb->task_id, al_err_msg());
    uint64_t oom_before = ns_cgroup_oom_kills(sb->cg);
    fcntl(st[0], F_SETFL, O_NONBLOCK);
    ns_io_t io = { .req = req, .res = res, .fd = { out[0], err[0] }, .st_fd = st[0] };
    out[0] = err[0] = st[0] = -1; /* owned by io */
    rc = s_start(sb, req, envp, out[1], err[1], st[1], &io, ev);
    out[1] = err[1] = st[1] = -1; /* closed by s_start */
    if (rc < 0) {
        s_io_close(&io);
        goto done;
    }
    sb->execs++;
    if (ev)
        ns_events_track(ev, io.g);
    rc = s_wait(sb, req, res, &io, ev);
    res->oom_killed = rc == 0 && ns_cgroup_oom_kills(sb->cg) > oom_before;
done:
    res->wall_us = s_now_us(CLOCK_MONOTONIC) - t0;
    int fds[] = { out[0], out[1], err[0], err[1], st[0], st[1] };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
    ns_events_destroy(&ev);
    s_env_free(envp);
    return rc;
}
