/*
 * sandbox.h: the one interface every isolation driver implements.
 *
 * A sandbox runs untrusted commands for exactly one task and is then destroyed;
 * it is never reused. Drivers: "microvm" (qemu -M microvm, KVM or TCG), "gvisor"
 * (gVisor's runsc, a user-space kernel) and "ns" (Linux namespaces + seccomp). The pool (pool.h) hands out pre-created sandboxes
 * through the same type.
 *
 * Workspace: the task's files live in a host directory owned by the caller.
 * sandbox_workspace_in() makes that directory's content the sandbox's
 * /workspace (a bind mount for ns, a disk image for microvm);
 * sandbox_workspace_out() writes the sandbox's /workspace back into a host
 * directory after the commands ran (a no-op when the driver shares it live).
 *
 * Ownership: sandbox_create() returns a sandbox the caller owns;
 * sandbox_destroy() kills everything it started, removes its state directory
 * and NULLs the pointer. Errors: negative AL_E* codes from common/error.h with
 * the reason in al_err_msg().
 */
#ifndef AIRLOCK_SANDBOX_H
#define AIRLOCK_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

typedef struct sandbox sandbox_t;

typedef struct {
    unsigned vcpus;            /* microvm only; 0 = driver default (1) */
    unsigned memory_mb;        /* 0 = driver default (256) */
    unsigned disk_mb;          /* workspace size bound; 0 = default (512) */
    unsigned max_procs;        /* processes/threads of the workload; 0 = default (256) */
    uint64_t max_output_bytes; /* per exec, stdout+stderr; 0 = default (16 MiB) */
} sandbox_limits_t;

/* The root file system the sandbox's commands see: a built or imported
 * environment (docs/ENVIRONMENTS.md), prepared on the host by the worker's
 * environment cache. A spec without one gets the built-in default
 * environment (default_env.h: the host's /usr read-only and a staged /etc). */
typedef struct {
    const char *digest;   /* "sha256:<64 hex>": recorded in sandbox_info.environment */
    const char *tree;     /* host directory holding the root, never written (ns, gvisor) */
    const char *image;    /* the same root as a read-only erofs image padded with a sparse
                             tail to SANDBOX_ENV_IMAGE_BYTES (microvm) */
} sandbox_env_t;

/* Every environment disk a microVM gets has this size, so snapshot clones of
 * one base can be given any environment (a disk's size is fixed at boot). */
#define SANDBOX_ENV_IMAGE_BYTES (64ull << 30)

#define SANDBOX_SPEC_VERSION 1
typedef struct {
    int version;                /* SANDBOX_SPEC_VERSION */
    const char *driver;         /* "microvm", "gvisor" or "ns" */
    const char *task_id;        /* for logs and events; may be NULL */
    sandbox_limits_t limits;
    /* Unix socket path of the task's egress proxy, or NULL: no network at all.
     * Inside the sandbox the proxy is reachable as http_proxy/https_proxy
     * (set in every exec's environment by the driver). */
    const char *egress_socket;
    const char *egress_token;   /* credentials the workload presents to the proxy */
    const char *state_dir;      /* parent for the sandbox's private state; NULL = $TMPDIR */
    const sandbox_env_t *env;   /* NULL: the default environment; lent for create only */
    /* 1: made ahead of need (a pool's refill): its processes get the lowest CPU
     * weight until sandbox_foreground, so making it never slows a running task. */
    int background;
} sandbox_spec_t;
#define SANDBOX_SPEC_INIT { SANDBOX_SPEC_VERSION, "ns", NULL, {0, 0, 0, 0, 0}, NULL, NULL, NULL, NULL, 0 }

/* sandbox_info.environment of a sandbox on the default environment. */
#define SANDBOX_ENV_DEFAULT "host"

/* What the sandbox is, for the record of every result. Strings are owned by the sandbox. */
typedef struct {
    const char *driver;        /* "microvm" | "gvisor" | "ns" */
    const char *isolation;     /* "kvm" | "tcg" | "gvisor" | "ns" */
    const char *kernel;        /* guest kernel release (microvm) or host kernel (ns, gvisor:
                                  the kernel under the Sentry) */
    const char *vmm;           /* "qemu-system-x86_64 7.2.x", "runsc <version> platform=<p>" or "" */
    const char *environment;   /* SANDBOX_ENV_DEFAULT or the environment's digest */
    sandbox_limits_t limits;   /* the limits actually applied */
    uint64_t create_us;        /* time spent creating (or restoring) it */
    int from_pool;             /* 1 when handed out by the warm pool */
    int restored;              /* 1 when restored from a snapshot (microvm clone), 0 when booted */
} sandbox_info_t;

enum { SANDBOX_STDOUT = 1, SANDBOX_STDERR = 2 };

/* Streamed output of a command. Called on the caller's thread, during sandbox_exec. */
typedef void (*sandbox_output_fn)(void *ctx, int stream, const char *data, size_t len);

/* A process exec'd inside the sandbox, reported by the driver, not the workload.
 * When `lost` is not 0 this is no exec but a loss marker: the driver's exec
 * source (the kernel's proc connector) overflowed `lost` times since the last
 * marker, so exec events are missing; pid, ppid, uid, path and argv are then
 * 0/NULL. Drivers report it once per command, after the command's last event. */
typedef struct {
    int pid, ppid, uid;
    uint64_t ts_us;            /* wall clock, microseconds since the epoch */
    const char *path;          /* executable */
    const char *argv;          /* argv joined by spaces, bounded, may be "" */
    unsigned lost;             /* 0, or the number of overflows (see above) */
} sandbox_exec_event_t;
typedef void (*sandbox_exec_event_fn)(void *ctx, const sandbox_exec_event_t *ev);

typedef struct {
    const char *const *argv;   /* argv[0] resolved via PATH inside the sandbox */
    const char *const *env;    /* extra KEY=VALUE entries, NULL-terminated, may be NULL */
    const char *cwd;           /* inside the sandbox; NULL = "/workspace" */
    unsigned timeout_ms;       /* wall clock; 0 = no limit (never used for untrusted work) */
    uint64_t max_output_bytes; /* 0 = the sandbox's limit */
    sandbox_output_fn on_output;
    sandbox_exec_event_fn on_exec;
    void *ctx;
} sandbox_exec_req_t;

typedef struct {
    int exited;                /* 1 if the command exited normally */
    int exit_code;             /* valid when exited */
    int signal;                /* terminating signal, 0 if none */
    int timed_out;             /* killed because timeout_ms passed */
    int output_truncated;      /* output beyond max_output_bytes was dropped */
    int oom_killed;            /* killed for memory */
    uint64_t stdout_bytes, stderr_bytes; /* produced, including dropped bytes */
    uint64_t wall_us, user_us, sys_us;
    uint64_t max_rss_kb;
} sandbox_exec_result_t;

int sandbox_create(sandbox_t **out, const sandbox_spec_t *spec);
int sandbox_workspace_in(sandbox_t *sb, const char *host_dir);
int sandbox_exec(sandbox_t *sb, const sandbox_exec_req_t *req, sandbox_exec_result_t *res);
int sandbox_workspace_out(sandbox_t *sb, const char *host_dir);
const sandbox_info_t *sandbox_info(const sandbox_t *sb);
/* 1 when the sandbox works in the host directory itself (host driver): what it
 * changed is already there, and sandbox_workspace_out copies nothing. */
int sandbox_workspace_shared(const sandbox_t *sb);
void sandbox_destroy(sandbox_t **sb);

/* A sandbox made with spec.background gets the normal CPU weight back (a task
 * takes it). 0 when there is nothing to change; an AL_E* code if it could not. */
int sandbox_foreground(sandbox_t *sb);

/* Layered workspaces (docs/WORKSPACE.md): host_dir is a mount the caller
 * made and bounds (an overlay over a shared base tree whose upper dir is on
 * a tmpfs of the job's disk size); the sandbox's /workspace becomes that
 * mount itself, so the commands write into its upper layer and nothing is
 * copied in or out (sandbox_workspace_out is not called). Before the first
 * exec. AL_ESTATE when the driver cannot attach (the caller copies). */
int sandbox_workspace_attach(sandbox_t *sb, const char *host_dir);

/* 1 when `driver` can attach a host mount as /workspace, with *uid and *gid the
 * host ids its files must belong to for the workload to write them; else 0. */
int sandbox_driver_attach_owner(const char *driver, unsigned *uid, unsigned *gid);

/* Kills whatever the sandbox is running now, from ANY thread (used to cancel a
 * task while another thread is blocked in sandbox_exec, which then returns
 * with a signal). Safe to call at any time before sandbox_destroy; a no-op
 * for drivers that do not support it (their exec still ends at its timeout). */
void sandbox_interrupt(sandbox_t *sb);

/* Connects a sandbox created without egress_socket to a task's egress proxy,
 * as if the spec had named it (the warm pool binds its sandboxes when they are
 * taken). AL_EINVAL when the driver cannot bind later (sandbox_egress_bindable
 * says which can), AL_ESTATE when already bound. */
int sandbox_egress_bind(sandbox_t *sb, const char *egress_socket, const char *egress_token, const char *task_id);
/* 1 when `driver` supports sandbox_egress_bind. */
int sandbox_egress_bindable(const char *driver);

/* 1 if the driver can run on this machine (probed once, cached), else 0 with the
 * reason in al_err_msg(). */
int sandbox_driver_available(const char *driver);

/* Receive buffer of the proc connector sockets that feed exec events (ns on the
 * host, airlock-init in a microVM guest), bytes: 4 MiB, or AIRLOCK_PROCEV_RCVBUF
 * (a test knob: a tiny buffer makes an exec burst overflow it). */
#define SANDBOX_PROCEV_RCVBUF (4 * 1024 * 1024)
int sandbox_procev_rcvbuf(void);

/* What a driver gives on this machine, once sandbox_driver_available() said
 * yes: its isolation level named as a job's policy.min_isolation names it
 * ("kvm" or "vm" for microvm under KVM or TCG, "gvisor", "ns", "none" for the
 * host driver), and its acceleration ("kvm" or "tcg", the gVisor platform
 * "ptrace", "systrap" or "kvm", "ns", "none"). Static strings; NULL for an
 * unknown driver. */
const char *sandbox_driver_isolation(const char *driver);
const char *sandbox_driver_accel(const char *driver);

/* The "host" driver runs commands directly on the host with NO isolation (for
 * development and control-plane tests only; results say isolation=none). It is
 * unavailable until the operator enables it explicitly (airlock-worker
 * --insecure-host-driver), once, at start. */
void sandbox_host_driver_enable(void);

#endif
