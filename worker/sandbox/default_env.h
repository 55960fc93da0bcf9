/*
 * default_env.h: the built-in default environment, the same on every driver.
 *
 * A job that names no environment runs on the worker host's own toolchain:
 * the host's /usr, read-only, and an /etc made of
 *   - generated account and name-service files (passwd, group with the
 *     unprivileged `sandbox` user 1000, hosts, hostname, nsswitch.conf, an
 *     empty resolv.conf, mtab), never the host's own accounts or shadow;
 *   - public configuration copied from the host's /etc by an allow-list
 *     (alternatives, ld.so.cache, CA certificates, os-release, ...: what a
 *     normal Debian userland needs to find `cc`, libraries and certificates),
 *     never credentials (no ssl/private, ssh, pip.conf, npmrc, gitconfig).
 * The tree is staged once per process into a world-readable directory named
 * by its content digest ($TMPDIR/airlock-etc-<digest>/etc) and shared by the
 * drivers: ns binds it read-only as /etc, microvm appends it to the guest's
 * initramfs, gvisor mounts it into the OCI bundle.
 *
 * Ownership: the returned paths are owned by this module and live as long as
 * the process; the staged files are never changed after staging.
 */
#ifndef AIRLOCK_SANDBOX_DEFAULT_ENV_H
#define AIRLOCK_SANDBOX_DEFAULT_ENV_H

#include "worker/sandbox/sandbox_private.h"

/* The staged /etc directory (".../etc"). 0, or AL_EIO/AL_ENOMEM with the reason. */
int default_env_etc_dir(const char **out);

/* An initramfs holding base_cpio followed by the staged /etc as a second
 * cpio archive (Linux unpacks concatenated archives in order). Built once per
 * process for the first base_cpio given. */
int default_env_initramfs(const char *base_cpio, const char **out);

/* The allow-list of host /etc entries (for docs and tests), NULL-terminated.
 * Entries are paths below /etc; a '*' matches within one path component. */
extern const char *const default_env_host_etc[];

#endif
