/*
 * init_exec.c: runs one EXEC request inside the guest for airlock-init.
 *
 * The command runs as the unprivileged sandbox user (uid/gid 1000, no
 * supplementary groups), under no_new_privs and the workload syscall filter
 * every driver uses (worker/guest/workload_seccomp.c; a command is refused
 * when init could not build it), in the cgroup INIT_CGROUP with pids.max and
 * memory.max set from the request, stdin from /dev/null, stdout/stderr on
 * pipes streamed to the host as OUTPUT frames up to max_output bytes (the rest
 * is read, counted and dropped). When the main process exits, or the timeout
 * passes, every process left in the cgroup is killed (cgroup.kill). The EXIT
 * frame carries status, signal, rusage, wall time and the truncated,
 * timed-out and oom flags. The command runs in the process init made ahead
 * while idle (init_prefork.c) when there is one, else in one forked now; then
 * the next one is made. Owns the pipes and the child for the call's length.
 */
#include "worker/guest/init.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    init_ctx_t *c;
    const agent_msg_t *rq;
    int fds[2];              /* stdout, stderr read ends; -1 when closed */
    uint64_t bytes[2];
    uint64_t sent;           /* bytes forwarded to the host (both streams) */
    int truncated, timed_out, main_done, status;
    struct rusage ru;
    pid_t pid;
} run_t;

static long s_oom_kills(void)
{
    char buf[512];
    int fd = open(INIT_CGROUP "/memory.events", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    const char *p = strstr(buf, "oom_kill ");
    return p ? strtol(p + 9, NULL, 10) : 0;
}

static void s_set_limit(const char *knob, uint64_t v)
{
    char path[128], val[32];
    snprintf(path, sizeof path, INIT_CGROUP "/%s", knob);
    if (v)
        snprintf(val, sizeof val, "%llu", (unsigned long long)v);
    else
        snprintf(val, sizeof val, "max");
    if (init_write_file(path, val) < 0)
        init_log("cannot set %s=%s: %s", knob, val, strerror(errno));
}

static char **s_build_env(const agent_msg_t *rq)
{
    static const char *const base[] = {
        "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin",
        "HOME=/workspace", "USER=sandbox", "LOGNAME=sandbox", "LANG=C.UTF-8",
        "TMPDIR=/tmp", "SHELL=/bin/sh",
    };
    size_t nb = sizeof base / sizeof base[0], n = 0;
    char **env = calloc(nb + rq->envc + 1, sizeof *env);
    if (!env)
        return NULL;
    /* the request's entries first (an environment's PATH wins), then the
     * defaults it did not set, as on every driver */
    for (size_t i = 0; i < rq->envc; i++)
        env[n++] = rq->env[i];
    for (size_t i = 0; i < nb; i++) {
        size_t k = strcspn(base[i], "=") + 1;
        int set = 0;
        for (size_t j = 0; j < rq->envc && !set; j++)
            set = strncmp(rq->env[j], base[i], k) == 0;
        if (!set)
            env[n++] = (char *)base[i];
    }
    return env;
}

/* In the child: never returns. */
static void s_child(const init_ctx_t *c, const agent_msg_t *rq, char *const env[], int out_w, int err_w)
{
    init_confine(c, rq->uid, out_w, err_w, -1);
    init_run_program(rq->cwd, rq->argv, env);
}

static void s_forward(run_t *r, int i)
{
    char buf[AGENT_OUTPUT_CHUNK];
    ssize_t n = read(r->fds[i], buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        close(r->fds[i]);
        r->fds[i] = -1;
        return;
    }
    r->bytes[i] += (uint64_t)n;
    uint64_t room = r->rq->max_output > r->sent ? r->rq->max_output - r->sent : 0;
    size_t take = (uint64_t)n < room ? (size_t)n : (size_t)room;
    if (take < (size_t)n)
        r->truncated = 1;
    if (take == 0)
        return;
    agent_msg_t m = { .type = AGENT_MSG_OUTPUT, .id = r->rq->id, .stream = (uint64_t)i + 1,
                      .data = (unsigned char *)buf, .data_len = take };
    r->sent += take;
    if (agent_frame_send(r->c->port, &m) < 0)
        init_log("output not sent: %s", al_err_msg());
}

static void s_reap(run_t *r)
{
    struct signalfd_siginfo si;
    while (read(r->c->sigchld, &si, sizeof si) > 0) {
    }
    for (;;) {
        int st;
        struct rusage ru;
        pid_t p = wait4(-1, &st, WNOHANG, &ru);
        if (p <= 0)
            return;
        if (p == r->pid) {
            r->status = st;
            r->ru = ru;
            r->main_done = 1;
            (void)init_write_file(INIT_CGROUP "/cgroup.kill", "1");
        }
    }
}

static void s_loop(run_t *r, uint64_t deadline)
{
    while (!r->main_done || r->fds[0] >= 0 || r->fds[1] >= 0) {
        struct pollfd p[4] = {
            { .fd = r->fds[0], .events = POLLIN }, { .fd = r->fds[1], .events = POLLIN },
            { .fd = r->c->sigchld, .events = POLLIN }, { .fd = r->c->procev, .events = POLLIN },
        };
        int wait = -1;
        if (deadline && !r->timed_out) {
            uint64_t now = agent_now_ms();
            wait = now >= deadline ? 0 : (int)(deadline - now);
        }
        int n = poll(p, 4, wait);
        if (n < 0 && errno != EINTR)
            break;
        if (n == 0 && deadline && !r->timed_out) {
            r->timed_out = 1;
            (void)init_write_file(INIT_CGROUP "/cgroup.kill", "1");
        }
        for (int i = 0; i < 2; i++)
            if (r->fds[i] >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                s_forward(r, i);
        if (p[3].revents & POLLIN)
            init_procev_drain(r->c);
        s_reap(r);
    }
}

static void s_send_exit(run_t *r, uint64_t wall_us, int oom)
{
    agent_msg_t m = { .type = AGENT_MSG_EXIT, .id = r->rq->id };
    m.exited = WIFEXITED(r->status) ? 1 : 0;
    m.exit_code = WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
    m.signal = WIFSIGNALED(r->status) ? WTERMSIG(r->status) : 0;
    m.timed_out = r->timed_out;
    m.truncated = r->truncated;
    m.oom = oom;
    m.stdout_bytes = r->bytes[0];
    m.stderr_bytes = r->bytes[1];
    m.wall_us = wall_us;
    m.user_us = (uint64_t)r->ru.ru_utime.tv_sec * 1000000u + (uint64_t)r->ru.ru_utime.tv_usec;
    m.sys_us = (uint64_t)r->ru.ru_stime.tv_sec * 1000000u + (uint64_t)r->ru.ru_stime.tv_usec;
    m.max_rss_kb = (uint64_t)r->ru.ru_maxrss;
    if (agent_frame_send(r->c->port, &m) < 0)
        init_log("exit not sent: %s", al_err_msg());
}

void init_exec_run(init_ctx_t *c, const agent_msg_t *rq)
{
    if (rq->argc == 0 || !rq->argv[0][0]) {
        init_reply_err(c, rq->id, "exec: empty argv");
        return;
    }
    run_t r = { .c = c, .rq = rq, .fds = { -1, -1 } };
    int out[2] = { -1, -1 }, err[2] = { -1, -1 };
    char **env = NULL;
    s_set_limit("pids.max", rq->max_procs);
    s_set_limit("memory.max", rq->memory_max);
    long oom0 = s_oom_kills();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t deadline = rq->timeout_ms ? agent_now_ms() + rq->timeout_ms : 0;
    c->cur_id = rq->id;
    env = s_build_env(rq);
    if (!env) {
        init_reply_err(c, rq->id, "exec: out of memory");
        goto done;
    }
    r.pid = init_prefork_hand(c, rq, env, r.fds);
    if (r.pid == 0) {
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
            init_reply_err(c, rq->id, "exec: pipe: %s", strerror(errno));
            goto done;
        }
        r.pid = fork();
        if (r.pid < 0) {
            init_reply_err(c, rq->id, "exec: fork: %s", strerror(errno));
            goto done;
        }
        if (r.pid == 0)
            s_child(c, rq, env, out[1], err[1]);
        close(out[1]);
        close(err[1]);
        out[1] = err[1] = -1;
        r.fds[0] = out[0];
        r.fds[1] = err[0];
        out[0] = err[0] = -1;
    }
    fcntl(r.fds[0], F_SETFL, O_NONBLOCK);
    fcntl(r.fds[1], F_SETFL, O_NONBLOCK);
    s_loop(&r, deadline);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    init_procev_drain(c);
    init_procev_report_lost(c, rq->id);
    uint64_t wall = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000u + (uint64_t)((t1.tv_nsec - t0.tv_nsec) / 1000);
    s_send_exit(&r, wall, s_oom_kills() > oom0);
done:
    c->cur_id = 0;
    for (int i = 0; i < 2; i++) {
        if (r.fds[i] >= 0)
            close(r.fds[i]);
        if (out[i] >= 0)
            close(out[i]);
        if (err[i] >= 0)
            close(err[i]);
    }
    free(env);
    init_prefork_make(c);
}

void init_reap(init_ctx_t *c)
{
    struct signalfd_siginfo si;
    while (read(c->sigchld, &si, sizeof si) > 0) {
    }
    pid_t pid;
    while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
        init_prefork_reaped(c, pid);
}
