/*
 * child.c: what runs in the plugin child process after fork: confinement
 * (process group, parent-death signal, rlimits, every descriptor but the
 * result pipe closed), then either a PROBE (load, report the descriptor) or
 * a RUN (load, init/analyze/fini over the input, stream findings). The host
 * table handed to the plugin lives here; it validates and bounds every
 * finding before it reaches the pipe. Between init and analyze the child
 * installs a seccomp filter (child_seccomp.c). Always ends in _exit (no atexit
 * handlers of the parent run in the child).
 */
#include "worker/plugin_host/plugin_host_child.h"

#include "common/error.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define CHILD_FD 3
#define CHILD_MAX_LOGS 100

typedef struct {
    int fd;
    unsigned max_findings;
    unsigned sent;
    unsigned logs;
    uint64_t dropped;
} child_ctx_t;

static uint64_t vm_size_bytes(void)
{
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void limit(int res, rlim_t soft, rlim_t hard)
{
    struct rlimit rl = { soft, hard };
    setrlimit(res, &rl);
}

/* Confines the freshly forked child; the pipe's write end becomes fd 3. */
static void child_confine(int wfd, pid_t parent, const plugin_limits_t *lim)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(120);
    /* Default dispositions and nothing blocked: the parent's handlers (a
     * test framework's, a daemon's) must not catch the plugin's crash. */
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_UNBLOCK, &all, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    if (wfd != CHILD_FD) {
        if (dup2(wfd, CHILD_FD) < 0)
            _exit(121);
        close(wfd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        dup2(devnull, 0);
        close(devnull);
    }
    close_range(CHILD_FD + 1, ~0u, 0);
    /* RLIMIT_AS counts what is mapped already (a lot under ASan): the budget
     * is on top of the current size. */
    uint64_t as = vm_size_bytes() + lim->memory_bytes;
    limit(RLIMIT_AS, as, as);
    limit(RLIMIT_CPU, lim->cpu_s, lim->cpu_s + 1);
    limit(RLIMIT_FSIZE, 0, 0);
    limit(RLIMIT_CORE, 0, 0);
}

static int rule_ok(const char *s)
{
    size_t n = s ? strnlen(s, AIRLOCK_MAX_RULE_ID + 1) : 0;
    return n >= 1 && n <= AIRLOCK_MAX_RULE_ID
           && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int host_emit(void *vctx, const airlock_finding_t *f)
{
    child_ctx_t *c = vctx;
    if (!f || f->struct_size < sizeof *f || !rule_ok(f->rule_id) || !f->message
        || f->severity < AIRLOCK_SEV_INFO || f->severity > AIRLOCK_SEV_CRITICAL)
        return AIRLOCK_E_INVAL;
    if (c->sent >= c->max_findings) {
        c->dropped++;
        return AIRLOCK_E_LIMIT;
    }
    if (wire_send_finding(c->fd, f) != 0)
        _exit(122);
    c->sent++;
    return AIRLOCK_OK;
}

static void host_log(void *vctx, int level, const char *msg)
{
    child_ctx_t *c = vctx;
    if (c->logs++ < CHILD_MAX_LOGS && wire_send_log(c->fd, level, msg) != 0)
        _exit(122);
}

static void *host_alloc(void *ctx, size_t n) { return malloc(n ? n : 1); }
static void host_free(void *ctx, void *p) { free(p); }

void child_main(const child_job_t *job, int wfd, pid_t parent)
{
    plugin_t *p = NULL;
    child_confine(wfd, parent, &job->limits);
    if (plugin_host_load(job->path, &p) != 0) {
        wire_send_error(CHILD_FD, al_err_msg());
        _exit(0);
    }
    const airlock_plugin_t *d = plugin_descriptor(p);
    if (!job->input) {
        wire_send_info(CHILD_FD, d);
        _exit(0);
    }
    child_ctx_t ctx = { CHILD_FD, job->limits.max_findings, 0, 0, 0 };
    airlock_host_t host = { sizeof host, AIRLOCK_PLUGIN_ABI_VERSION, host_emit, host_log,
                            host_alloc, host_free, &ctx };
    plugin_input_trim(job->input, d->capabilities); /* our copy-on-write view */
    void *state = NULL;
    int arc = 0, irc = d->init(&host, &state);
    if (irc == 0 && child_seccomp_install(CHILD_FD) != 0) {
        wire_send_error(CHILD_FD, "cannot install the seccomp filter");
        _exit(0);
    }
    if (irc == 0) {
        arc = d->analyze(state, &job->input->in);
        d->fini(state);
    }
    wire_send_done(CHILD_FD, irc, arc, ctx.dropped);
    _exit(0);
}
