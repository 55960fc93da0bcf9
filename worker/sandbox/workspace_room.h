/*
 * workspace_room.h: a tmpfs workspace sized for the tree copied into it.
 *
 * A job's disk_mb is the room a stage has for what it writes, on every
 * driver (docs/SANDBOX.md "Workspace size"): ns's layered workspace gives it
 * to the overlay's upper layer, microvm's image holds the tree plus disk_mb
 * (microvm_image_size), and the tmpfs workspaces that the tree is copied into
 * (ns without layers, gvisor) grow to the tree plus disk_mb before the copy.
 */
#ifndef AIRLOCK_SANDBOX_WORKSPACE_ROOM_H
#define AIRLOCK_SANDBOX_WORKSPACE_ROOM_H

#include "worker/sandbox/sandbox_private.h"
#include "worker/sandbox/tree_usage.h"

#include <stdint.h>

/* Reconfigures the tmpfs whose root is open as tmpfs_root_fd (fspick; the
 * mount may live in another mount namespace) to tree->bytes + disk_mb MiB,
 * and, when with_inodes, to tree->entries + the inodes disk_mb allows
 * (workspace_room_inodes). *size_bytes (may be NULL): the new size. */
int workspace_room_fit(int tmpfs_root_fd, const tree_usage_t *tree, unsigned disk_mb, int with_inodes,
                       uint64_t *size_bytes);

/* Inodes for disk_mb of room: one per 4 KiB, and 4096 to spare (gvisor's rule). */
uint64_t workspace_room_inodes(unsigned disk_mb);

#endif
