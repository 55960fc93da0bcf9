/*
 * gvisor.c: the "gvisor" sandbox driver (sandbox_gvisor_ops): gVisor's runsc
 * as an OCI runtime, a user-space kernel (the Sentry) between the workload
 * and the host kernel. Recorded as isolation=gvisor with the platform and the
 * runsc version (info.vmm) in every result; info.kernel is the HOST kernel
 * the Sentry itself runs on through a seccomp-filtered set of syscalls.
 *
 * A sandbox is a state directory, a private mount namespace (the workspace
 * tmpfs, the root), a cgroup and an abstract unix socket for runsc's trace
 * connection (gvisor.h lists the files). It runs no process between
 * commands: each command is a fresh container (gvisor_exec.c) and ends with
 * every process it started. sandbox_interrupt() kills the running command
 * and every later one (the task is being cancelled).
 *
 * Workspace: /workspace is a bind of the workspace tmpfs. workspace_in copies
 * a host directory into it before the first command; workspace_out copies it
 * into an empty host directory after killing whatever was left, with
 * gvisor_copy.c's walks (links never followed, no setuid/setgid, no devices).
 * A layered workspace is attached instead (gv_fs_attach): the host's overlay
 * is moved over the tmpfs and nothing is copied either way.
 *
 * Probe (once per process): root, runsc found and its version, the guest
 * helpers built, cgroups usable, and a real sandbox runs `true` on the chosen
 * platform (AIRLOCK_GVISOR_PLATFORM=ptrace|systrap|kvm, else systrap when this
 * runsc has it, else ptrace). AIRLOCK_RUNSC names the binary,
 * AIRLOCK_GVISOR_GUEST_DIR the helpers, AIRLOCK_KEEP_GVISOR_STATE=1 keeps the
 * state directory for debugging.
 */
#include "worker/sandbox/gvisor.h"
#include "worker/sandbox/sandbox_knobs.h"
#include "worker/sandbox/workspace_room.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AIRLOCK_BUILD_DIR
#define AIRLOCK_BUILD_DIR "."
#endif

static atomic_uint s_counter;

static uint64_t s_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- runsc, its version and platform (once) ---- */

static gv_runtime_t s_rt;
static char s_rt_runsc[PATH_MAX], s_rt_guest[PATH_MAX], s_rt_err[400];
static int s_rt_ok;
static pthread_once_t s_rt_once = PTHREAD_ONCE_INIT;

/* Runs argv (no shell), returns its stdout+stderr (bounded) and exit status. */
static int s_capture(const char *const *argv, char *out, size_t size)
{
    int p[2];
    out[0] = '\0';
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
            _exit(127);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    size_t len = 0;
    ssize_t n;
    while (pid > 0 && (n = read(p[0], out + len, size - 1 - len)) != 0) {
        if (n < 0 && errno != EINTR)
            break;
        len += n > 0 ? (size_t)n : 0;
        if (len == size - 1)
            break;
    }
    out[len] = '\0';
    close(p[0]);
    int status = -1;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *s_pick(const char *knob, const char *const *candidates, char *buf, size_t size, int dir)
{
    const char *e = sandbox_knob(knob);
    for (size_t i = 0; e ? i == 0 : candidates[i] != NULL; i++) {
        const char *c = e ? e : candidates[i];
        struct stat st;
        if (stat(c, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode) && access(c, X_OK) == 0)) {
            snprintf(buf, size, "%s", c);
            return buf;
        }
    }
    return NULL;
}

static void s_platform(char *out, size_t size)
{
    const char *want = sandbox_knob("gvisor_platform");
    if (want && *want) {
        snprintf(out, size, "%s", want);
        return;
    }
    char text[1024];
    const char *argv[] = { s_rt.runsc, "help", "platforms", NULL };
    s_capture(argv, text, sizeof text);
    snprintf(out, size, "%s", strstr(text, "systrap") ? "systrap" : "ptrace");
}

static void s_rt_init(void)
{
    static const char *const runscs[] = { "/usr/bin/runsc", "/usr/sbin/runsc", "/usr/local/bin/runsc", NULL };
    static const char *const guests[] = { AIRLOCK_BUILD_DIR "/worker/sandbox/gvisor_guest/airlock",
                                          "/usr/lib/airlock/gvisor", NULL };
    if (!(s_rt.runsc = s_pick("runsc", runscs, s_rt_runsc, sizeof s_rt_runsc, 0))) {
        snprintf(s_rt_err, sizeof s_rt_err, "runsc not found (install the runsc package or set AIRLOCK_RUNSC)");
        return;
    }
    if (!(s_rt.guest_dir = s_pick("gvisor_guest_dir", guests, s_rt_guest, sizeof s_rt_guest, 1))) {
        snprintf(s_rt_err, sizeof s_rt_err, "gvisor guest helpers not built (target airlock_gvisor_guest, "
                 "AIRLOCK_GVISOR_GUEST_DIR)");
        return;
    }
    char p[PATH_MAX + 16], text[512];
    snprintf(p, sizeof p, "%s/init", s_rt.guest_dir);
    const char *argv[] = { s_rt.runsc, "--version", NULL };
    if (access(p, X_OK) != 0 || s_capture(argv, text, sizeof text) != 0 ||
        sscanf(text, "runsc version %63s", s_rt.version) != 1) {
        snprintf(s_rt_err, sizeof s_rt_err, "%.300s: %s", access(p, X_OK) ? p : s_rt.runsc,
                 access(p, X_OK) ? "missing" : "runsc --version failed");
        return;
    }
    s_platform(s_rt.platform, sizeof s_rt.platform);
    snprintf(s_rt.vmm, sizeof s_rt.vmm, "runsc %s platform=%s", s_rt.version, s_rt.platform);
    s_rt_ok = 1;
}

int gv_runtime(const gv_runtime_t **out)
{
    pthread_once(&s_rt_once, s_rt_init);
    *out = s_rt_ok ? &s_rt : NULL;
    return s_rt_ok ? 0 : al_err_set(AL_ESANDBOX, "gvisor driver unavailable: %s", s_rt_err);
}

/* ---- create ---- */

static void s_destroy(sandbox_t *base);

static void s_limits(sandbox_limits_t *l, const sandbox_limits_t *in)
{
    *l = *in;
    l->vcpus = l->vcpus ? l->vcpus : 1;
    l->memory_mb = l->memory_mb ? l->memory_mb : GV_DEFAULT_MEMORY_MB;
    l->disk_mb = l->disk_mb ? l->disk_mb : GV_DEFAULT_DISK_MB;
    l->max_procs = l->max_procs ? l->max_procs : GV_DEFAULT_PROCS;
    l->max_output_bytes = l->max_output_bytes ? l->max_output_bytes : GV_DEFAULT_OUTPUT;
}

static int s_check_spec(const sandbox_spec_t *spec)
{
    const char *tok = spec->egress_token;
    if (tok && (strpbrk(tok, "@/:#?% \t\r\n") || strlen(tok) > 256))
        return al_err_set(AL_EINVAL, "egress_token must be URL-safe and at most 256 bytes");
    struct stat st;
    if (spec->env && (!spec->env->tree || stat(spec->env->tree, &st) < 0 || !S_ISDIR(st.st_mode)))
        return al_err_set(AL_EINVAL, "gvisor: environment %s has no tree directory",
                          spec->env->digest ? spec->env->digest : "(unnamed)");
    return 0;
}

/* The trace socket: abstract (no path length limit, nothing on disk); only
 * the runsc this driver started is accepted on it (SO_PEERCRED). */
static int s_trace_socket(gv_sandbox_t *sb, unsigned n)
{
    char name[64], endpoint[72], cfg[PATH_MAX];
    snprintf(name, sizeof name, "airlock-gv-%d-%u-trace", (int)getpid(), n);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memcpy(sa.sun_path + 1, name, strlen(name));
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
    sb->trace_ls = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (sb->trace_ls < 0 || bind(sb->trace_ls, (struct sockaddr *)&sa, len) < 0 || listen(sb->trace_ls, 4) < 0)
        return al_err_set_errno(AL_ESANDBOX, "gvisor: trace socket");
    snprintf(endpoint, sizeof endpoint, "@%s", name);
    snprintf(cfg, sizeof cfg, "%s/trace.json", sb->dir);
    return gv_trace_config_write(cfg, endpoint);
}

static int s_parts(gv_sandbox_t *sb, const sandbox_spec_t *spec, unsigned n)
{
    const sandbox_limits_t *l = &sb->base.info.limits;
    char name[64];
    snprintf(name, sizeof name, "airlock-gv-%d-%u", (int)getpid(), n);
    gv_cg_limits_t cl = { ((uint64_t)l->memory_mb + l->disk_mb + GV_OVERHEAD_MB) << 20,
                          l->max_procs * GV_HOST_PIDS_PER_PROC + GV_HOST_PIDS_BASE, l->vcpus };
    int rc = gv_cgroup_new(&sb->cg, name, &cl);
    if (rc == 0 && spec->env && (!(sb->env_tree = strdup(spec->env->tree)) ||
                                 !(sb->env_digest = strdup(spec->env->digest ? spec->env->digest : "?"))))
        rc = al_err_set(AL_ENOMEM, "gvisor: out of memory");
    sb->base.info.environment = sb->env_digest;
    if (rc == 0 && spec->egress_socket && !(sb->egress_socket = strdup(spec->egress_socket)))
        rc = al_err_set(AL_ENOMEM, "gvisor: out of memory");
    rc = rc ?: gv_fs_setup(sb, spec);
    rc = rc ?: s_trace_socket(sb, n);
    if (rc == 0 && spec->egress_socket) {
        const char *tok = spec->egress_token;
        if (asprintf(&sb->proxy_url, "http://%s%s%s127.0.0.1:%d", tok ? "airlock:" : "", tok ? tok : "",
                     tok ? "@" : "", GV_PROXY_PORT) < 0) {
            sb->proxy_url = NULL;
            rc = al_err_set(AL_ENOMEM, "gvisor: out of memory");
        }
    }
    return rc;
}

static int s_create_unprobed(sandbox_t **out, const sandbox_spec_t *spec)
{
    uint64_t t0 = s_mono_us();
    *out = NULL;
    const gv_runtime_t *rt;
    int rc = s_check_spec(spec);
    if (rc || (rc = gv_runtime(&rt)) != 0)
        return rc;
    gv_cgroup_sweep();
    gv_sandbox_t *sb = calloc(1, sizeof *sb);
    if (!sb)
        return al_err_set(AL_ENOMEM, "gvisor: out of memory");
    sb->base.ops = &sandbox_gvisor_ops;
    sb->rt = rt;
    sb->mntns_fd = sb->ws_fd = sb->root_fd = sb->trace_ls = -1;
    s_limits(&sb->base.info.limits, &spec->limits);
    struct utsname u;
    snprintf(sb->kernel, sizeof sb->kernel, "%s", uname(&u) == 0 ? u.release : "?");
    sb->base.info.driver = "gvisor";
    sb->base.info.isolation = "gvisor";
    sb->base.info.kernel = sb->kernel;
    sb->base.info.vmm = rt->vmm;
    unsigned n = atomic_fetch_add(&s_counter, 1);
    sb->serial = n;
    sb->task_id = strdup(spec->task_id ? spec->task_id : "-");
    rc = sb->task_id ? s_parts(sb, spec, n) : al_err_set(AL_ENOMEM, "gvisor: out of memory");
    if (rc) {
        al_warn("sandbox.gvisor.create_failed", "task=%s reason=\"%s\"", sb->task_id ? sb->task_id : "-",
                al_err_msg());
        int code = al_err_code();
        s_destroy(&sb->base);
        return code ? code : rc;
    }
    sb->base.info.create_us = s_mono_us() - t0;
    al_info("sandbox.gvisor.created", "task=%s platform=%s cgroup=%s create_us=%llu", sb->task_id,
            rt->platform, gv_cgroup_version(sb->cg), (unsigned long long)sb->base.info.create_us);
    *out = &sb->base;
    return 0;
}

/* ---- available(): once per process, a real sandbox runs `true` ---- */

static int s_probe_ok;
static char s_probe_reason[600];
static pthread_once_t s_probe_once = PTHREAD_ONCE_INIT;

static void s_probe(void)
{
    const gv_runtime_t *rt;
    if (geteuid() != 0) {
        snprintf(s_probe_reason, sizeof s_probe_reason, "the gvisor driver needs root (runsc, cgroups)");
        return;
    }
    if (gv_runtime(&rt) != 0 || !gv_cgroup_available()) {
        snprintf(s_probe_reason, sizeof s_probe_reason, "%s", al_err_msg());
        return;
    }
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = "gvisor";
    spec.task_id = "gvisor-probe";
    sandbox_t *sb = NULL;
    const char *argv[] = { "true", NULL };
    sandbox_exec_req_t req = { .argv = argv, .timeout_ms = 60000 };
    sandbox_exec_result_t res;
    memset(&res, 0, sizeof res);
    int rc = s_create_unprobed(&sb, &spec);
    if (rc == 0)
        rc = gv_exec_run((gv_sandbox_t *)sb, &req, &res);
    if (rc == 0 && (!res.exited || res.exit_code != 0))
        rc = al_err_set(AL_ESANDBOX, "`true` in a gVisor sandbox: exit %d signal %d", res.exit_code, res.signal);
    if (rc != 0)
        snprintf(s_probe_reason, sizeof s_probe_reason, "runsc %s platform=%s: %s", rt->version, rt->platform,
                 al_err_msg());
    sandbox_destroy(&sb);
    s_probe_ok = rc == 0;
    al_info("sandbox.gvisor.probe", "ok=%d runsc=%s platform=%s", s_probe_ok, rt->version, rt->platform);
}

static int s_available(void)
{
    pthread_once(&s_probe_once, s_probe);
    if (!s_probe_ok)
        al_err_set(AL_ESANDBOX, "gvisor driver unavailable: %s", s_probe_reason);
    return s_probe_ok;
}

static int s_create(sandbox_t **out, const sandbox_spec_t *spec)
{
    *out = NULL;
    if (!s_available())
        return AL_ESANDBOX;
    return s_create_unprobed(out, spec);
}

/* ---- workspace ---- */

static int s_workspace_in(sandbox_t *base, const char *host_dir)
{
    gv_sandbox_t *sb = (gv_sandbox_t *)base;
    if (sb->execs > 0 || sb->attached)
        return al_err_set(AL_ESTATE, "gvisor workspace_in after a command ran or a workspace was attached "
                          "(task=%s)", sb->task_id);
    /* disk_mb is the room for what the stage writes, the tree comes on top */
    if (host_dir && host_dir[0]) {
        tree_usage_t tu;
        int rc = tree_usage(host_dir, &tu);
        if (rc == 0)
            rc = workspace_room_fit(sb->ws_fd, &tu, base->info.limits.disk_mb, 1, NULL);
        if (rc)
            return rc;
    }
    gv_copy_stats_t st;
    int rc = gv_copy_in(sb->ws_fd, host_dir ? host_dir : "", GV_WORKLOAD_ID, GV_WORKLOAD_ID, &st);
    if (rc)
        return al_err_wrap(rc, "gvisor workspace_in (full workspace? disk_mb=%u)", base->info.limits.disk_mb);
    return 0;
}

static int s_workspace_out(sandbox_t *base, const char *host_dir)
{
    gv_sandbox_t *sb = (gv_sandbox_t *)base;
    if (sb->broken)
        return al_err_set(AL_ESTATE, "gvisor sandbox is broken (task=%s)", sb->task_id);
    if (sb->attached)   /* the stage wrote into the attached mount itself */
        return al_err_set(AL_ESTATE, "gvisor workspace_out of an attached workspace (task=%s)", sb->task_id);
    if (gv_cgroup_kill(sb->cg) < 0)   /* nothing of the sandbox may run while we read */
        return al_err_wrap(AL_ESANDBOX, "gvisor workspace_out");
    gv_copy_stats_t st;
    int rc = gv_copy_out(sb->ws_fd, host_dir ? host_dir : "", &st);
    if (rc)
        return al_err_wrap(rc, "gvisor workspace_out");
    if (st.skipped || st.mode_bits_dropped)
        al_info("sandbox.gvisor.workspace_out", "task=%s skipped=%llu mode_bits_dropped=%llu", sb->task_id,
                (unsigned long long)st.skipped, (unsigned long long)st.mode_bits_dropped);
    return 0;
}

/* Layered workspace (docs/WORKSPACE.md): the host's overlay becomes
 * /workspace of every later command (gv_fs_attach). */
static int s_workspace_attach(sandbox_t *base, const char *host_dir)
{
    gv_sandbox_t *sb = (gv_sandbox_t *)base;
    if (sb->execs > 0 || sb->attached)
        return al_err_set(AL_ESTATE, "gvisor workspace_attach after a command ran or a second time (task=%s)",
                          sb->task_id);
    return gv_fs_attach(sb, host_dir);
}

/* ---- exec, interrupt, destroy ---- */

static int s_exec(sandbox_t *base, const sandbox_exec_req_t *req, sandbox_exec_result_t *res)
{
    gv_sandbox_t *sb = (gv_sandbox_t *)base;
    if (sb->broken)
        return al_err_set(AL_ESTATE, "gvisor sandbox is broken (task=%s)", sb->task_id);
    if (atomic_load(&sb->interrupted)) {   /* cancelled: run nothing more */
        res->signal = SIGKILL;
        return 0;
    }
    int rc = gv_exec_run(sb, req, res);
    al_info("sandbox.gvisor.exec", "task=%s rc=%d exit=%d signal=%d timed_out=%d oom=%d truncated=%d "
            "wall_us=%llu", sb->task_id, rc, res->exit_code, res->signal, res->timed_out, res->oom_killed,
            res->output_truncated, (unsigned long long)res->wall_us);
    return rc;
}

static void s_interrupt(sandbox_t *base)
{
    gv_sandbox_t *sb = (gv_sandbox_t *)base;
    atomic_store(&sb->interrupted, 1);
    if (atomic_load(&sb->running))
        gv_cgroup_kill(sb->cg);
}

static void s_destroy(sandbox_t *base)
{
    gv_sandbox_t *sb = (gv_sandbox_t *)base;
    gv_cgroup_destroy(&sb->cg);   /* kills what is left first */
    if (sb->trace_ls >= 0)
        close(sb->trace_ls);
    gv_fs_teardown(sb);
    al_debug("sandbox.gvisor.destroyed", "task=%s", sb->task_id ? sb->task_id : "-");
    free(sb->dir);
    free(sb->env_tree);
    free(sb->env_digest);
    free(sb->egress_socket);
    free(sb->proxy_url);
    free(sb->task_id);
    free(sb);
}

static const char *s_isolation(void) { return "gvisor"; }

/* runsc's platform (ptrace, systrap, kvm) once the probe found it usable. */
static const char *s_accel(void)
{
    const gv_runtime_t *rt = NULL;
    return gv_runtime(&rt) == 0 ? rt->platform : "none";
}

const sandbox_ops_t sandbox_gvisor_ops = {
    .name = "gvisor",
    .available = s_available,
    .create = s_create,
    .workspace_in = s_workspace_in,
    .exec = s_exec,
    .workspace_out = s_workspace_out,
    .destroy = s_destroy,
    .interrupt = s_interrupt,
    .environments = 1,
    .workspace_attach = s_workspace_attach,
    .attach_uid = GV_WORKLOAD_ID,   /* no user namespace: the gofer writes as the workload's own uid */
    .isolation = s_isolation,
    .accel = s_accel,
};
