/*
 * plugin_host_child.h: the child side of the plugin runner (child.c) and
 * the parent's supervision of it (runner.c). Internal to worker/plugin_host.
 */
#ifndef AIRLOCK_PLUGIN_HOST_CHILD_H
#define AIRLOCK_PLUGIN_HOST_CHILD_H

#include "worker/plugin_host/plugin_host_internal.h"

#include <sys/types.h>

typedef struct {
    const char *path;
    plugin_input_t *input;     /* NULL: probe only */
    plugin_limits_t limits;
} child_job_t;

/* In the child, never returns. */
void child_main(const child_job_t *job, int wfd, pid_t parent) __attribute__((noreturn));

/* In the child: installs the syscall filter run before analyze
 * (child_seccomp.c). Returns 0 or -1. */
int child_seccomp_install(int result_fd);

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

/* Forks a child for `job`. On error nothing is left running, c->out.buf may
 * be set (free it with child_out_free). Errors: AL_EIO, AL_ENOMEM. */
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
