/*
 * uid_lease.h: host uids for the processes that handle a sandbox's data
 * outside the sandbox: each microVM's qemu and its helpers, and the
 * unprivileged writer of an exported workspace (tree_writer.h). Every lease
 * is a uid no other live process of any worker on the host holds, from a
 * range far above /etc/subuid allocations and the ns driver's range
 * (NS_HOST_ID_BASE): nothing on the host belongs to these uids, and two
 * sandboxes never share one, so one compromised VMM cannot signal, trace or
 * write another's files.
 *
 * A lease is an flock(2) on UID_LEASE_DIR/<slot>; it lasts until
 * uid_lease_release() or until every process holding the lock fd (the
 * worker, and the sandbox's janitor, which keeps it until the processes of
 * that uid are gone) has exited. Needs root (the directory is root's, 0700).
 */
#ifndef AIRLOCK_SANDBOX_UID_LEASE_H
#define AIRLOCK_SANDBOX_UID_LEASE_H

#include "worker/sandbox/sandbox_private.h"

#include <sys/types.h>

#define UID_LEASE_BASE 1100000000u   /* NS_HOST_ID_BASE + 100 M: beyond the ns range */
#define UID_LEASE_SLOTS 65536u
#define UID_LEASE_DIR "/run/airlock/uid-leases"

typedef struct {
    uid_t uid;     /* also the gid */
    int fd;        /* the locked file; -1 when not held */
} uid_lease_t;
#define UID_LEASE_INIT { 0, -1 }

/* Takes a free uid. 0, or AL_ELIMIT when every slot is held, AL_EIO. */
int uid_lease_take(uid_lease_t *out);
/* Releases it (NULL-safe, idempotent). The caller makes sure no process of
 * that uid is left first. */
void uid_lease_release(uid_lease_t *l);

#endif
