/*
 * runner.c: the parent side of plugin children: start the analyzer host
 * with posix_spawn (a vfork-style clone that runs nothing of this process
 * before exec, so no lock another thread holds can be inherited), then
 * supervise one or several children at once with poll() over their result
 * pipes and pidfds (no sleeps, no SIGCHLD handler): collect at most
 * max_wire_bytes from each, kill a child's whole process group on timeout,
 * overflow or exit, reap it. Owns each child's pipe, pidfd and collected
 * bytes until they are handed over in child_out_t.
 */
#include "worker/plugin_host/plugin_host_child.h"

#include "common/error.h"
#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Reads what is available; returns 1 at EOF, 0 otherwise, -1 on overflow. */
static int drain(int fd, child_out_t *out, size_t cap)
{
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : 1;
        if (n == 0)
            return 1;
        if (out->len + (size_t)n > cap)
            return -1;
        memcpy(out->buf + out->len, chunk, (size_t)n);
        out->len += (size_t)n;
    }
}

static int active(const child_t *c)
{
    return c->pid > 0 && !(c->eof && c->exited) && !c->out.timed_out && !c->out.overflow;
}

/* The analyzer host's argv (plugin_host_child.h); nums holds its numbers. */
static void spawn_argv(const child_job_t *job, char nums[4][24], char *argv[8])
{
    int run = job->input_fd >= 0;
    snprintf(nums[0], 24, "%d", (int)getpid());
    snprintf(nums[1], 24, "%" PRIu64, job->limits.memory_bytes);
    snprintf(nums[2], 24, "%u", job->limits.cpu_s);
    snprintf(nums[3], 24, "%u", job->limits.max_findings);
    char *v[] = { (char *)job->helper, run ? "run" : "probe", (char *)job->path, nums[0], nums[1], nums[2],
                  run ? nums[3] : NULL, NULL };
    memcpy(argv, v, sizeof v);
}

/* posix_spawn with fds 0 (/dev/null), 3 (wfd) and 4 (input, if any) and
 * nothing else, its own process group, default signals, no environment.
 * Sources are dup'd above 4 first so that no dup2 overwrites another. */
static int spawn_host(const child_job_t *job, int wfd, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, all;
    char nums[4][24], *argv[8], *envp[] = { NULL };
    int w = fcntl(wfd, F_DUPFD_CLOEXEC, 10);
    int in = job->input_fd >= 0 ? fcntl(job->input_fd, F_DUPFD_CLOEXEC, 10) : -1;
    if (w < 0 || (job->input_fd >= 0 && in < 0)) {
        int rc = al_err_set_errno(AL_EIO, "plugin host: dup");
        close(w);
        close(in);
        return rc;
    }
    sigemptyset(&none);
    sigfillset(&all);
    spawn_argv(job, nums, argv);
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, w, CHILD_FD);
    if (in >= 0)
        posix_spawn_file_actions_adddup2(&fa, in, CHILD_INPUT_FD);
    posix_spawn_file_actions_addclosefrom_np(&fa, (in >= 0 ? CHILD_INPUT_FD : CHILD_FD) + 1);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    int err = posix_spawn(pid, job->helper, &fa, &at, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(w);
    if (in >= 0)
        close(in);
    if (err != 0)
        return al_err_set(AL_EPLUGIN, "plugin host: cannot run the analyzer host %s: %s", job->helper,
                          strerror(err));
    return 0;
}

int child_start(const child_job_t *job, child_t *c)
{
    int p[2] = { -1, -1 };
    pid_t pid = 0;
    memset(c, 0, sizeof *c);
    c->rfd = c->pidfd = -1;
    c->max_wire = job->limits.max_wire_bytes ? job->limits.max_wire_bytes : 1;
    if (!(c->out.buf = malloc(c->max_wire)))
        return al_err_set(AL_ENOMEM, "plugin host: out of memory");
    if (pipe2(p, O_CLOEXEC) != 0)
        return al_err_set_errno(AL_EIO, "plugin host: pipe");
    c->t0 = al_mono_us();
    c->deadline = c->t0 + (uint64_t)job->limits.timeout_ms * 1000u;
    int rc = spawn_host(job, p[1], &pid);
    close(p[1]);
    if (rc != 0) {
        close(p[0]);
        return rc;
    }
    c->pid = pid;
    c->rfd = p[0];
    fcntl(c->rfd, F_SETFL, O_NONBLOCK);
    c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (c->pidfd < 0) {
        rc = al_err_set_errno(AL_EIO, "plugin host: pidfd_open");
        child_finish(c);
        return rc;
    }
    return 0;
}

/* Handles what poll reported for one child. */
static void child_event(child_t *c, short rev_pipe, short rev_pid)
{
    if (rev_pipe) {
        int r = drain(c->rfd, &c->out, c->max_wire);
        if (r < 0)
            c->out.overflow = 1;
        else
            c->eof = r;
    }
    if (rev_pid && !c->exited) {
        c->exited = 1;
        kill(-c->pid, SIGKILL); /* stragglers holding the pipe open */
    }
}

void child_supervise(child_t *cs, size_t n)
{
    struct pollfd *pf = calloc(2 * n + 1, sizeof *pf);
    for (;;) {
        uint64_t t = al_mono_us(), next = UINT64_MAX;
        size_t live = 0;
        for (size_t i = 0; i < n; i++) {
            child_t *c = &cs[i];
            if (active(c) && t >= c->deadline)
                c->out.timed_out = 1;
            int on = active(c);
            live += (size_t)on;
            if (on && c->deadline < next)
                next = c->deadline;
            if (pf) {
                pf[2 * i] = (struct pollfd){ on && !c->eof ? c->rfd : -1, POLLIN, 0 };
                pf[2 * i + 1] = (struct pollfd){ on && !c->exited ? c->pidfd : -1, POLLIN, 0 };
            }
        }
        if (live == 0 || !pf)
            break;
        int ms = (int)((next - t + 999) / 1000);
        if (poll(pf, 2 * n, ms) < 0 && errno != EINTR)
            break;
        for (size_t i = 0; i < n; i++)
            if (active(&cs[i]))
                child_event(&cs[i], pf[2 * i].revents, pf[2 * i + 1].revents);
    }
    for (size_t i = 0; !pf && i < n; i++)
        if (active(&cs[i]))
            cs[i].out.timed_out = 1; /* no memory to watch them: stop them */
    free(pf);
}

void child_finish(child_t *c)
{
    if (c->pid > 0) {
        kill(-c->pid, SIGKILL); /* no-op when it is already gone */
        kill(c->pid, SIGKILL);
        while (waitpid(c->pid, &c->out.wait_status, 0) < 0 && errno == EINTR)
            ;
        c->out.wall_us = al_mono_us() - c->t0;
        c->pid = 0;
    }
    if (c->pidfd >= 0)
        close(c->pidfd);
    if (c->rfd >= 0)
        close(c->rfd);
    c->pidfd = c->rfd = -1;
}

int child_run(const child_job_t *job, child_out_t *out)
{
    child_t c;
    int rc = child_start(job, &c);
    if (rc == 0) {
        child_supervise(&c, 1);
        child_finish(&c);
    }
    *out = c.out;
    return rc;
}

void child_out_free(child_out_t *out)
{
    free(out->buf);
    memset(out, 0, sizeof *out);
}
