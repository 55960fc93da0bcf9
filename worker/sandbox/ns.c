/*
 * ns.c: the "ns" sandbox driver (sandbox_ns_ops): Linux namespaces + seccomp +
 * cgroups, no VMM. Weaker than a microVM (the workload shares the host kernel)
 * and recorded as isolation=ns in every result.
 *
 * A sandbox is an idle init process (ns_root.c) holding user, mount, pid, net, ipc,
 * uts and cgroup namespaces, plus its cgroup(s), the process's compiled seccomp program, an
 * optional egress forwarder (ns_fwd.c) and a lifeline pipe whose write end only the
 * worker holds (if the worker dies, init and forwarder exit and the kernel tears
 * the namespaces down). Commands run through ns_exec.c.
 *
 * Workspace: /workspace is a tmpfs of disk_mb inside the sandbox (a full
 * workspace gets ENOSPC, the host disk is never touched). sandbox_workspace_in()
 * copies a host directory into it (only before the first command, while nothing
 * untrusted has touched it) and hands it to the workload uid;
 * sandbox_workspace_out() exports it into an empty host directory through
 * airlock-tree-writer (tree_writer.h), which runs as a leased unprivileged uid:
 * symlinks stay symlinks, setuid/setgid bits, devices and FIFOs never come back.
 * Both read through the init's /proc/<pid>/root.
 *
 * Owns: everything in ns_sandbox_t (ns_internal.h); destroy releases all of it.
 * Requires root on the host (cgroups and the uid range).
 */
#include "worker/sandbox/ns_internal.h"
#include "worker/sandbox/mount_move.h"
#include "worker/sandbox/default_env.h"
#include "worker/sandbox/tree_writer.h"
#include "worker/sandbox/uid_lease.h"
#include "worker/sandbox/workspace_room.h"
#include "common/error.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const s_ns_names[NS_COUNT] = { "ipc", "uts", "net", "cgroup", "mnt", "user" };
static atomic_uint s_counter;

static uint64_t s_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- available() ---- */

static int s_probe_result;
static char s_probe_reason[256];
static pthread_once_t s_probe_once = PTHREAD_ONCE_INIT;

static void s_probe(void)
{
    if (geteuid() != 0) {
        snprintf(s_probe_reason, sizeof s_probe_reason,
                 "ns driver needs root on the host (cgroup limits and the sandbox uid range)");
        return;
    }
    if (!ns_cgroup_available()) {
        snprintf(s_probe_reason, sizeof s_probe_reason, "cgroups: %s", al_err_msg());
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
                    CLONE_NEWUTS | CLONE_NEWCGROUP;
        _exit(unshare(flags) == 0 ? 0 : 1);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        snprintf(s_probe_reason, sizeof s_probe_reason,
                 "cannot create user+mount+pid+net namespaces (unshare failed)");
        return;
    }
    s_probe_result = 1;
}

static int s_available(void)
{
    pthread_once(&s_probe_once, s_probe);
    if (!s_probe_result)
        al_err_set(AL_ESANDBOX, "ns driver unavailable: %s", s_probe_reason);
    return s_probe_result;
}

/* ---- create ---- */

static int s_write_map(pid_t pid, const char *file)
{
    char p[64], map[64];
    snprintf(p, sizeof p, "/proc/%d/%s", (int)pid, file);
    int len = snprintf(map, sizeof map, "0 %u %u\n", NS_HOST_ID_BASE, NS_ID_COUNT);
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return al_err_set_errno(AL_ESANDBOX, "open %s", p);
    ssize_t w = write(fd, map, (size_t)len);
    int saved = errno;
    close(fd);
    errno = saved;
    if (w != len)
        return al_err_set_errno(AL_ESANDBOX, "write %s", p);
    return 0;
}

/* Clone the init, map its ids, wait for its root (with the workspace) to be
 * ready, open its namespaces. */
static int s_spawn_init(ns_sandbox_t *sb, const sandbox_env_t *env, int workspace_fd)
{
    const char *etc_dir;
    if (default_env_etc_dir(&etc_dir) < 0)
        return al_err_wrap(AL_ESANDBOX, "ns");
    if (env && (!env->tree || access(env->tree, X_OK) != 0))
        return al_err_set_errno(AL_ESANDBOX, "environment %s: root tree %s", env->digest ? env->digest : "?",
                                env->tree ? env->tree : "(none)");
    int sync[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync) < 0)
        return al_err_set_errno(AL_ESANDBOX, "socketpair");
    ns_root_args_t args = { NS_ROOT_MOUNT, etc_dir, env ? env->tree : NULL, sync[1], sb->lifeline_r, workspace_fd };
    long pid = syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
                       CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid == 0)
        ns_root_init_main(&args);
    close(sync[1]);
    int rc = 0;
    if (pid < 0) {
        rc = al_err_set_errno(AL_ESANDBOX, "clone sandbox init");
        goto done;
    }
    sb->init_pid = (pid_t)pid;
    if (ns_cgroup_attach(sb->cg, sb->init_pid) < 0) {
        rc = al_err_set_errno(AL_ESANDBOX, "move sandbox init into its cgroup");
        goto done;
    }
    if ((rc = s_write_map(sb->init_pid, "uid_map")) || (rc = s_write_map(sb->init_pid, "gid_map")))
        goto done;
    char msg[512];
    ssize_t n = write(sync[0], "G", 1) == 1 ? read(sync[0], msg, sizeof msg - 1) : -1;
    if (n != 1 || msg[0] != 'K') {
        msg[n > 0 ? n : 0] = '\0';
        rc = al_err_set(AL_ESANDBOX, "sandbox init failed: %s", n > 0 ? msg : "no report");
        goto done;
    }
    for (int i = 0; i < NS_COUNT; i++) {
        char p[64];
        snprintf(p, sizeof p, "/proc/%d/ns/%s", (int)sb->init_pid, s_ns_names[i]);
        if ((sb->nsfd[i] = open(p, O_RDONLY | O_CLOEXEC)) < 0) {
            rc = al_err_set_errno(AL_ESANDBOX, "open %s", p);
            goto done;
        }
    }
done:
    close(sync[0]);
    return rc;
}

/* The workspace tmpfs, made here by the worker as a detached mount (fsopen +
 * fsmount, nosuid, nodev) and moved onto /workspace by the init while it
 * builds the root (ns_root.c), with no helper process: the tmpfs belongs to
 * the host's user namespace (the worker made it), so the worker (host root)
 * can copy files into it, and its root directory belongs to the workload uid.
 * Returns the mount's fd (close-on-exec) or a negative AL_E* code. */
static int s_workspace_fs(const ns_sandbox_t *sb)
{
    char size[32], owner[16];
    snprintf(size, sizeof size, "%um", sb->base.info.limits.disk_mb);
    snprintf(owner, sizeof owner, "%u", NS_HOST_ID_BASE + NS_WORKLOAD_ID);
    const char *const opts[][2] = { { "size", size }, { "mode", "0755" }, { "uid", owner }, { "gid", owner } };
    int fs = fsopen("tmpfs", FSOPEN_CLOEXEC), mnt = -1;
    if (fs < 0)
        return al_err_set_errno(AL_ESANDBOX, "workspace tmpfs: fsopen");
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        if (fsconfig(fs, FSCONFIG_SET_STRING, opts[i][0], opts[i][1], 0) < 0) {
            int rc = al_err_set_errno(AL_ESANDBOX, "workspace tmpfs: %s=%s", opts[i][0], opts[i][1]);
            close(fs);
            return rc;
        }
    }
    if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    int rc = mnt < 0 ? al_err_set_errno(AL_ESANDBOX, "workspace tmpfs: create") : mnt;
    close(fs);
    return rc;
}

static void s_limits_default(sandbox_limits_t *l, const sandbox_limits_t *in)
{
    *l = *in;
    l->vcpus = 0;
    l->memory_mb = l->memory_mb ? l->memory_mb : NS_DEFAULT_MEMORY_MB;
    l->disk_mb = l->disk_mb ? l->disk_mb : NS_DEFAULT_DISK_MB;
    l->max_procs = l->max_procs ? l->max_procs : NS_DEFAULT_PROCS;
    l->max_output_bytes = l->max_output_bytes ? l->max_output_bytes : NS_DEFAULT_OUTPUT;
}

static int s_create_parts(ns_sandbox_t *sb, const sandbox_spec_t *spec)
{
    /* No on-disk state: the root is a tmpfs mounted on /tmp inside the sandbox's
     * private mount namespace. state_dir is only checked. */
    struct stat st;
    if (spec->state_dir && (stat(spec->state_dir, &st) < 0 || !S_ISDIR(st.st_mode)))
        return al_err_set(AL_EINVAL, "state_dir '%s' is not a directory", spec->state_dir);
    char name[96];
    snprintf(name, sizeof name, "airlock-ns-%d-%u", (int)getpid(), atomic_fetch_add(&s_counter, 1));
    int rc = ns_cgroup_new(&sb->cg, name, &sb->base.info.limits);
    if (rc)
        return rc;
    if ((rc = workload_seccomp_shared(&sb->bpf)) != 0)
        return rc;
    int life[2];
    if (pipe2(life, O_CLOEXEC) < 0)
        return al_err_set_errno(AL_ESANDBOX, "lifeline pipe");
    sb->lifeline_r = life[0];
    sb->lifeline_w = life[1];
    if (spec->env && !(sb->environment = strdup(spec->env->digest ? spec->env->digest : "")))
        return al_err_set(AL_ENOMEM, "ns sandbox: out of memory");
    sb->base.info.environment = sb->environment;
    int ws = s_workspace_fs(sb);
    if (ws < 0)
        return ws;
    rc = s_spawn_init(sb, spec->env, ws);
    close(ws);
    if (rc)
        return rc;
    if (spec->egress_socket) {
        if ((rc = ns_fwd_start(&sb->fwd_pid, sb->nsfd[NS_NET], sb->lifeline_r,
                               spec->egress_socket)) != 0)
            return rc;
        /* under the task's limits, and killed with it if the worker dies */
        if ((rc = ns_cgroup_attach(sb->cg, sb->fwd_pid)) < 0)
            return al_err_set(AL_ESANDBOX, "ns sandbox: forwarder into the cgroup: %s", strerror(-rc));
        size_t len = strlen(spec->egress_token ? spec->egress_token : "") + 64;
        if (!(sb->proxy_url = malloc(len)))
            return al_err_set(AL_ENOMEM, "ns sandbox: out of memory");
        if (spec->egress_token)
            snprintf(sb->proxy_url, len, "http://airlock:%s@127.0.0.1:%d", spec->egress_token,
                     NS_PROXY_PORT);
        else
            snprintf(sb->proxy_url, len, "http://127.0.0.1:%d", NS_PROXY_PORT);
    }
    return 0;
}

static void s_destroy(sandbox_t *base);

static int s_create(sandbox_t **out, const sandbox_spec_t *spec)
{
    uint64_t t0 = s_mono_us();
    *out = NULL;
    if (!s_available())
        return AL_ESANDBOX;
    ns_cgroup_sweep();
    if (spec->egress_token && strpbrk(spec->egress_token, "@/:#?% \t\r\n"))
        return al_err_set(AL_EINVAL, "egress_token holds a character not allowed in a proxy URL");
    if (spec->egress_token && strlen(spec->egress_token) > 256)
        return al_err_set(AL_EINVAL, "egress_token longer than 256 bytes (%zu)",
                          strlen(spec->egress_token));
    ns_sandbox_t *sb = calloc(1, sizeof *sb);
    if (!sb)
        return al_err_set(AL_ENOMEM, "ns sandbox: out of memory");
    sb->base.ops = &sandbox_ns_ops;
    sb->init_pid = sb->fwd_pid = -1;
    sb->lifeline_r = sb->lifeline_w = -1;
    sb->run_pidfd = -1;
    pthread_mutex_init(&sb->run_mu, NULL);
    for (int i = 0; i < NS_COUNT; i++)
        sb->nsfd[i] = -1;
    s_limits_default(&sb->base.info.limits, &spec->limits);
    struct utsname u;
    snprintf(sb->kernel, sizeof sb->kernel, "%s", uname(&u) == 0 ? u.release : "?");
    sb->base.info = (sandbox_info_t){ .driver = "ns", .isolation = "ns", .kernel = sb->kernel, .vmm = "",
                                      .limits = sb->base.info.limits };
    sb->task_id = strdup(spec->task_id ? spec->task_id : "-");
    int rc = sb->task_id ? s_create_parts(sb, spec) : al_err_set(AL_ENOMEM, "out of memory");
    if (rc) {
        al_warn("sandbox.ns.create_failed", "task=%s reason=\"%s\"", sb->task_id ? sb->task_id : "-",
                al_err_msg());
        s_destroy(&sb->base);
        return rc;
    }
    sb->base.info.create_us = s_mono_us() - t0;
    al_info("sandbox.ns.created", "task=%s init_pid=%d cgroup=%s create_us=%llu", sb->task_id,
            (int)sb->init_pid, ns_cgroup_version(sb->cg),
            (unsigned long long)sb->base.info.create_us);
    *out = &sb->base;
    return 0;
}

/* ---- workspace copy in/out ---- */

/* Runs a host tool (no shell) and waits; 0 if it exited 0. */
static int s_run_tool(const char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return al_err_set_errno(AL_ESANDBOX, "fork %s", argv[0]);
    if (pid == 0) {
        int none[1] = { 2 };
        if (ns_fds_keep(none, 0) < 0)
            _exit(126);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return al_err_set_errno(AL_ESANDBOX, "wait %s", argv[0]);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return al_err_set(AL_ESANDBOX, "%s %s failed (status %d)", argv[0], argv[1], status);
    return 0;
}

static int s_check_dir(const char *dir, int must_be_empty)
{
    struct stat st;
    if (!dir || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return al_err_set(AL_EINVAL, "workspace host dir '%s' is not a directory", dir ? dir : "");
    if (!must_be_empty)
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return al_err_set_errno(AL_EIO, "opendir %s", dir);
    struct dirent *e;
    int entries = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            entries++;
    }
    closedir(d);
    if (entries)
        return al_err_set(AL_EINVAL, "workspace_out target '%s' must be empty", dir);
    return 0;
}

static int s_workspace_in(sandbox_t *base, const char *host_dir)
{
    ns_sandbox_t *sb = (ns_sandbox_t *)base;
    if (sb->execs > 0)
        return al_err_set(AL_ESTATE, "ns workspace_in after a command ran (task=%s)", sb->task_id);
    int rc = s_check_dir(host_dir, 0);
    if (rc)
        return rc;
    char src[4200], dst[96], owner[64];
    snprintf(src, sizeof src, "%s/.", host_dir);
    snprintf(dst, sizeof dst, "/proc/%d/root/workspace/", (int)sb->init_pid);
    /* disk_mb is the room for what the stage writes, the tree comes on top */
    tree_usage_t tu;
    if ((rc = tree_usage(host_dir, &tu)) != 0)
        return rc;
    int ws = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (ws < 0)
        return al_err_set_errno(AL_ESANDBOX, "ns workspace_in: open %s", dst);
    rc = workspace_room_fit(ws, &tu, sb->base.info.limits.disk_mb, 0, &sb->ws_bytes);
    close(ws);
    if (rc)
        return rc;
    snprintf(owner, sizeof owner, "%u:%u", NS_HOST_ID_BASE + NS_WORKLOAD_ID,
             NS_HOST_ID_BASE + NS_WORKLOAD_ID);
    const char *cp[] = { "/bin/cp", "-R", "--no-dereference", "--preserve=mode,timestamps,links",
                         "--", src, dst, NULL };
    const char *chown_argv[] = { "/bin/chown", "-R", "-h", "-P", "--", owner, dst, NULL };
    rc = s_run_tool(cp);
    if (rc == 0)
        rc = s_run_tool(chown_argv);
    if (rc)
        return al_err_wrap(rc, "ns workspace_in (full workspace? disk_mb=%u)",
                           sb->base.info.limits.disk_mb);
    return 0;
}

/* The workspace tmpfs is read by the worker (no workload process is alive
 * between commands) and written on the host by airlock-tree-writer as a
 * leased uid (tree_writer.h): no setuid bit, device or FIFO is recreated and
 * no symlink is followed. */
static int s_workspace_out(sandbox_t *base, const char *host_dir)
{
    ns_sandbox_t *sb = (ns_sandbox_t *)base;
    if (sb->broken)
        return al_err_set(AL_ESTATE, "ns sandbox is dead (task=%s)", sb->task_id);
    int rc = s_check_dir(host_dir, 1);
    if (rc)
        return rc;
    char src[96];
    snprintf(src, sizeof src, "/proc/%d/root/workspace", (int)sb->init_pid);
    int ws = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (ws < 0)
        return al_err_set_errno(AL_ESANDBOX, "ns workspace_out: open %s", src);
    uid_lease_t lease = UID_LEASE_INIT;
    tree_writer_t *w = NULL;
    tree_limits_t lim = { sb->ws_bytes ? sb->ws_bytes : (uint64_t)sb->base.info.limits.disk_mb << 20,
                          NS_EXPORT_MAX_ENTRIES };
    rc = uid_lease_take(&lease);
    if (rc == 0)
        rc = tree_writer_new(&w, host_dir, lease.uid, &lim);
    if (rc == 0)
        rc = tree_writer_walk(w, ws, NULL);
    if (rc == 0)
        rc = tree_writer_finish(&w);
    tree_writer_abort(&w);
    uid_lease_release(&lease);
    close(ws);
    return rc ? al_err_wrap(rc, "ns workspace_out") : 0;
}

/* Layered workspace: the host's overlay mount (its upper dir on a tmpfs the
 * caller sized from disk_mb) is cloned (open_tree) and moved onto the
 * sandbox's /workspace from a helper that joined only the sandbox's mount
 * namespace, over the empty workspace tmpfs. The clone keeps nosuid,nodev;
 * the workload writes into the upper layer through it, and nothing is
 * copied in or out. */
static int s_workspace_attach(sandbox_t *base, const char *host_dir)
{
    ns_sandbox_t *sb = (ns_sandbox_t *)base;
    if (sb->execs > 0)
        return al_err_set(AL_ESTATE, "ns workspace_attach after a command ran (task=%s)", sb->task_id);
    return mount_move_into(sb->nsfd[NS_MNT], host_dir, "/workspace", "ns workspace_attach");
}

/* ---- exec, destroy ---- */

static int s_exec(sandbox_t *base, const sandbox_exec_req_t *req, sandbox_exec_result_t *res)
{
    ns_sandbox_t *sb = (ns_sandbox_t *)base;
    if (sb->broken || kill(sb->init_pid, 0) < 0) {
        sb->broken = 1;
        return al_err_set(AL_ESTATE, "ns sandbox is dead (task=%s)", sb->task_id);
    }
    int rc = ns_exec_run(sb, req, res);
    al_info("sandbox.ns.exec", "task=%s rc=%d exit=%d signal=%d timed_out=%d oom=%d truncated=%d "
            "wall_us=%llu", sb->task_id, rc, res->exit_code, res->signal, res->timed_out,
            res->oom_killed, res->output_truncated, (unsigned long long)res->wall_us);
    return rc;
}

static void s_destroy(sandbox_t *base)
{
    ns_sandbox_t *sb = (ns_sandbox_t *)base;
    ns_fwd_stop(&sb->fwd_pid);
    if (sb->init_pid > 0) {
        /* SIGKILL to pid 1 of the namespace kills every process in it (and in the
         * nested exec namespaces); waitpid returns once they are all gone. */
        kill(sb->init_pid, SIGKILL);
        while (waitpid(sb->init_pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    for (int i = 0; i < NS_COUNT; i++) {
        if (sb->nsfd[i] >= 0)
            close(sb->nsfd[i]);
    }
    if (sb->lifeline_r >= 0)
        close(sb->lifeline_r);
    if (sb->lifeline_w >= 0)
        close(sb->lifeline_w);
    ns_cgroup_destroy(&sb->cg);
    al_debug("sandbox.ns.destroyed", "task=%s", sb->task_id ? sb->task_id : "-");
    free(sb->proxy_url);
    free(sb->task_id);
    free(sb->environment);
    pthread_mutex_destroy(&sb->run_mu);
    free(sb);
}

static void s_interrupt(sandbox_t *base) { ns_exec_interrupt((ns_sandbox_t *)base); }

static const char *s_isolation(void) { return "ns"; }

const sandbox_ops_t sandbox_ns_ops = {
    .name = "ns",
    .available = s_available,
    .create = s_create,
    .workspace_in = s_workspace_in,
    .exec = s_exec,
    .workspace_out = s_workspace_out,
    .destroy = s_destroy,
    .interrupt = s_interrupt,
    .environments = 1,
    .workspace_attach = s_workspace_attach,
    .attach_uid = NS_HOST_ID_BASE + NS_WORKLOAD_ID,
    .isolation = s_isolation,
    .accel = s_isolation,   /* namespaces: the isolation is the acceleration */
};
