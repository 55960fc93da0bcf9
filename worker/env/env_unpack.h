/*
 * env_unpack.h: turns a verified environment image into a root tree a
 * sandbox can use, and that tree into an erofs image.
 *
 *   env_unpack()    zstd -dc IMAGE | (sha256 + byte count, here) | tar -x into
 *                   dest, as root, with GNU tar's protections (no absolute or
 *                   ".." member names, symlinks never followed while
 *                   extracting); dest must be an empty directory.
 *   env_finalize()  makes any tree fit Airlock's sandboxes, the same on every
 *                   worker: removes device nodes, FIFOs and sockets and every
 *                   setuid/setgid bit; real directories (never links) for the
 *                   mount points /workspace /proc /dev /sys /tmp /run /root;
 *                   /etc/hosts, hostname, resolv.conf (empty: no DNS) and
 *                   mtab written by Airlock; an account with uid/gid 1000
 *                   (home /workspace) added when the tree has none.
 *   env_erofs()     mkfs.erofs of the tree (fixed time and UUID: the same
 *                   tree gives the same bytes), padded with a sparse tail
 *                   to disk_bytes.
 * External tools get an argv, never a shell; their output goes to log_path.
 */
#ifndef AIRLOCK_WORKER_ENV_UNPACK_H
#define AIRLOCK_WORKER_ENV_UNPACK_H

#include <stdint.h>

int env_unpack(const char *image, const char *dest, const char *log_path, char tree_sha256[65],
               uint64_t *tree_bytes);
int env_finalize(const char *root, const char *user);
int env_erofs(const char *root, const char *out, uint64_t disk_bytes, const char *log_path);

#endif
