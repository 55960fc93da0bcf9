/*
 * microvm.c: the "microvm" sandbox driver (sandbox_microvm_ops).
 *
 * A sandbox is one qemu -M microvm guest running airlock-init as PID 1; this
 * file drives the guest agent over the virtio-serial channel: create (restore
 * a copy-on-write clone of the process's base VM, or boot cold), exec
 * (streamed output, exec events, exit status), egress (bind to the task's
 * proxy: microvm_egress.h), workspace in through the
 * per-task ext4 disk image (mke2fs -d), workspace out as a tree stream the
 * guest sends and airlock-tree-writer writes (tree_writer.h; no host tool
 * parses the image the guest wrote), liveness (PING), destroy (kill and
 * reap qemu, remove the state directory). The top of the
 * driver: it uses the VM instance (microvm_vm.h), the KVM probe
 * (kvm_probe.h) and the clones (microvm_snapshot.h), none of which calls
 * back. Owns each microvm_t it hands out as a sandbox.
 */
#include "worker/sandbox/microvm_vm.h"
#include "worker/sandbox/kvm_probe.h"
#include "worker/sandbox/microvm_jail.h"
#include "worker/sandbox/microvm_snapshot.h"
#include "worker/sandbox/sandbox_knobs.h"
#include "worker/sandbox/tree_usage.h"
#include "worker/sandbox/tree_writer.h"
#include "worker/sandbox/uid_lease.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HOST_GRACE_MS 15000u   /* host deadline beyond the guest's own timeout */
#define EXPORT_TIMEOUT_MS 600000u /* a whole workspace through virtio-serial under TCG */
#define MICROVM_EXPORT_MAX_ENTRIES 1000000u
#define RESIZE_TIMEOUT_MS 30000u  /* QMP block_resize */
#define MOUNT_TIMEOUT_MS 60000u   /* the guest seeing the new size, then chowning the tree */
#define MICROVM_PROXY_ADDR "10.0.2.100:3128"

static uint64_t s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void s_fill_info(microvm_t *vm, uint64_t t0)
{
    sandbox_info_t *i = &vm->base.info;
    snprintf(vm->isolation, sizeof vm->isolation, "%s", vm->accel_kvm ? "kvm" : "tcg");
    i->isolation = vm->isolation;
    i->kernel = vm->kernel_release ? vm->kernel_release : "";
    i->vmm = microvm_qemu_version();
    i->environment = vm->env_digest;   /* NULL: the default (sandbox.c says so) */
    i->create_us = s_now_us() - t0;
}

static int s_check_spec(const sandbox_spec_t *spec)
{
    const sandbox_limits_t *l = &spec->limits;
    if (l->vcpus > 16)
        return al_err_set(AL_EINVAL, "microvm: limits.vcpus %u exceeds 16", l->vcpus);
    if (l->memory_mb && (l->memory_mb < 96 || l->memory_mb > 16384))
        return al_err_set(AL_EINVAL, "microvm: limits.memory_mb %u outside 96..16384", l->memory_mb);
    if (l->disk_mb && (l->disk_mb < 8 || l->disk_mb > 65536))
        return al_err_set(AL_EINVAL, "microvm: limits.disk_mb %u outside 8..65536", l->disk_mb);
    if (spec->egress_token && strpbrk(spec->egress_token, "@/:?#% \t\r\n"))
        return al_err_set(AL_EINVAL, "microvm: egress_token must be URL-safe");
    if (spec->env && (!spec->env->image || access(spec->env->image, R_OK) != 0))
        return al_err_set(AL_EINVAL, "microvm: environment %s has no erofs image", spec->env->digest);
    return 0;
}

/* Binds the VM to a task's egress proxy: starts the relay, tells the guest to
 * serve 10.0.2.100:3128 (AGENT_MSG_EGRESS), and every later exec gets the proxy
 * env with the token. AL_ESTATE when already bound, AL_EINVAL for a token that
 * does not fit a proxy URL. */
static int s_bind_egress(microvm_t *vm, const char *socket, const char *token, const char *task_id)
{
    if (vm->net || vm->egress)
        return al_err_set(AL_ESTATE, "microvm: sandbox already bound to an egress proxy");
    if (token && strpbrk(token, "@/:?#% \t\r\n"))
        return al_err_set(AL_EINVAL, "microvm: egress_token must be URL-safe");
    if (vm->broken || vm->egress_chan < 0)
        return al_err_set(AL_ESTATE, "microvm: sandbox has no egress port (broken or killed)");
    if (token && !(vm->token = strdup(token)))
        return al_err_set(AL_ENOMEM, "microvm: out of memory");
    int rc = microvm_egress_start(&vm->egress, vm->egress_chan, socket, task_id);
    if (rc == 0)
        rc = microvm_request_simple(vm, AGENT_MSG_EGRESS);
    if (rc == 0)
        vm->net = 1;
    return rc;
}

static int microvm_create(sandbox_t **out, const sandbox_spec_t *spec)
{
    *out = NULL;
    const microvm_paths_t *paths;
    int rc = s_check_spec(spec);
    if (rc < 0 || (rc = microvm_paths(&paths)) < 0)
        return rc;
    uint64_t t0 = s_now_us();
    microvm_t *vm = microvm_alloc(spec);
    if (!vm)
        return al_err_code();
    vm->accel_kvm = microvm_kvm_usable();
    uint64_t deadline = agent_now_ms() + microvm_boot_timeout_ms();
    const char *clones = sandbox_knob("microvm_clones");
    rc = AL_ENOTFOUND;
    if (!clones || strcmp(clones, "0") != 0) /* a restore gets 30 s, then cold boot */
        rc = microvm_clone_create(vm, spec, agent_now_ms() + (deadline - agent_now_ms() < 30000 ? deadline - agent_now_ms() : 30000));
    if (rc < 0 && rc != AL_ENOTFOUND) { /* restore failed: this one boots cold */
        int kvm = vm->accel_kvm;
        microvm_free(vm);
        if (!(vm = microvm_alloc(spec)))
            return al_err_code();
        vm->accel_kvm = kvm;
        rc = AL_ENOTFOUND;
        deadline = agent_now_ms() + microvm_boot_timeout_ms();
    }
    int restored = rc == 0;
    if (rc == AL_ENOTFOUND)
        rc = microvm_boot_cold(vm, spec, deadline);
    if (rc == 0 && spec->egress_socket)   /* the same VM as without egress, then bound */
        rc = s_bind_egress(vm, spec->egress_socket, spec->egress_token, spec->task_id);
    if (rc < 0) {
        al_warn("sandbox.microvm.create_failed", "task=%s err=%s", spec->task_id ? spec->task_id : "-",
                al_err_name(rc));
        microvm_free(vm);
        return rc;
    }
    vm->base.ops = &sandbox_microvm_ops;
    s_fill_info(vm, t0);
    vm->base.info.restored = restored;
    al_info("sandbox.microvm.created", "task=%s accel=%s us=%llu how=%s", spec->task_id ? spec->task_id : "-",
            vm->isolation, (unsigned long long)vm->base.info.create_us, restored ? "clone" : "cold");
    *out = &vm->base;
    return 0;
}

/* env for the guest: the caller's entries plus the proxy settings with the task token. */
static int s_build_env(const microvm_t *vm, const sandbox_exec_req_t *req, char ***out, size_t *n)
{
    size_t ne = 0;
    while (req->env && req->env[ne])
        ne++;
    char **env = calloc(ne + 8, sizeof *env);
    if (!env)
        return al_err_set(AL_ENOMEM, "microvm: out of memory");
    *out = env;
    for (size_t i = 0; i < ne; i++)
        if (!(env[(*n)++] = strdup(req->env[i])))
            return al_err_set(AL_ENOMEM, "microvm: out of memory");
    if (!vm->net)
        return 0;
    const char *keys[] = { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY" };
    for (size_t i = 0; i < 4; i++) {
        int r = vm->token ? asprintf(&env[*n], "%s=http://airlock:%s@%s", keys[i], vm->token, MICROVM_PROXY_ADDR)
                          : asprintf(&env[*n], "%s=http://%s", keys[i], MICROVM_PROXY_ADDR);
        if (r < 0)
            return al_err_set(AL_ENOMEM, "microvm: out of memory");
        (*n)++;
    }
    if (asprintf(&env[*n], "no_proxy=localhost,127.0.0.1") < 0)
        return al_err_set(AL_ENOMEM, "microvm: out of memory");
    (*n)++;
    if (vm->token && asprintf(&env[(*n)++], "AIRLOCK_EGRESS_TOKEN=%s", vm->token) < 0)
        return al_err_set(AL_ENOMEM, "microvm: out of memory");
    return 0;
}

static void s_result(sandbox_exec_result_t *res, const agent_msg_t *m)
{
    res->exited = m->exited != 0;
    res->exit_code = (int)m->exit_code;
    res->signal = (int)m->signal;
    res->timed_out = m->timed_out != 0;
    res->output_truncated = m->truncated != 0;
    res->oom_killed = m->oom != 0;
    res->stdout_bytes = m->stdout_bytes;
    res->stderr_bytes = m->stderr_bytes;
    res->wall_us = m->wall_us;
    res->user_us = m->user_us;
    res->sys_us = m->sys_us;
    res->max_rss_kb = m->max_rss_kb;
}

/* Dispatches one frame of a running exec. 1 when the EXIT arrived. */
static int s_exec_frame(const sandbox_exec_req_t *req, uint64_t id, agent_msg_t *m, sandbox_exec_result_t *res)
{
    if (m->type == AGENT_MSG_OUTPUT && m->id == id && req->on_output && (m->stream == 1 || m->stream == 2))
        req->on_output(req->ctx, (int)m->stream, (const char *)m->data, m->data_len);
    if (m->type == AGENT_MSG_EXEC_EVENT && req->on_exec) {
        sandbox_exec_event_t ev = { .pid = (int)m->pid, .ppid = (int)m->ppid, .uid = (int)m->uid,
                                    .ts_us = m->ts_us, .path = m->text, .argv = m->args };
        req->on_exec(req->ctx, &ev);
    }
    if (m->type == AGENT_MSG_EXEC_LOST && req->on_exec && m->lost) { /* exec events are missing */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        sandbox_exec_event_t ev = { .ts_us = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u,
                                    .lost = m->lost > UINT_MAX ? UINT_MAX : (unsigned)m->lost };
        req->on_exec(req->ctx, &ev);
    }
    if (m->type == AGENT_MSG_EXIT && m->id == id) {
        s_result(res, m);
        return 1;
    }
    if (m->type == AGENT_MSG_ERROR && m->id == id)
        return al_err_set(AL_ESANDBOX, "microvm: guest exec failed: %s", m->text);
    return 0;
}

/* 1 when sandbox_interrupt killed the VM: the exec then reports a SIGKILL. */
static int s_interrupted(microvm_t *vm, sandbox_exec_result_t *res)
{
    pthread_mutex_lock(&vm->kill_mu);
    int yes = vm->interrupted;
    pthread_mutex_unlock(&vm->kill_mu);
    if (yes) {
        memset(res, 0, sizeof *res);
        res->signal = SIGKILL;
        vm->broken = 1;
        microvm_kill(vm);
    }
    return yes;
}

static int microvm_exec(sandbox_t *sb, const sandbox_exec_req_t *req, sandbox_exec_result_t *res)
{
    microvm_t *vm = (microvm_t *)sb;
    if (s_interrupted(vm, res))
        return 0;
    if (vm->broken)
        return al_err_set(AL_ESTATE, "microvm: sandbox is broken (channel lost or deadline passed)");
    const sandbox_limits_t *l = &sb->info.limits;
    agent_msg_t rq = { .type = AGENT_MSG_EXEC, .id = ++vm->next_id, .cwd = (char *)req->cwd,
                       .timeout_ms = req->timeout_ms, .max_procs = l->max_procs,
                       .memory_max = (uint64_t)l->memory_mb * 1024 * 1024 * 3 / 4, .uid = MICROVM_GUEST_UID };
    rq.max_output = req->max_output_bytes ? req->max_output_bytes : l->max_output_bytes;
    while (req->argv[rq.argc])
        rq.argc++;
    rq.argv = (char **)req->argv;
    int rc = s_build_env(vm, req, &rq.env, &rq.envc);
    if (rc == 0)
        rc = agent_frame_send(vm->chan, &rq);
    uint64_t deadline = req->timeout_ms ? agent_now_ms() + req->timeout_ms + HOST_GRACE_MS : 0;
    while (rc == 0) {
        agent_msg_t m;
        if ((rc = agent_frame_recv(vm->rd, vm->chan, &m, deadline)) < 0)
            break;
        rc = s_exec_frame(req, rq.id, &m, res);
        agent_msg_clear(&m);
        if (rc == 1) {
            rc = 0;
            break;
        }
    }
    if (rc < 0 && s_interrupted(vm, res)) {
        rc = 0;
    } else if (rc == AL_ETIMEOUT) {
        res->timed_out = 1;
        microvm_kill(vm); /* the guest stopped answering: nothing in it can be trusted to end */
    }
    if (rc < 0 && rc != AL_ESANDBOX)
        vm->broken = 1;
    for (size_t i = 0; i < rq.envc; i++)
        free(rq.env[i]);
    free(rq.env);
    return rc;
}

static int microvm_workspace_in(sandbox_t *sb, const char *host_dir)
{
    microvm_t *vm = (microvm_t *)sb;
    struct stat st;
    if (!host_dir || stat(host_dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return al_err_set(AL_EINVAL, "microvm: workspace %s is not a directory", host_dir ? host_dir : "(null)");
    /* disk_mb is the room for what the stage writes, as on ns: the image holds
     * the tree plus that (docs/SANDBOX.md "Workspace size") */
    tree_usage_t tu;
    unsigned size_mb = 0, inodes = 0;
    int rc = tree_usage(host_dir, &tu);
    if (rc == 0) {
        microvm_image_size(vm->disk_mb, tu.bytes, tu.entries, &size_mb, &inodes);
        rc = microvm_request_simple(vm, AGENT_MSG_UMOUNT);
    }
    if (rc == 0)
        rc = microvm_disk_create(vm->disk, size_mb, inodes, host_dir);
    if (rc == 0 && size_mb != vm->ws_mb)
        rc = microvm_disk_resize(vm, size_mb, agent_now_ms() + RESIZE_TIMEOUT_MS);
    if (rc == 0)
        rc = microvm_mount_workspace(vm, agent_now_ms() + MOUNT_TIMEOUT_MS);
    return rc;
}

/* The guest's TREE frames of one TREE_OUT request into the writer, until its
 * OK or ERROR. A frame of another kind or request breaks the sandbox. */
static int s_tree_frames(microvm_t *vm, uint64_t id, tree_writer_t *w, uint64_t deadline)
{
    for (;;) {
        agent_msg_t m;
        int rc = agent_frame_recv(vm->rd, vm->chan, &m, deadline);
        if (rc < 0) {
            vm->broken = 1;
            return rc;
        }
        if (m.id != id || (m.type != AGENT_MSG_TREE && m.type != AGENT_MSG_OK && m.type != AGENT_MSG_ERROR)) {
            rc = al_err_set(AL_EPROTO, "microvm: a %s frame during a workspace export", agent_msg_type_name(m.type));
            vm->broken = 1;
        } else if (m.type == AGENT_MSG_TREE) {
            tree_entry_t e = { .kind = m.kind, .path = m.path, .mode = m.mode, .data = m.data, .len = m.data_len };
            rc = tree_writer_put(w, &e);
            if (rc < 0)
                vm->broken = 1; /* the rest of the stream is still in flight */
        } else if (m.type == AGENT_MSG_ERROR) {
            rc = al_err_set(AL_ESANDBOX, "microvm: guest export failed: %s", m.text);
        }
        int done = m.type != AGENT_MSG_TREE;
        agent_msg_clear(&m);
        if (rc < 0 || done)
            return rc;
    }
}

/* The guest streams /workspace (TREE_OUT); airlock-tree-writer writes it on
 * the host as a leased uid. No host tool ever parses the guest's ext4 image. */
static int microvm_workspace_out(sandbox_t *sb, const char *host_dir)
{
    microvm_t *vm = (microvm_t *)sb;
    struct stat st;
    if (!host_dir || stat(host_dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return al_err_set(AL_EINVAL, "microvm: output %s is not a directory", host_dir ? host_dir : "(null)");
    if (vm->broken)
        return al_err_set(AL_ESTATE, "microvm: sandbox is broken (channel lost or deadline passed)");
    uid_lease_t lease = UID_LEASE_INIT;
    tree_writer_t *w = NULL;
    tree_limits_t lim = { (uint64_t)vm->ws_mb << 20, MICROVM_EXPORT_MAX_ENTRIES };
    int rc = uid_lease_take(&lease);
    if (rc == 0)
        rc = tree_writer_new(&w, host_dir, lease.uid, &lim);
    agent_msg_t rq = { .type = AGENT_MSG_TREE_OUT, .id = ++vm->next_id };
    if (rc == 0)
        rc = agent_frame_send(vm->chan, &rq);
    if (rc == 0)
        rc = s_tree_frames(vm, rq.id, w, agent_now_ms() + EXPORT_TIMEOUT_MS);
    if (rc == 0)
        rc = tree_writer_finish(&w);
    tree_writer_abort(&w);
    uid_lease_release(&lease);
    return rc;
}

/* Liveness: the guest agent answers a PING before timeout_ms (0 or error). */
static int s_ping(sandbox_t *sb, unsigned timeout_ms)
{
    agent_msg_t rq = { .type = AGENT_MSG_PING };
    return microvm_request((microvm_t *)sb, &rq, agent_now_ms() + timeout_ms);
}

static int s_egress_bind(sandbox_t *sb, const char *socket, const char *token, const char *task_id)
{
    return s_bind_egress((microvm_t *)sb, socket, token, task_id);
}

static void microvm_destroy(sandbox_t *sb)
{
    microvm_t *vm = (microvm_t *)sb;
    al_debug("sandbox.microvm.destroy", "dir=%s", vm->dir ? vm->dir : "-");
    microvm_free(vm);
}

static void s_interrupt(sandbox_t *sb) { microvm_interrupt((microvm_t *)sb); }

static int s_foreground(sandbox_t *sb)
{
    microvm_t *vm = (microvm_t *)sb;
    if (!vm->background || !vm->jail)
        return 0;
    int rc = microvm_jail_background(vm->jail, 0);
    if (rc == 0)
        vm->background = 0;
    return rc;
}

static int microvm_available(void)
{
    const microvm_paths_t *p;
    return microvm_paths(&p) == 0 ? 1 : 0;
}

/* Before any sandbox exists: "kvm" once the probe booted a guest under KVM,
 * else "vm" (isolation) and "tcg" (acceleration). */
static const char *s_isolation(void) { return microvm_kvm_usable() ? "kvm" : "vm"; }
static const char *s_accel(void) { return microvm_kvm_usable() ? "kvm" : "tcg"; }

const sandbox_ops_t sandbox_microvm_ops = {
    .name = "microvm",
    .available = microvm_available,
    .create = microvm_create,
    .workspace_in = microvm_workspace_in,
    .exec = microvm_exec,
    .workspace_out = microvm_workspace_out,
    .destroy = microvm_destroy,
    .interrupt = s_interrupt,
    .egress_bind = s_egress_bind,
    .foreground = s_foreground,
    .ping = s_ping,
    .environments = 1,
    .isolation = s_isolation,
    .accel = s_accel,
};
