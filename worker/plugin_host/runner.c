/*
 * runner.c: the parent side of one plugin child: fork, then supervise with
 * poll() over the result pipe and a pidfd (no sleeps, no SIGCHLD handler):
 * collect at most max_wire_bytes, kill the whole process group on timeout,
 * overflow or exit, reap it. Owns the pipe, the pidfd and the collected
 * bytes until they are handed over in child_out_t.
 */
#include "worker/plugin_host/plugin_host_child.h"

#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

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

static void supervise(pid_t pid, int rfd, int pidfd, const plugin_limits_t *lim, child_out_t *out)
{
    uint64_t deadline = now_us() + (uint64_t)lim->timeout_ms * 1000u;
    int eof = 0, exited = 0;
    while (!eof || !exited) {
        uint64_t t = now_us();
        if (t >= deadline) {
            out->timed_out = 1;
            break;
        }
        struct pollfd pf[2] = { { eof ? -1 : rfd, POLLIN, 0 }, { exited ? -1 : pidfd, POLLIN, 0 } };
        int ms = (int)((deadline - t + 999) / 1000);
        if (poll(pf, 2, ms) < 0 && errno != EINTR)
            break;
        if (pf[0].revents) {
            int r = drain(rfd, out, lim->max_wire_bytes);
            if (r < 0) {
                out->overflow = 1;
                break;
            }
            eof = r;
        }
        if (pf[1].revents) {
            exited = 1;
            kill(-pid, SIGKILL); /* stragglers holding the pipe open */
        }
    }
}

int child_run(const child_job_t *job, child_out_t *out)
{
    int p[2] = { -1, -1 }, pidfd = -1, rc = 0;
    pid_t parent = getpid();
    memset(out, 0, sizeof *out);
    if (!(out->buf = malloc(job->limits.max_wire_bytes ? job->limits.max_wire_bytes : 1)))
        return al_err_set(AL_ENOMEM, "plugin host: out of memory");
    if (pipe2(p, O_CLOEXEC) != 0)
        return al_err_set_errno(AL_EIO, "plugin host: pipe");
    uint64_t t0 = now_us();
    pid_t pid = fork();
    if (pid < 0) {
        rc = al_err_set_errno(AL_EIO, "plugin host: fork");
        goto done;
    }
    if (pid == 0) {
        close(p[0]);
        child_main(job, p[1], parent);
    }
    setpgid(pid, pid);
    close(p[1]);
    p[1] = -1;
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        rc = al_err_set_errno(AL_EIO, "plugin host: pidfd_open");
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    } else {
        supervise(pid, p[0], pidfd, &job->limits, out);
    }
    kill(-pid, SIGKILL); /* no-op when it is already gone */
    while (waitpid(pid, &out->wait_status, 0) < 0 && errno == EINTR)
        ;
    out->wall_us = now_us() - t0;
done:
    if (pidfd >= 0)
        close(pidfd);
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0)
            close(p[i]);
    return rc;
}

void child_out_free(child_out_t *out)
{
    free(out->buf);
    memset(out, 0, sizeof *out);
}
