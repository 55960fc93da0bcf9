/*
 * gvisor.h: the pieces of the "gvisor" sandbox driver, internal to worker/sandbox.
 *
 * A sandbox (gv_sandbox_t, gvisor.c) is a state directory, a private mount
 * namespace holding the workspace tmpfs (and, for an environment, the root's
 * overlay), a cgroup and a trace socket. Every command runs in a NEW gVisor
 * container started with `runsc run` from an OCI bundle written for it
 * (gvisor_spec.c) and destroyed when the command ends, so no process of a
 * command outlives it; the workspace is what persists between the commands of
 * one sandbox. The files:
 *   gvisor.c        driver ops, the once-per-process probe, sandbox_info
 *   gvisor_fs.c     state directory, private mount namespace, root file system
 *   gvisor_copy.c   workspace copy in/out: openat walks that never follow a link
 *   gvisor_cgroup.c memory, pids and CPU limits; killing everything left
 *   gvisor_spec.c   the OCI config.json of one command
 *   gvisor_exec.c   one command: runsc run, output, deadline, status, events
 *   gvisor_trace.c  exec events from gVisor's runtime monitoring (remote sink)
 *   gvisor_guest/   init (pid 1 inside) and compat.so (preloaded), static helpers
 *
 * Identity inside: the command runs as uid/gid GV_WORKLOAD_ID; the container's
 * init and the egress forwarder as the sandbox's root (uid 0 there). Host
 * side, runsc's sandbox and gofer processes run as runsc sets them up (the
 * Sentry drops to an unprivileged uid in its own namespaces).
 */
#ifndef AIRLOCK_SANDBOX_GVISOR_H
#define AIRLOCK_SANDBOX_GVISOR_H

#include "worker/sandbox/sandbox_private.h"

#include "worker/sandbox/sandbox_driver.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GV_WORKLOAD_ID 1000u
#define GV_PROXY_PORT 3128
#define GV_TMP_MB 64u                 /* /tmp and /dev/shm, Sentry tmpfs each */
#define GV_OVERHEAD_MB 160u           /* Sentry, gofer and runsc beside the workload */
#define GV_HOST_PIDS_PER_PROC 32u     /* host tasks per sandbox process: a ptrace stub gets a thread per Sentry thread that ran it */
#define GV_HOST_PIDS_BASE 512u

#define GV_DEFAULT_MEMORY_MB 256u
#define GV_DEFAULT_DISK_MB 512u
#define GV_DEFAULT_PROCS 256u
#define GV_DEFAULT_OUTPUT (16u * 1024 * 1024)

/* Inside the container. */
#define GV_GUEST_MOUNT "/.airlock"
#define GV_EGRESS_MOUNT "/run/airlock/egress.sock"
#define GV_SECCOMP_MOUNT "/run/airlock/seccomp.bpf"

/* ---- what the probe found (gvisor.c) ---- */
typedef struct {
    const char *runsc;          /* absolute path */
    const char *guest_dir;      /* holds init and compat.so */
    char version[64];           /* "0.0~20221219.0" */
    char platform[16];          /* ptrace | systrap | kvm */
    char vmm[128];              /* "runsc 0.0~20221219.0 platform=ptrace" */
} gv_runtime_t;
/* Paths and version only (no sandbox started): 0 or AL_ESANDBOX. */
int gv_runtime(const gv_runtime_t **out);

/* ---- cgroups (gvisor_cgroup.c) ---- */
typedef struct gv_cgroup gv_cgroup_t;
typedef struct {
    uint64_t memory_bytes;      /* memory (and memory+swap) limit */
    unsigned pids;              /* host tasks: Sentry threads, stubs, gofer, runsc */
    unsigned cpus;              /* CPU quota in whole CPUs, 0 = none */
} gv_cg_limits_t;
int gv_cgroup_new(gv_cgroup_t **out, const char *name, const gv_cg_limits_t *lim);
/* Child side (async-signal-safe): moves `pid` into every hierarchy. 0 or -errno. */
int gv_cgroup_attach(const gv_cgroup_t *cg, pid_t pid);
uint64_t gv_cgroup_oom_kills(const gv_cgroup_t *cg);
/* SIGKILLs every member until the cgroup is empty (or ~5 s passed): 0 when empty. */
int gv_cgroup_kill(gv_cgroup_t *cg);
const char *gv_cgroup_version(const gv_cgroup_t *cg);
/* Lowest CPU weight (background 1) or the default (0). 0 or AL_ESANDBOX. */
int gv_cgroup_background(gv_cgroup_t *cg, int background);
/* The i-th directory made (v1: one per controller), NULL past the last. */
const char *gv_cgroup_dir(const gv_cgroup_t *cg, int i);
void gv_cgroup_destroy(gv_cgroup_t **cg);
/* Removes empty airlock-gv-<pid>-<n> cgroups of dead worker processes. */
void gv_cgroup_sweep(void);
int gv_cgroup_available(void);

/* ---- the sandbox (gvisor.c) ---- */
typedef struct {
    sandbox_t base;             /* first member (sandbox_driver.h) */
    const gv_runtime_t *rt;
    char *dir;                  /* state directory on the host (0700), removed on destroy */
    char *task_id;
    int mntns_fd;               /* the private mount namespace runsc runs in */
    int ws_fd;                  /* root of the workspace tmpfs (in that namespace) */
    int root_fd;                /* root of the container's root file system */
    char *env_tree;             /* spec->env->tree or NULL (default environment) */
    char *env_digest;           /* spec->env->digest (info.environment) or NULL */
    const char *etc_dir;        /* default environment's staged /etc */
    unsigned bind_tops;         /* bit i: gv_fs_tops[i] is a real host directory (bound) */
    char *egress_socket;        /* host path of the task's proxy socket, or NULL */
    char *proxy_url;            /* http://airlock:<token>@127.0.0.1:3128, or NULL */
    gv_cgroup_t *cg;
    int trace_ls;               /* listening socket for runsc's trace connections */
    unsigned serial;            /* this process's sandbox number */
    unsigned execs;             /* commands run so far (container airlock-<pid>-<serial>-<n>) */
    atomic_int interrupted;     /* sandbox_interrupt(): the running command is killed */
    atomic_int running;         /* a command is running (its processes are in cg) */
    int broken;
    int attached;               /* a host mount is the workspace (gv_fs_attach): no copies */
    char kernel[128];
} gv_sandbox_t;

/* ---- file systems (gvisor_fs.c) ---- */
#define GV_FS_TOPS 6
/* bin sbin lib lib32 lib64 libx32: mirrored from the host into the default root */
extern const char *const gv_fs_tops[GV_FS_TOPS];
/* Creates the state directory, the private mount namespace (workspace tmpfs
 * of disk_mb; for an environment an overlay over its tree) and the root. */
int gv_fs_setup(gv_sandbox_t *sb, const sandbox_spec_t *spec);
/* Moves a clone of the host mount host_dir onto the workspace (layered
 * workspaces); before the first command only. 0 or AL_ESANDBOX. */
int gv_fs_attach(gv_sandbox_t *sb, const char *host_dir);
/* Removes the state directory (never following links). */
void gv_fs_teardown(gv_sandbox_t *sb);

/* ---- workspace copies (gvisor_copy.c) ---- */
typedef struct {
    uint64_t files, dirs, links, bytes;
    uint64_t skipped;           /* devices, fifos, sockets: never copied */
    uint64_t mode_bits_dropped; /* setuid/setgid/sticky bits not carried over */
} gv_copy_stats_t;
/* Copies host_dir's content into the directory dst_fd, chowned to uid:gid. */
int gv_copy_in(int dst_fd, const char *host_dir, unsigned uid, unsigned gid, gv_copy_stats_t *st);
/* Copies the directory src_fd (untrusted content) into the EMPTY host_dir:
 * regular files, directories and symlinks only, links never followed,
 * permission bits only (no setuid/setgid/sticky), owned by the caller. */
int gv_copy_out(int src_fd, const char *host_dir, gv_copy_stats_t *st);

/* ---- one command's bundle (gvisor_spec.c) ---- */
typedef struct {
    const sandbox_exec_req_t *req;
    const char *bundle_dir;     /* config.json is written here */
    const char *root;           /* host path of the root, as runsc sees it */
    const char *ws;             /* host path of the workspace */
    const char *guest_dir;
    const char *etc_dir;        /* NULL with an environment tree */
    unsigned bind_tops;         /* gv_sandbox_t.bind_tops */
    const char *egress_socket;  /* NULL: no network at all */
    const char *proxy_url;
    const char *seccomp;        /* host path of the BPF program init installs */
    const sandbox_limits_t *limits;
} gv_spec_t;
int gv_spec_write(const gv_spec_t *s);

/* ---- exec events (gvisor_trace.c) ---- */
/* The --pod-init-config file: sentry/execve and sentry/clone to a remote
 * sink at socket_path. */
int gv_trace_config_write(const char *path, const char *socket_path);

typedef struct gv_trace gv_trace_t;
/* Decoder state for one connection: the handshake, then one message per read. */
gv_trace_t *gv_trace_new(void);
void gv_trace_destroy(gv_trace_t **t);
/* Feeds one SOCK_SEQPACKET message. Returns 1 when `reply` (len *reply_len)
 * must be sent back (the handshake), 0 otherwise, AL_EPROTO on a malformed or
 * oversized message (the connection is then dropped). Exec events are passed
 * to fn. Strict: bounded fields, no allocation driven by the input. */
int gv_trace_feed(gv_trace_t *t, const uint8_t *msg, size_t len, sandbox_exec_event_fn fn, void *ctx,
                  uint8_t *reply, size_t *reply_len);
/* Points the Sentry reported as dropped (buffer full). */
uint64_t gv_trace_dropped(const gv_trace_t *t);

/* ---- one command (gvisor_exec.c) ---- */
int gv_exec_run(gv_sandbox_t *sb, const sandbox_exec_req_t *req, sandbox_exec_result_t *res);

#endif
