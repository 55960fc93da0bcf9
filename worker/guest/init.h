/*
 * init.h: internals shared by the files of airlock-init, the guest agent that
 * runs as PID 1 inside every microVM (init.c boot + request loop,
 * init_exec.c command execution, init_prefork.c the next command's process
 * made ahead, init_confine.c a command's confinement, init_procev.c exec
 * auditing).
 */
#ifndef AIRLOCK_GUEST_INIT_H
#define AIRLOCK_GUEST_INIT_H

#include "worker/guest/agent_proto.h"
#include "worker/guest/workload_seccomp.h"

#include <stdint.h>
#include <sys/types.h>

#define INIT_SANDBOX_UID 1000
#define INIT_CGROUP "/sys/fs/cgroup/job"

/* The next command's process, confined and waiting for its request (init_prefork.c). */
typedef struct {
    pid_t pid;           /* -1 when there is none */
    int ctl;             /* init's end of the socket pair the request goes through */
    int fds[2];          /* its stdout, stderr read ends (non-blocking) */
    const char *root;    /* the init_ctx_t root it was made for */
} init_prefork_t;

typedef struct {
    int port;            /* the virtio-serial command port (owned) */
    int procev;          /* proc connector socket, -1 if unavailable (owned) */
    int sigchld;         /* signalfd for SIGCHLD (owned) */
    uint64_t cur_id;     /* id of the exec in progress, 0 when idle */
    const char *root;    /* "" or INIT_ENV_ROOT: where commands are chrooted */
    int ws_mounted;      /* the workspace disk is mounted */
    uint64_t procev_lost; /* proc connector overflows (ENOBUFS) not yet reported */
    workload_bpf_t bpf;  /* the workload's syscall filter; len 0 when it could not be built */
    int egress_pid;      /* the egress forwarder (egress_fwd.c), -1 when not started */
    int fixed_layout;    /* workload processes run without address randomization
                          * (airlock.tcg on the command line; docs/SANDBOX.md) */
    init_prefork_t prefork;
} init_ctx_t;

/* A job environment's root (ENV_ROOT): the erofs disk with serial "airlock-env". */
#define INIT_ENV_ROOT "/env"
#define INIT_ENV_SERIAL "airlock-env"

/* Reply helpers: write one frame to the port; errors are logged to the console. */
void init_reply_ok(init_ctx_t *c, uint64_t id);
void init_reply_err(init_ctx_t *c, uint64_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void init_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Proc connector: open and subscribe (-1 when unavailable); read every pending
 * event and send EXEC_EVENT frames for execs of processes other than PID 1;
 * overflows (ENOBUFS: the kernel dropped events) are counted in procev_lost. */
int init_procev_open(void);
void init_procev_drain(init_ctx_t *c);
/* Sends one EXEC_LOST frame for exec `id` when overflows were counted, and resets the count. */
void init_procev_report_lost(init_ctx_t *c, uint64_t id);

/* Runs one EXEC request to completion, streaming OUTPUT and sending EXIT;
 * then makes the next command's process (init_prefork_make). */
void init_exec_run(init_ctx_t *c, const agent_msg_t *req);

/* Reaps every exited child without blocking (orphans reparent to PID 1). */
void init_reap(init_ctx_t *c);

/* In a child of init (init_confine.c; never return on failure): confine it as
 * the workload - user `uid`, out_w/err_w as stdout/stderr, keep_fd (or -1)
 * kept as fd 3 (close-on-exec), every other descriptor closed - and run argv
 * with env in cwd ("" or NULL: /workspace). */
void init_confine(const init_ctx_t *c, int64_t uid, int out_w, int err_w, int keep_fd);
void init_run_program(const char *cwd, char *const argv[], char *const env[]) __attribute__((noreturn));

/* The next command's process (init_prefork.c). make: fork and confine one
 * unless there is one (logged when it cannot). hand: give it the request (env:
 * the environment the command gets); its pid, with its stdout/stderr read ends
 * in fds, or 0 when there was none for this request (dropped if there was one
 * for another root or user): fork one. drop: kill it. reaped: init_reap saw
 * `pid` exit. */
void init_prefork_make(init_ctx_t *c);
pid_t init_prefork_hand(init_ctx_t *c, const agent_msg_t *rq, char *const env[], int fds[2]);
void init_prefork_drop(init_ctx_t *c);
void init_prefork_reaped(init_ctx_t *c, pid_t pid);

/* The virtio-serial port named `name` opened O_RDWR, or -1. */
int init_open_port(const char *name);

/* ioctl(req) with an IPv4 address on interface `name` ("lo:1" makes an alias);
 * addr NULL: bring the interface up. */
int init_ifreq(int s, const char *name, unsigned long req, const char *addr);

/* EGRESS (egress_fwd.c): 10.0.2.100/32 on lo and a forwarder process serving
 * 10.0.2.100:3128 over the "egress" port. Idempotent. 0 or -1 with errno. */
int init_egress_start(init_ctx_t *c);

/* Writes text to a file (cgroup/proc knobs). 0 or -1 with errno. */
int init_write_file(const char *path, const char *text);

#endif
