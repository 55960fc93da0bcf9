/*
 * sandbox_knobs.h: the sandbox drivers' settings (binaries, the guest
 * kernel, probes, debugging switches), one table with each knob's meaning.
 *
 * They are part of airlock-worker's settings table (worker/settings.c
 * includes SANDBOX_KNOB_DEFS), so `airlock-worker --help` lists them and a
 * settings file, AIRLOCK_<KEY> or --set sets them; the worker hands its
 * configuration over with sandbox_knobs_use() before any driver starts. A
 * process without it (tests, benchmarks, tools that open a sandbox directly)
 * reads AIRLOCK_<KEY> from its environment, as the worker's loader would.
 * Defaults that depend on the build tree stay with the driver that uses
 * them (NULL here, named in the help text).
 */
#ifndef AIRLOCK_SANDBOX_KNOBS_H
#define AIRLOCK_SANDBOX_KNOBS_H

#include <stddef.h>

#include "common/config.h"

#define SANDBOX_KNOB_DEFS                                                                                        \
    { "qemu", AL_CFG_STR, NULL, 0, 0, 0, "microvm: qemu binary (default /usr/bin/qemu-system-x86_64)" },           \
    { "kernel", AL_CFG_STR, NULL, 0, 0, 0,                                                                       \
      "microvm: guest kernel (default <kernel_cache_dir>/kernel/current/vmlinux)" },                             \
    { "kernel_cache_dir", AL_CFG_STR, NULL, 0, 0, 0,                                                             \
      "guest kernels built by scripts/build-guest-kernel (default /var/cache/airlock; the old name "             \
      "AIRLOCK_CACHE_DIR still works for it, with a deprecation warning)" },                                     \
    { "initramfs", AL_CFG_STR, NULL, 0, 0, 0, "microvm: guest initramfs (default: the build tree's)" },         \
    { "microvm_accel", AL_CFG_STR, NULL, 0, 0, 0, "microvm: kvm or tcg, skipping the KVM probe (default: probe)" }, \
    { "microvm_clones", AL_CFG_STR, NULL, 0, 0, 0, "microvm: 0 disables snapshot clones (default: on)" },       \
    { "vm_boot_timeout_ms", AL_CFG_STR, NULL, 0, 0, 0, "microvm: boot deadline, ms (default 120000)" },          \
    { "microvm_clone_pause_ms", AL_CFG_STR, NULL, 0, 0, 0,                                                       \
      "microvm: after 3 clone restores fail in a row, boot cold for this long, ms (default 60000)" },            \
    { "tsc_khz", AL_CFG_STR, NULL, 0, 0, 0, "microvm: guest TSC frequency, kHz (default: /proc/cpuinfo)" },    \
    { "keep_vm_state", AL_CFG_STR, NULL, 0, 0, 0, "microvm: set = keep each VM's directory (debugging)" },       \
    { "runsc", AL_CFG_STR, NULL, 0, 0, 0, "gvisor: runsc binary (default: /usr/bin, /usr/sbin, /usr/local/bin)" }, \
    { "gvisor_guest_dir", AL_CFG_STR, NULL, 0, 0, 0,                                                             \
      "gvisor: in-sandbox helpers (default: the build tree's, else /usr/lib/airlock/gvisor)" },                 \
    { "gvisor_platform", AL_CFG_STR, NULL, 0, 0, 0,                                                              \
      "gvisor: ptrace, systrap or kvm (default: systrap when runsc has it, else ptrace)" },                     \
    { "keep_gvisor_state", AL_CFG_STR, NULL, 0, 0, 0, "gvisor: set = keep each sandbox's directory (debugging)" }, \
    { "tree_writer", AL_CFG_STR, NULL, 0, 0, 0, "airlock-tree-writer helper (default: the build tree's)" },     \
    { "janitor", AL_CFG_STR, NULL, 0, 0, 0, "airlock-janitor helper (default: the build tree's)" },         \
    { "procev_rcvbuf", AL_CFG_STR, NULL, 0, 0, 0,                                                               \
      "exec events' netlink buffer, bytes, at most the default 4 MiB (tests shrink it to provoke exec.lost)" }

extern const al_config_def_t sandbox_knob_defs[];
extern const size_t sandbox_knob_count;

/* From now on knobs are read from cfg (lent; it must outlive every driver).
 * Called once by the worker at startup, before any thread starts. */
void sandbox_knobs_use(const al_config_t *cfg);

/* The value of knob `key` (one of sandbox_knob_defs): the worker's setting,
 * else AIRLOCK_<KEY> from the environment; NULL when unset or empty. */
const char *sandbox_knob(const char *key);

#endif
