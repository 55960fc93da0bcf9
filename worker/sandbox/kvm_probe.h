/*
 * kvm_probe.h: whether microVMs run under KVM (kvm_probe.c). Internal to
 * worker/sandbox; above the VM instance (microvm_vm.h), below the snapshot
 * clones and the driver ops.
 */
#ifndef AIRLOCK_SANDBOX_KVM_PROBE_H
#define AIRLOCK_SANDBOX_KVM_PROBE_H

#include "worker/sandbox/sandbox_private.h"

/* 1 when a real guest answered under -accel kvm (probed once per process,
 * honours AIRLOCK_MICROVM_ACCEL=kvm|tcg), else 0. */
int microvm_kvm_usable(void);

#endif
