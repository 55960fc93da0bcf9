/*
 * init.h: internals shared by the files of airlock-init, the guest agent that
 * runs as PID 1 inside every microVM (init.c boot + request loop,
 * init_exec.c command execution, init_procev.c exec auditing).
 */
#ifndef AIRLOCK_GUEST_INIT_H
#define AIRLOCK_GUEST_INIT_H

#include "worker/guest/agent_proto.h"
#include "worker/guest/workload_seccomp.h"

#include <stdint.h>

#define INIT_SANDBOX_UID 1000
#define INIT_CGROUP "/sys/fs/cgroup/job"

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

/* Runs one EXEC request to completion, streaming OUTPUT and sending EXIT. */
void init_exec_run(init_ctx_t *c, const agent_msg_t *req);

/* Reaps every exited child without blocking (orphans reparent to PID 1). */
void init_reap(init_ctx_t *c);

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
