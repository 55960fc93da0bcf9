/*
 * microvm_vm.h: one microVM instance, below everything else of the microvm
 * driver. Not a public header: callers use sandbox.h and pool.h.
 *
 * The instance is implemented in two files: microvm_qemu.c (the host
 * processes: binaries, state directory, qemu command line, QMP, kill/reap)
 * and microvm_vm.c (alloc/free, the guest agent channel: READY, requests,
 * a cold boot). Above it, each with its own header: kvm_probe.c (KVM or
 * TCG), microvm_snapshot.c (base snapshot and copy-on-write clones) and
 * microvm.c (the driver ops). Nothing here calls up into them.
 *
 * One microvm_t owns: its state directory (sockets, workspace image, console
 * log, removed on destroy), the qemu child process (killed and
 * reaped on destroy; PR_SET_PDEATHSIG kills them if the creating thread dies,
 * the janitor removes the state directory if the worker dies: janitor.h),
 * its jail (leased uid and cgroup, released after qemu is reaped), and the
 * agent channel and QMP fds.
 */
#ifndef AIRLOCK_SANDBOX_MICROVM_VM_H
#define AIRLOCK_SANDBOX_MICROVM_VM_H

#include "worker/sandbox/sandbox_private.h"

#include "worker/sandbox/sandbox_driver.h"
#include "worker/guest/agent_proto.h"
#include "worker/sandbox/microvm_qmp_reply.h"
#include "worker/sandbox/microvm_egress.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#define MICROVM_GUEST_UID 1000
#define MICROVM_LOG_MAX (1u << 20)  /* bytes kept of console.log and of qemu.log each */

typedef struct {
    const char *qemu;         /* qemu-system-x86_64 binary */
    const char *kernel;       /* vmlinux */
    const char *initramfs;    /* airlock-initramfs.cpio */
    unsigned tsc_khz;         /* 0 when unknown */
} microvm_paths_t;

typedef struct microvm {
    sandbox_t base;           /* first member (sandbox_driver.h); microvm.c sets base.ops
                                 on the instances it hands out as sandboxes */
    char *dir;                /* state directory (owned) */
    char *disk;               /* dir/ws.img */
    char *env_disk;           /* the environment's erofs image, or dir/env-none.img */
    char *env_digest;         /* the environment, NULL for the default */
    pid_t qemu_pid;
    pid_t log_pid;            /* the log keeper: console.log and qemu.log, capped */
    struct microvm_jail *jail;/* qemu's uid, cgroup (microvm_jail.h); NULL before spawn */
    pthread_mutex_t kill_mu;  /* guards qemu_pid against sandbox_interrupt */
    int interrupted;          /* sticky, under kill_mu: qemu was killed by an interrupt */
    int chan, qmp;            /* agent channel, QMP connection; -1 when closed */
    int egress_chan;          /* host side of the "egress" port, -1 when closed */
    microvm_egress_t *egress; /* the relay once bound to a proxy (microvm_egress.h) */
    agent_reader_t *rd;
    uint64_t next_id;
    int accel_kvm;
    int background;           /* made for a pool: lowest CPU weight until taken */
    int net;                  /* bound to an egress proxy: execs get the proxy env */
    int broken;               /* channel lost or deadline passed: only destroy */
    unsigned disk_mb;         /* the job's room for what a stage writes */
    unsigned ws_mb;           /* the workspace image (and its device) now: tree + room */
    char *token;              /* egress token (owned copy) or NULL */
    char *kernel_release, *vmm;
    char isolation[8];
    char qbuf[16384];         /* QMP line buffer */
    size_t qlen;
} microvm_t;

/* How to start qemu. */
typedef enum { MICROVM_BOOT_COLD, MICROVM_BOOT_BASE, MICROVM_BOOT_CLONE } microvm_boot_t;
typedef struct {
    microvm_boot_t mode;      /* COLD/BASE boot the kernel; CLONE waits for -incoming */
    int ram_fd;               /* BASE: a memfd qemu maps shared; CLONE: that memfd,
                                 sealed, mapped private (copy-on-write); else -1 */
    int incoming_fd;          /* CLONE: fd of the saved device state, -1 otherwise */
    unsigned vcpus, memory_mb;
} microvm_launch_t;

/* microvm_qemu.c */
int microvm_paths(const microvm_paths_t **out);
const char *microvm_qemu_version(void);
int microvm_state_dir(microvm_t *vm, const char *parent);
/* The workspace image for a tree (tree_usage.h) plus disk_mb of room for a
 * stage's writes: its size in MiB and its inode count. */
void microvm_image_size(unsigned disk_mb, uint64_t tree_bytes, uint64_t tree_entries, unsigned *size_mb,
                        unsigned *inodes);
/* mke2fs: an ext4 image of size_mb with at least `inodes` inodes, filled from
 * src_dir (NULL: empty). An existing larger file keeps its length (qemu holds it). */
int microvm_disk_create(const char *img, unsigned size_mb, unsigned inodes, const char *src_dir);
/* The workspace device becomes size_mb (QMP block_resize; the guest sees the
 * new capacity shortly after: MOUNT waits for it). */
int microvm_disk_resize(microvm_t *vm, unsigned size_mb, uint64_t deadline_ms);
int microvm_spawn(microvm_t *vm, const microvm_launch_t *l, uint64_t deadline_ms);
/* Sends cmd_json (NULL: read the greeting) and reads up to its reply, skipping
 * events; an "error" reply is AL_ESANDBOX with qemu's description. */
int microvm_qmp(microvm_t *vm, const char *cmd_json, microvm_qmp_reply_t *reply, uint64_t deadline_ms);
/* Hands fd to qemu as monitor descriptor `name` (QMP getfd over SCM_RIGHTS). */
int microvm_qmp_getfd(microvm_t *vm, const char *name, int fd, uint64_t deadline_ms);
/* Kills qemu (and what is left in its jail's cgroup), releases its jail. */
void microvm_kill(microvm_t *vm);
/* Any thread: kills qemu now (CANCEL); the exec in progress returns killed. */
void microvm_interrupt(microvm_t *vm);
/* Runs a host tool (argv[0] absolute or via PATH), output appended to log;
 * 0 when it exits 0, else AL_EIO naming the tool and its status. */
int microvm_run_tool(const char *const *argv, const char *log_path);
int microvm_rm_rf(const char *path);

/* microvm_vm.c */
/* A stopped instance with the spec's limits (defaults filled in), no
 * process and no state directory yet; NULL when out of memory. */
microvm_t *microvm_alloc(const sandbox_spec_t *spec);
/* Kills what runs, removes the state directory, frees; NULL-safe. */
void microvm_free(microvm_t *vm);
/* Reads frames until the agent's READY (checks its protocol version). */
int microvm_wait_ready(microvm_t *vm, uint64_t deadline_ms);
/* Sends rq (its id assigned here) and reads up to its OK or ERROR; a lost
 * channel or passed deadline breaks the instance. */
int microvm_request(microvm_t *vm, agent_msg_t *rq, uint64_t deadline_ms);
/* A request of `type` with no fields, with the usual 60 s deadline. */
int microvm_request_simple(microvm_t *vm, agent_msg_type_t type);
/* The empty workspace image a VM boots with: sets ws_mb from the job's disk_mb. */
int microvm_disk_create_empty(microvm_t *vm);
/* MOUNT, the guest waiting until the workspace device shows ws_mb. */
int microvm_mount_workspace(microvm_t *vm, uint64_t deadline_ms);
uint64_t microvm_boot_timeout_ms(void);
/* Boots a fresh guest (state dir, empty workspace disk, qemu, READY, mount). */
int microvm_boot_cold(microvm_t *vm, const sandbox_spec_t *spec, uint64_t deadline_ms);

#endif
