/*
 * microvm_kernel.h: whether a guest kernel can run the microvm driver's
 * guests, read from the build config scripts/build-guest-kernel writes beside
 * the vmlinux (`config`). The driver boots nothing else: its /usr is served by
 * qemu's own 9p server (qemu is jailed), never by a root helper process such as
 * virtiofsd, so a kernel without 9p (or without the virtio-mmio devices the
 * guest uses) is refused up front with the options it lacks, instead of VMs
 * that fail to boot one by one.
 */
#ifndef AIRLOCK_SANDBOX_MICROVM_KERNEL_H
#define AIRLOCK_SANDBOX_MICROVM_KERNEL_H

#include "worker/sandbox/sandbox_private.h"

/* 0 when the config beside `kernel` builds in everything the guest needs;
 * AL_ENOTFOUND (no config beside it) or AL_EINVAL (options missing), with the
 * reason in al_err_msg(). */
int microvm_kernel_check(const char *kernel);

#endif
