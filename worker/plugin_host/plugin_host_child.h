/*
 * plugin_host_child.h: the analyzer host (airlock-analyzer: analyzer_main.c,
 * child.c) and the worker's side of it (runner.c). Every plugin runs in a
 * fresh exec of the analyzer host, never in a fork of the worker: a fork of
 * a multithreaded process inherits every lock other threads hold at that
 * moment and a copy of all its memory (keys, tokens). Internal to
 * worker/plugin_host.
 *
 * The analyzer host's interface (runner.c starts it, analyzer_main.c parses it):
 *   airlock-analyzer probe PLUGIN PARENT_PID MEMORY_BYTES CPU_S
 *   airlock-analyzer run   PLUGIN PARENT_PID MEMORY_BYTES CPU_S MAX_FINDINGS
 * fd 0 /dev/null, fd 3 the result pipe (wire messages), fd 4 (run) a sealed
 * memfd holding the view (input_blob.h); no other descriptor, an empty
 * environment, its own process group, default signal dispositions. Started
 * as root, it runs the plugin as ANALYZER_UID.
 */
#ifndef AIRLOCK_PLUGIN_HOST_CHILD_H
#define AIRLOCK_PLUGIN_HOST_CHILD_H

#include "worker/plugin_host/input_blob.h"
#include "worker/plugin_host/plugin_host_internal.h"

#include <sys/types.h>

#define CHILD_FD 3       /* the result pipe in the analyzer host */
#define CHILD_INPUT_FD 4 /* the input memfd in the analyzer host (run) */

/* The uid (and gid) the analyzer host runs plugins as when started as root:
 * nobody's. Analyzer hosts of one uid cannot trace each other (they are not
 * dumpable after the drop) and, under the seccomp filter, signal only
 * themselves. */
#define ANALYZER_UID 65534

/* In the analyzer host, once confined: probes (view NULL) or runs the plugin
 * loaded from load_path (plugin_path names it in messages) over view.
 * Never returns. */
void child_main(const char *load_path, const char *plugin_path, input_blob_view_t *view,
                unsigned max_findings) __attribute__((noreturn));

/* In the analyzer host: installs the syscall filter run before analyze
 * (child_seccomp.c). Returns 0 or -1. */
int child_seccomp_install(int result_fd);

/* What the worker asks of one analyzer host. */
typedef struct {
    const char *helper;        /* the airlock-analyzer executable */
    const char *path;          /* the plugin */
    int input_fd;              /* the view's memfd (input_blob_write); -1: probe only */
    plugin_limits_t limits;
} child_job_t;

/* What the parent saw of one child. */
typedef struct {
    char *buf;                 /* the bytes it sent (malloc'd) */
    size_t len;
    int wait_status;           /* from waitpid */
    int timed_out;
    int overflow;              /* sent more than max_wire_bytes */
    uint64_t wall_us;
} child_out_t;

/* One running child, as the parent sees it. */
typedef struct {
    pid_t pid;                 /* 0 once reaped */
    int rfd, pidfd;
    int eof, exited;
    uint64_t t0, deadline;     /* CLOCK_MONOTONIC, microseconds */
    size_t max_wire;
    child_out_t out;
} child_t;

/* Starts the analyzer host for `job` (posix_spawn: nothing of this process
 * runs in the child before exec). On error nothing is left running,
 * c->out.buf may be set (free it with child_out_free). Errors: AL_EPLUGIN
 * (the analyzer host cannot be started: message names it), AL_EIO,
 * AL_ENOMEM. */
int child_start(const child_job_t *job, child_t *c);
/* Watches n started children until each has exited and closed its pipe, or
 * hit its deadline or byte bound. */
void child_supervise(child_t *cs, size_t n);
/* Kills what is left of the child's process group, reaps it, closes fds.
 * c->out stays for the caller. */
void child_finish(child_t *c);

/* start + supervise + finish for one child. *out owns the bytes (free with
 * child_out_free, also on error). */
int child_run(const child_job_t *job, child_out_t *out);
void child_out_free(child_out_t *out);

#endif
