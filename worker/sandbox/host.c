/*
 * host.c: the "host" driver. NO ISOLATION: commands run as the worker's own
 * user directly on the host, in a copy of nothing: /workspace is the caller's
 * host directory itself. It exists for development and for testing the
 * control plane on machines without namespaces or a VMM, is disabled unless
 * the operator enables it explicitly, and says isolation=none in every result.
 *
 * Owns: one child process group at a time (killed on timeout, interrupt and
 * destroy) and the pipes to it.
 */
#include "worker/sandbox/sandbox_driver.h"
#include "common/error.h"
#include "common/log.h"
#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static atomic_int s_enabled;

void sandbox_host_driver_enable(void) { atomic_store(&s_enabled, 1); }

typedef struct {
    sandbox_t base;
    char *workspace;
    char kernel[128];
    atomic_int pgid;
} host_t;

static int s_available(void)
{
    if (atomic_load(&s_enabled))
        return 1;
    al_err_set(AL_ESANDBOX, "the host driver has no isolation and is off; "
                            "enable it with --insecure-host-driver (development only)");
    return 0;
}

static int s_create(sandbox_t **out, const sandbox_spec_t *spec)
{
    if (!s_available())
        return AL_ESANDBOX;
    host_t *h = calloc(1, sizeof *h);
    if (!h)
        return al_err_set(AL_ENOMEM, "out of memory");
    struct utsname u;
    uname(&u);
    snprintf(h->kernel, sizeof h->kernel, "%s", u.release);
    h->base.ops = &sandbox_host_ops;
    h->base.info.driver = "host";
    h->base.info.isolation = "none";
    h->base.info.kernel = h->kernel;
    h->base.info.vmm = "";
    h->base.info.limits = spec->limits;
    if (!h->base.info.limits.max_output_bytes)
        h->base.info.limits.max_output_bytes = 16u << 20;
    *out = &h->base;
    return AL_OK;
}

static int s_workspace_in(sandbox_t *sb, const char *dir)
{
    host_t *h = (host_t *)sb;
    free(h->workspace);
    h->workspace = strdup(dir);
    return h->workspace ? AL_OK : al_err_set(AL_ENOMEM, "out of memory");
}

static int s_workspace_out(sandbox_t *sb, const char *dir)
{
    host_t *h = (host_t *)sb;
    if (h->workspace && strcmp(h->workspace, dir) != 0)
        return al_err_set(AL_EINVAL, "host driver shares its workspace: out dir must be %s", h->workspace);
    return AL_OK;
}

static void s_child(const sandbox_exec_req_t *req, const char *workspace, int out, int err)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);   /* the worker's thread ends: so does the command */
    dup2(out, 1);
    dup2(err, 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
        dup2(devnull, 0);
    const char *cwd = req->cwd && strncmp(req->cwd, "/workspace", 10) != 0 ? req->cwd : workspace;
    if (cwd && chdir(cwd) != 0)
        _exit(127);
    for (const char *const *e = req->env; e && *e; e++)
        putenv((char *)*e);
    execvp(req->argv[0], (char *const *)req->argv);
    dprintf(2, "airlock host driver: cannot run %s: %s\n", req->argv[0], strerror(errno));
    _exit(127);
}

/* Reads what is ready on fd; counts everything, forwards up to the cap. */
static int s_drain(int fd, int stream, const sandbox_exec_req_t *req, uint64_t cap,
                   uint64_t *total, sandbox_exec_result_t *res)
{
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0)
        return (n < 0 && errno == EINTR) ? 1 : 0;
    uint64_t before = *total;
    *total += (uint64_t)n;
    if (stream == SANDBOX_STDOUT)
        res->stdout_bytes += (uint64_t)n;
    else
        res->stderr_bytes += (uint64_t)n;
    if (before < cap && req->on_output) {
        uint64_t room = cap - before;
        req->on_output(req->ctx, stream, buf, (size_t)((uint64_t)n < room ? (uint64_t)n : room));
    }
    if (*total > cap)
        res->output_truncated = 1;
    return 1;
}

static int s_exec(sandbox_t *sb, const sandbox_exec_req_t *req, sandbox_exec_result_t *res)
{
    host_t *h = (host_t *)sb;
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return al_err_set_errno(AL_EIO, "pipe");
    if (pipe2(err, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return al_err_set_errno(AL_EIO, "pipe");
    }
    uint64_t start = al_mono_us();
    pid_t pid = fork();
    if (pid == 0)
        s_child(req, h->workspace, out[1], err[1]);
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(out[0]);
        close(err[0]);
        return al_err_set_errno(AL_EIO, "fork");
    }
    setpgid(pid, pid);
    atomic_store(&h->pgid, pid);
    uint64_t cap = req->max_output_bytes ? req->max_output_bytes : sb->info.limits.max_output_bytes;
    uint64_t total = 0, deadline = req->timeout_ms ? start + (uint64_t)req->timeout_ms * 1000 : 0;
    struct pollfd fds[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
    int open_fds = 2;
    while (open_fds > 0) {
        int wait_ms = 1000;
        if (deadline) {
            uint64_t now = al_mono_us();
            if (now >= deadline) {
                res->timed_out = 1;
                kill(-pid, SIGKILL);
                break;
            }
            wait_ms = (int)((deadline - now) / 1000) + 1;
        }
        if (poll(fds, 2, wait_ms) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
                !s_drain(fds[i].fd, i + 1, req, cap, &total, res)) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++) {
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    }
    kill(-pid, SIGKILL);   /* nothing of the command outlives it */
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
        ;
    atomic_store(&h->pgid, 0);
    res->wall_us = al_mono_us() - start;
    res->user_us = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec;
    res->sys_us = (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
    res->max_rss_kb = (uint64_t)ru.ru_maxrss;
    res->exited = WIFEXITED(status);
    res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    res->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return AL_OK;
}

static void s_interrupt(sandbox_t *sb)
{
    host_t *h = (host_t *)sb;
    int pgid = atomic_load(&h->pgid);
    if (pgid > 0)
        kill(-pgid, SIGKILL);
}

static void s_destroy(sandbox_t *sb)
{
    host_t *h = (host_t *)sb;
    s_interrupt(sb);
    free(h->workspace);
    free(h);
}

const sandbox_ops_t sandbox_host_ops = {
    .name = "host",
    .available = s_available,
    .create = s_create,
    .workspace_in = s_workspace_in,
    .exec = s_exec,
    .workspace_out = s_workspace_out,
    .shares_workspace = 1,
    .destroy = s_destroy,
    .interrupt = s_interrupt,
};
