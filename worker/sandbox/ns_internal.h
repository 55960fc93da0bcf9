/*
 * ns_internal.h: the pieces of the "ns" sandbox driver, internal to worker/sandbox.
 *
 * The driver (ns.c) owns one ns_sandbox_t per sandbox. It is assembled from:
 *   ns_root.c     the sandbox init: namespaces, the tmpfs root, pivot_root (runs in the child)
 *   ns_exec.c     one command: join the namespaces, a fresh pid namespace per exec, drop
 *                 privileges, seccomp, exec; host side drains output and enforces the deadline
 *   workload_seccomp.c  the syscall filter (shared with gvisor and the microVM guest),
 *                 compiled once per process into a BPF program every sandbox applies
 *   ns_cgroup.c   pids and memory limits (cgroup v1 or v2)
 *   ns_fwd.c      egress forwarder: 127.0.0.1:3128 inside -> the task's proxy unix socket
 *   ns_events.c   exec events from the kernel's proc connector
 *
 * Identity: the sandbox user namespace maps uids/gids 0..NS_ID_COUNT-1 to
 * NS_HOST_ID_BASE.. on the host. Sandbox root (init, setup only) is host uid
 * NS_HOST_ID_BASE; the workload runs as NS_WORKLOAD_ID inside, i.e.
 * NS_HOST_ID_BASE + NS_WORKLOAD_ID on the host: an unprivileged uid owning nothing.
 *
 * Code that runs between fork and exec (marked "child side") uses only
 * async-signal-safe calls: the worker is multithreaded.
 */
#ifndef AIRLOCK_NS_INTERNAL_H
#define AIRLOCK_NS_INTERNAL_H

#include "worker/sandbox/sandbox_private.h"

#include "worker/sandbox/sandbox_driver.h"
#include "worker/guest/workload_seccomp.h"

#include <linux/filter.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#define NS_HOST_ID_BASE 1000000000u /* far above /etc/subuid allocations (100000 + 65536*n) */
#define NS_ID_COUNT 65536u
#define NS_WORKLOAD_ID 1000u
#define NS_PROXY_PORT 3128
#define NS_TMP_MB 64u               /* size of the private /tmp and /dev/shm tmpfs */

#define NS_DEFAULT_MEMORY_MB 256u
#define NS_DEFAULT_DISK_MB 512u
#define NS_DEFAULT_PROCS 256u
#define NS_DEFAULT_OUTPUT (16u * 1024 * 1024)
#define NS_EXPORT_MAX_ENTRIES 1000000u  /* files, dirs and links in an exported workspace */

/* Namespaces joined by every exec, in setns() order: the user namespace last,
 * because joining it gives up the host capabilities the others need. Not the pid
 * namespace: each exec gets a fresh one (the kernel refuses CLONE_NEWPID after
 * setns(pid)), so the sandbox init's pid namespace holds only init. */
enum { NS_IPC, NS_UTS, NS_NET, NS_CGROUP, NS_MNT, NS_USER, NS_COUNT };

/* ---- cgroup limits (ns_cgroup.c) ---- */
typedef struct ns_cgroup ns_cgroup_t;
/* Creates the sandbox's cgroup(s) below the worker's own and writes the limits. */
int ns_cgroup_new(ns_cgroup_t **out, const char *name, const sandbox_limits_t *lim);
/* Child side: moves `pid` into every hierarchy of the cgroup. 0 or -errno. */
int ns_cgroup_attach(const ns_cgroup_t *cg, pid_t pid);
/* Number of OOM kills recorded for the cgroup so far (0 if unknown). */
uint64_t ns_cgroup_oom_kills(const ns_cgroup_t *cg);
/* 1 if host pid `pid` is a member (reads /proc/<pid>/cgroup), else 0. */
int ns_cgroup_has_pid(const ns_cgroup_t *cg, pid_t pid);
const char *ns_cgroup_version(const ns_cgroup_t *cg); /* "v1" | "v2" */
/* Removes the cgroup(s); the processes must be gone. NULL-safe, nulls *cg. */
void ns_cgroup_destroy(ns_cgroup_t **cg);
/* Removes empty sandbox cgroups left by dead worker processes (at most once a
 * minute per process; a dead worker's janitor removes its own at once). */
void ns_cgroup_sweep(void);
/* 1 if cgroup limits can be applied on this host, else 0 with al_err_msg(). */
int ns_cgroup_available(void);

/* ---- seccomp: the workload filter (workload_seccomp.h), shared with gvisor and the guest ---- */

/* ---- sandbox init (ns_root.c) ---- */
/* Where the init mounts the new root before pivot_root, inside its private mount
 * namespace. /tmp is searchable by every uid (1777), unlike a state directory
 * below a 0700 parent, which the user namespace's root could not reach. */
#define NS_ROOT_MOUNT "/tmp"

typedef struct {
    const char *root_dir;   /* NS_ROOT_MOUNT */
    const char *etc_dir;    /* the default environment's staged /etc (default_env.h) */
    const char *env_tree;   /* an environment's root tree, or NULL (default environment) */
    int sync_fd;            /* child side: reads "go" once id maps are written, writes status */
    int lifeline_fd;        /* read end: EOF when the worker is gone -> init exits */
    int workspace_fd;       /* the workspace tmpfs, a detached mount (fsmount) for /workspace */
} ns_root_args_t;
/* Child side, never returns: sets up the root and becomes the sandbox's idle pid 1.
 * Errors are written to sync_fd as text before _exit(1). */
void ns_root_init_main(const ns_root_args_t *args) __attribute__((noreturn));

/* ---- egress forwarder (ns_fwd.c) ---- */
/* Starts a process in the sandbox's network namespace relaying 127.0.0.1:3128 to
 * the unix socket `socket_path`. *pid_out is its process group leader. */
#define NS_FWD_MAX_RELAYS 32   /* connections relayed at once; more wait in the backlog */
int ns_fwd_start(pid_t *pid_out, int netns_fd, int lifeline_fd, const char *socket_path);
void ns_fwd_stop(pid_t *pid);

/* ---- exec events (ns_events.c) ---- */
typedef struct ns_events ns_events_t;
/* Subscribes to the proc connector. NULL with al_err_msg() when unavailable. */
ns_events_t *ns_events_new(const ns_cgroup_t *cg);
int ns_events_fd(const ns_events_t *ev);
/* Marks `pid` (host pid) as belonging to the sandbox; its descendants follow. */
void ns_events_track(ns_events_t *ev, pid_t pid);
/* Reads what is queued (non-blocking) and reports execs of tracked processes. */
void ns_events_drain(ns_events_t *ev, sandbox_exec_event_fn fn, void *ctx);
/* Reports the overflows counted since the last call as one loss marker (none: nothing). */
void ns_events_report_lost(ns_events_t *ev, sandbox_exec_event_fn fn, void *ctx);
void ns_events_destroy(ns_events_t **ev);

/* ---- the driver object (ns.c) ---- */
typedef struct {
    sandbox_t base;                 /* first member (sandbox_driver.h) */
    pid_t init_pid;
    int nsfd[NS_COUNT];
    int lifeline_w;                 /* worker keeps the write end; init/forwarder watch the read end */
    int lifeline_r;
    ns_cgroup_t *cg;
    const workload_bpf_t *bpf;      /* the process's one program (workload_seccomp_shared), lent */
    pid_t fwd_pid;
    char *task_id;
    char *proxy_url;                /* http://airlock:<token>@127.0.0.1:3128 or NULL */
    char kernel[128];
    unsigned execs;                 /* commands run so far */
    int broken;                     /* set when the sandbox can no longer run commands */
    uint64_t ws_bytes;              /* the workspace tmpfs after workspace_in: tree + disk_mb; 0 before */
    char *environment;              /* the environment's digest, NULL for the default */
    pthread_mutex_t run_mu;         /* guards run_pidfd and interrupted (sandbox_interrupt) */
    int run_pidfd;                  /* pidfd of the running command's G, -1 when none */
    int interrupted;                /* sticky: every command from now on is killed at once */
} ns_sandbox_t;

/* ns_exec.c */
int ns_exec_run(ns_sandbox_t *sb, const sandbox_exec_req_t *req, sandbox_exec_result_t *res);
/* Any thread: kills the running command's pid namespace (G) now, and every
 * later command as soon as it starts (CANCEL). */
void ns_exec_interrupt(ns_sandbox_t *sb);

/* Helpers shared by the child-side code (ns_exec.c, ns_root.c, ns_fwd.c). */
/* Child side: moves fds[0..n-1] to 3..3+n-1 (updating fds[]) and closes every other fd >= 3. */
int ns_fds_keep(int *fds, int n);
/* Child side: drops supplementary groups and sets all uids/gids to `id` (inside the
 * current user namespace) with raw syscalls: glibc's wrappers broadcast the change
 * to every thread the parent had (SIGSETXID) and would wait forever in a child made
 * by a raw clone() of a multithreaded worker. 0 or -errno. */
int ns_set_ids(unsigned id);
/* Child side: points fds 0, 1 and 2 at /dev/null. */
void ns_stdio_null(void);
/* Child side: formats "a b: strerror(err)" (b and err optional) into dst, truncating. */
size_t ns_child_fmt(char *dst, size_t size, const char *a, const char *b, int err);
/* Child side: writes that message to fd (best effort). */
void ns_child_say(int fd, const char *a, const char *b, int err);

#endif
