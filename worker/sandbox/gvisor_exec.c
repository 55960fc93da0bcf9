/*
 * gvisor_exec.c: one command in a gvisor sandbox = one gVisor container.
 *
 * Process chain (host side):
 *   R  `runsc run` forked from the worker: joins the sandbox's cgroup, enters
 *      its private mount namespace (setns), PR_SET_PDEATHSIG=SIGKILL, exec.
 *      stdin = the status socket, stdout/stderr = the output pipes; runsc
 *      donates all three to the container. It starts (attached: they die with
 *      it) the gofer and the Sentry, which start the ptrace stubs. All of
 *      them are in the cgroup.
 *   inside: init (pid 1, gvisor_guest/init.c) -> the command (pid 2, uid 1000).
 * The worker drains both pipes (first max_output_bytes delivered, the rest
 * counted and dropped, a marker line as on ns), reads init's status records
 * (exact wait status and rusage of the command), accepts runsc's trace
 * connection and turns sentry/execve points into exec events, and enforces
 * the deadline. On timeout or sandbox_interrupt() it SIGKILLs every process in
 * the cgroup; when the command ended it does the same to whatever is left, so
 * nothing of a command outlives it.
 *
 * Result: init's record when it came; otherwise the command was killed
 * (SIGKILL: deadline, interrupt, OOM or a dead Sentry; oom_killed when the
 * cgroup's OOM counter moved); no "started" record and no kill of ours means
 * the container never started: an error with the tail of runsc's log.
 */
#include "worker/sandbox/gvisor.h"
#include "worker/sandbox/sandbox_output.h"
#include "common/error.h"
#include "common/log.h"
#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_GRACE_MS 2000
#define STATUS_MAX 512
#define TRACE_MSG_MAX 65536
#define RUNSC_ARGS 20

typedef struct {
    gv_sandbox_t *sb;
    const sandbox_exec_req_t *req;
    sandbox_exec_result_t *res;
    int fd[2];                 /* stdout, stderr read ends; -1 at EOF */
    int st;                    /* status socket; -1 at EOF */
    int tc;                    /* trace connection; -1 when none */
    gv_trace_t *trace;
    pid_t runsc;
    uint64_t cap, delivered;
    char stbuf[STATUS_MAX];
    size_t stlen;
    int started, have_status, wstatus;
    unsigned long long utime_us, stime_us;
    long maxrss_kb;
    int killed;                /* we SIGKILLed the cgroup (deadline or interrupt) */
    uint8_t *msg;              /* trace message buffer */
} gv_io_t;

/* ---- output (sandbox_output.h: the same contract as the ns driver) ---- */

static void s_read_output(gv_io_t *io, int i)
{
    char buf[65536];
    for (int rounds = 0; rounds < 16; rounds++) {
        ssize_t n = read(io->fd[i], buf, sizeof buf);
        if (n > 0) {
            sandbox_output_deliver(io->req, io->res, io->cap, &io->delivered, i == 0 ? SANDBOX_STDOUT : SANDBOX_STDERR,
                                   buf, (size_t)n);
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            close(io->fd[i]);
            io->fd[i] = -1;
        }
        return;
    }
}

/* ---- init's status records ---- */

static void s_status_line(gv_io_t *io, const char *line)
{
    int status;
    unsigned long long ut, stt;
    long rss;
    char tail;
    if (strcmp(line, "airlock-gvinit 1 started") == 0) {
        io->started = 1;
    } else if (sscanf(line, "airlock-gvinit 1 status=%d utime_us=%llu stime_us=%llu maxrss_kb=%ld%c",
                      &status, &ut, &stt, &rss, &tail) == 4 && !io->have_status) {
        io->have_status = 1;
        io->wstatus = status;
        io->utime_us = ut;
        io->stime_us = stt;
        io->maxrss_kb = rss;
    } else {
        al_warn("sandbox.gvisor.status", "task=%s msg=\"unexpected status record ignored\"", io->sb->task_id);
    }
}

static void s_read_status(gv_io_t *io)
{
    ssize_t n = read(io->st, io->stbuf + io->stlen, sizeof io->stbuf - 1 - io->stlen);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            close(io->st);
            io->st = -1;
        }
        return;
    }
    io->stlen += (size_t)n;
    io->stbuf[io->stlen] = '\0';
    char *nl;
    while ((nl = memchr(io->stbuf, '\n', io->stlen)) != NULL) {
        *nl = '\0';
        s_status_line(io, io->stbuf);
        size_t used = (size_t)(nl + 1 - io->stbuf);
        memmove(io->stbuf, nl + 1, io->stlen - used);
        io->stlen -= used;
    }
    if (io->stlen == sizeof io->stbuf - 1) {   /* no newline in 511 bytes: not init */
        close(io->st);
        io->st = -1;
    }
}

/* ---- trace connection ---- */

static void s_trace_accept(gv_io_t *io)
{
    int c = accept4(io->sb->trace_ls, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0)
        return;
    struct ucred cred;
    socklen_t len = sizeof cred;
    /* only the runsc we started may feed events */
    if (io->tc >= 0 || getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid != io->runsc) {
        close(c);
        return;
    }
    int big = 4 << 20;
    setsockopt(c, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    io->tc = c;
}

static void s_trace_read(gv_io_t *io)
{
    for (int rounds = 0; rounds < 64; rounds++) {
        ssize_t n = recv(io->tc, io->msg, TRACE_MSG_MAX, MSG_TRUNC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        uint8_t reply[8];
        size_t rlen = 0;
        int rc = n <= 0 ? -1
                 : n > TRACE_MSG_MAX ? al_err_set(AL_EPROTO, "gvisor trace: %zd-byte message", n)
                 : gv_trace_feed(io->trace, io->msg, (size_t)n, io->req->on_exec, io->req->ctx, reply, &rlen);
        if (rc == 1 && send(io->tc, reply, rlen, MSG_NOSIGNAL) != (ssize_t)rlen)
            rc = -1;
        if (rc < 0) {
            if (n != 0)
                al_warn("sandbox.gvisor.trace", "task=%s msg=\"trace connection dropped\" reason=\"%s\"",
                        io->sb->task_id, n < 0 ? strerror(errno) : al_err_msg());
            close(io->tc);
            io->tc = -1;
            return;
        }
    }
}

/* ---- runsc ---- */

static int s_argv(const gv_sandbox_t *sb, const sandbox_exec_req_t *req, char bufs[][PATH_MAX + 32],
                  const char **argv, const char *id)
{
    int n = 0;
    argv[n++] = sb->rt->runsc;
    snprintf(bufs[0], sizeof bufs[0], "--root=%s/runsc", sb->dir);
    snprintf(bufs[1], sizeof bufs[1], "--platform=%s", sb->rt->platform);
    snprintf(bufs[2], sizeof bufs[2], "--log=%s/runsc.log", sb->dir);
    snprintf(bufs[3], sizeof bufs[3], "--pod-init-config=%s/trace.json", sb->dir);
    snprintf(bufs[4], sizeof bufs[4], "%s/bundle", sb->dir);
    argv[n++] = bufs[0];
    argv[n++] = bufs[1];
    argv[n++] = bufs[2];
    argv[n++] = "--network=none";
    argv[n++] = "--ignore-cgroups";
    /* Nothing but this container touches its mounts while it runs (the host
     * copies the workspace before and after, /usr and /etc never change):
     * the Sentry may cache them (measured: ~20% less time on a compile-heavy suite). */
    argv[n++] = "--file-access-mounts=exclusive";
    if (sb->egress_socket)
        argv[n++] = "--host-uds=open";
    if (req->on_exec)
        argv[n++] = bufs[3];
    argv[n++] = "run";
    argv[n++] = "--bundle";
    argv[n++] = bufs[4];
    argv[n++] = id;
    argv[n] = NULL;
    return n;
}

/* Child side (async-signal-safe): cgroup, mount namespace, stdio, exec. */
static void __attribute__((noreturn)) s_runsc_child(const gv_sandbox_t *sb, const char *const *argv,
                                                    int st, int out, int err)
{
    static char *const envp[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL };
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || gv_cgroup_attach(sb->cg, getpid()) < 0 ||
        setns(sb->mntns_fd, CLONE_NEWNS) < 0)
        _exit(125);
    if (dup2(st, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 ||
        syscall(SYS_close_range, 3, ~0U, 0) < 0)
        _exit(125);
    execve(argv[0], (char *const *)argv, envp);
    _exit(125);
}

static int s_start(gv_io_t *io, int st, int out, int err)
{
    char bufs[5][PATH_MAX + 32], id[64];
    const char *argv[RUNSC_ARGS];
    /* runsc names its control socket after the id (abstract, host-wide): unique per host */
    snprintf(id, sizeof id, "airlock-%d-%u-%u", (int)getpid(), io->sb->serial, io->sb->execs);
    s_argv(io->sb, io->req, bufs, argv, id);
    pid_t pid = fork();
    if (pid < 0)
        return al_err_set_errno(AL_ESANDBOX, "gvisor: fork runsc");
    if (pid == 0)
        s_runsc_child(io->sb, argv, st, out, err);
    /* Also from here: when this returns the child is in the cgroup, whether or
     * not it ran yet, so a kill of the cgroup from now on reaches it. */
    gv_cgroup_attach(io->sb->cg, pid);
    io->runsc = pid;
    return 0;
}

static void s_kill(gv_io_t *io, const char *why)
{
    if (!io->killed)
        al_info("sandbox.gvisor.kill", "task=%s exec=%u reason=%s", io->sb->task_id, io->sb->execs, why);
    io->killed = 1;
    gv_cgroup_kill(io->sb->cg);
}

/* Polls until runsc is reaped and everything it left is drained. */
static void s_loop(gv_io_t *io, int pidfd)
{
    const sandbox_exec_req_t *req = io->req;
    uint64_t start = al_mono_us(), reaped_at = 0;
    int done = 0;
    for (;;) {
        uint64_t now = al_mono_us();
        if (!done && req->timeout_ms && now - start >= (uint64_t)req->timeout_ms * 1000u && !io->killed) {
            io->res->timed_out = 1;
            s_kill(io, "timeout");
        }
        if (!done && atomic_load(&io->sb->interrupted) && !io->killed)
            s_kill(io, "interrupt");
        int open_fds = io->fd[0] >= 0 || io->fd[1] >= 0 || io->st >= 0 || io->tc >= 0;
        if (done && (!open_fds || now - reaped_at > DRAIN_GRACE_MS * 1000u))
            break;
        struct pollfd p[6] = { { io->fd[0], POLLIN, 0 }, { io->fd[1], POLLIN, 0 }, { io->st, POLLIN, 0 },
                               { io->tc, POLLIN, 0 }, { io->tc < 0 ? io->sb->trace_ls : -1, POLLIN, 0 },
                               { done ? -1 : pidfd, POLLIN, 0 } };
        int wait_ms = 200;
        if (!done && req->timeout_ms && !io->killed) {
            uint64_t left = (uint64_t)req->timeout_ms * 1000u - (now - start);
            wait_ms = left / 1000u + 1 < 200 ? (int)(left / 1000u) + 1 : 200;
        }
        if (poll(p, 6, wait_ms) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (p[i].revents)
                s_read_output(io, i);
        }
        if (p[2].revents)
            s_read_status(io);
        if (p[3].revents)
            s_trace_read(io);
        if (p[4].revents)
            s_trace_accept(io);
        if (p[5].revents) {
            siginfo_t si;
            memset(&si, 0, sizeof si);
            if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) == 0) {
                done = 1;
                reaped_at = al_mono_us();
            }
        }
    }
}

static void s_fill(gv_io_t *io, sandbox_exec_result_t *res)
{
    if (io->have_status && !io->killed) {
        int st = io->wstatus;
        res->exited = WIFEXITED(st);
        res->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
        res->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
        res->user_us = io->utime_us;
        res->sys_us = io->stime_us;
        res->max_rss_kb = io->maxrss_kb > 0 ? (uint64_t)io->maxrss_kb : 0;
    } else {
        res->signal = SIGKILL;   /* deadline, interrupt, OOM, or the Sentry died */
    }
}

static char *s_log_tail(const gv_sandbox_t *sb, char *buf, size_t size)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/runsc.log", sb->dir);
    buf[0] = '\0';
    FILE *f = fopen(p, "re");
    if (!f)
        return buf;
    char line[1024];
    while (fgets(line, sizeof line, f)) {   /* the last line that says something */
        line[strcspn(line, "\n")] = '\0';
        if (line[0])
            snprintf(buf, size, "%.500s", line);
    }
    fclose(f);
    return buf;
}

static int s_run(gv_io_t *io, int st_child, int out_w, int err_w)
{
    int rc = s_start(io, st_child, out_w, err_w);
    close(st_child);
    close(out_w);
    close(err_w);
    if (rc)
        return rc;
    atomic_store(&io->sb->running, 1);
    int pidfd = (int)syscall(SYS_pidfd_open, io->runsc, 0);
    if (pidfd < 0) {
        rc = al_err_set_errno(AL_ESANDBOX, "gvisor: pidfd_open");
        s_kill(io, "error");
        waitpid(io->runsc, NULL, 0);
    } else {
        s_loop(io, pidfd);
        close(pidfd);
    }
    /* Every process of the command ends with it (the init is gone already). */
    if (gv_cgroup_kill(io->sb->cg) < 0)
        io->sb->broken = 1;
    atomic_store(&io->sb->running, 0);
    if (rc == 0 && !io->started && !io->killed) {
        char tail[600];
        rc = al_err_set(AL_ESANDBOX, "gvisor: the container did not start: %s",
                        s_log_tail(io->sb, tail, sizeof tail));
    }
    return rc;
}

int gv_exec_run(gv_sandbox_t *sb, const sandbox_exec_req_t *req, sandbox_exec_result_t *res)
{
    uint64_t t0 = al_mono_us();
    int out[2] = { -1, -1 }, err[2] = { -1, -1 }, st[2] = { -1, -1 };
    gv_io_t io = { .sb = sb, .req = req, .res = res, .fd = { -1, -1 }, .st = -1, .tc = -1 };
    io.cap = req->max_output_bytes ? req->max_output_bytes : sb->base.info.limits.max_output_bytes;
    sb->execs++;
    char bundle[PATH_MAX], ws[PATH_MAX], root[PATH_MAX], filter[PATH_MAX];
    snprintf(bundle, sizeof bundle, "%s/bundle", sb->dir);
    snprintf(ws, sizeof ws, "%s/ws", sb->dir);
    snprintf(root, sizeof root, "%s/root", sb->dir);
    snprintf(filter, sizeof filter, "%s/seccomp.bpf", sb->dir);
    gv_spec_t spec = { req, bundle, root, ws, sb->rt->guest_dir, sb->env_tree ? NULL : sb->etc_dir,
                       sb->bind_tops, sb->egress_socket, sb->proxy_url, filter, &sb->base.info.limits };
    int rc = gv_spec_write(&spec);
    if (rc == 0 && req->on_exec && (!(io.trace = gv_trace_new()) || !(io.msg = malloc(TRACE_MSG_MAX))))
        rc = al_err_set(AL_ENOMEM, "gvisor: out of memory");
    if (rc == 0 && (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
                    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, st) < 0))
        rc = al_err_set_errno(AL_ESANDBOX, "gvisor: pipes");
    uint64_t oom_before = sb->cg ? gv_cgroup_oom_kills(sb->cg) : 0;
    if (rc == 0) {
        io.fd[0] = out[0];
        io.fd[1] = err[0];
        io.st = st[0];
        out[0] = err[0] = st[0] = -1;
        for (int i = 0; i < 3; i++)
            fcntl(i < 2 ? io.fd[i] : io.st, F_SETFL, O_NONBLOCK);
        rc = s_run(&io, st[1], out[1], err[1]);
        out[1] = err[1] = st[1] = -1;   /* closed by s_run */
    }
    if (rc == 0) {
        s_fill(&io, res);
        res->oom_killed = gv_cgroup_oom_kills(sb->cg) > oom_before;
    }
    if (io.trace && gv_trace_dropped(io.trace))
        al_warn("sandbox.gvisor.events", "task=%s dropped=%llu msg=\"the Sentry dropped exec events\"",
                sb->task_id, (unsigned long long)gv_trace_dropped(io.trace));
    int fds[] = { out[0], out[1], err[0], err[1], st[0], st[1], io.fd[0], io.fd[1], io.st, io.tc };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
    gv_trace_destroy(&io.trace);
    free(io.msg);
    res->wall_us = al_mono_us() - t0;
    return rc;
}
