/*
 * microvm_snapshot.h: microVMs restored as copy-on-write clones of this
 * process's base VM (microvm_snapshot.c). Internal to worker/sandbox; above
 * the VM instance (microvm_vm.h) and the KVM probe, below the driver ops.
 */
#ifndef AIRLOCK_SANDBOX_MICROVM_SNAPSHOT_H
#define AIRLOCK_SANDBOX_MICROVM_SNAPSHOT_H

#include "worker/sandbox/sandbox_private.h"

#include "worker/sandbox/microvm_vm.h"

/* Restores a clone of the base into vm (booting and snapshotting the base on
 * first use). AL_ENOTFOUND when clones are not possible for this spec or
 * paused (the caller then boots cold); another error: this restore failed
 * (three in a row pause clones, microvm_clone_pause_ms). */
int microvm_clone_create(microvm_t *vm, const sandbox_spec_t *spec, uint64_t deadline_ms);

#endif
