/*
 * microvm_jail.h: the jail every qemu of the microvm driver runs in
 * (docs/SANDBOX.md "The VMM jail").
 *
 * One jail per VM: a host uid leased for it alone (uid_lease.h), a cgroup of
 * its own below the worker's (pids, memory, cpu: airlock-vm-<pid>-<n>,
 * registered with the janitor) and, in the forked child before exec, a
 * private mount namespace whose root is an empty read-only tmpfs holding
 * only /usr (read-only), a few device nodes, a proc that shows the jail's own
 * processes (hidepid=invisible, subset=pid) and the host files the caller
 * names (kernel, initramfs, helpers), each read-only at its own path. Then
 * the child drops to the leased uid with no capabilities and no_new_privs.
 * Everything else qemu uses it gets as inherited file descriptors.
 *
 * Owns the lease and the cgroup; destroy kills what is left in the cgroup,
 * removes it and releases the uid.
 */
#ifndef AIRLOCK_SANDBOX_MICROVM_JAIL_H
#define AIRLOCK_SANDBOX_MICROVM_JAIL_H

#include "worker/sandbox/sandbox_private.h"

#include "worker/sandbox/sandbox.h"

#include <sys/types.h>

/* Host memory qemu needs beyond the guest's RAM: TCG translation cache
 * (32 MiB), its own code and libraries, device and 9p buffers. */
#define MICROVM_JAIL_OVERHEAD_MB 256u
/* Host tasks of one qemu: main loop, RCU, vCPUs, up to 64 block/9p worker
 * threads, and guestfwd helpers of an egress VM. */
#define MICROVM_JAIL_PIDS 128u
#define MICROVM_JAIL_ROOT "/run/airlock/vmm-root"
#define MICROVM_JAIL_BINDS_MAX 8

typedef struct microvm_jail microvm_jail_t;

/* Leases a uid and creates the cgroup with limits derived from the VM's:
 * memory = guest RAM + workspace disk (its page cache) + overhead, pids =
 * MICROVM_JAIL_PIDS + vCPUs, CPU = vCPUs + 1 whole CPUs. 0 or an AL_E* code. */
int microvm_jail_new(microvm_jail_t **out, unsigned vcpus, unsigned memory_mb, unsigned disk_mb);
uid_t microvm_jail_uid(const microvm_jail_t *j);
const char *microvm_jail_cgroup(const microvm_jail_t *j);
/* The VM's CPU weight: lowest while it is made for a pool (background 1),
 * the default once a task takes it. 0 or an AL_E* code. */
int microvm_jail_background(microvm_jail_t *j, int background);

/* Child side, after fork and before exec (no allocation): joins the cgroup,
 * builds the mount namespace with `binds` (host paths, NULL-terminated, at
 * most MICROVM_JAIL_BINDS_MAX; paths under /usr are already there) and
 * /dev/kvm when kvm, drops to the uid, sets no_new_privs and the parent-death
 * signal (checking `parent` is still there). 0, or -errno with *step naming
 * what failed. */
int microvm_jail_enter(const microvm_jail_t *j, const char *const *binds, int kvm, pid_t parent, const char **step);

/* SIGKILLs what is left in the cgroup, removes it, releases the uid.
 * NULL-safe, nulls *j. */
void microvm_jail_destroy(microvm_jail_t **j);

#endif
