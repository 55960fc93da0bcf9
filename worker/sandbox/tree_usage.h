/*
 * tree_usage.h: how much room a host directory tree takes once copied into a
 * sandbox's workspace file system: its content rounded up to 4 KiB blocks
 * and its entries. A driver that copies the tree in (microvm's ext4 image)
 * sizes its workspace as this plus the job's disk_mb, so disk_mb means the
 * same on every driver: the room a stage has for what it writes
 * (docs/SANDBOX.md "Workspace size").
 */
#ifndef AIRLOCK_SANDBOX_TREE_USAGE_H
#define AIRLOCK_SANDBOX_TREE_USAGE_H

#include "worker/sandbox/sandbox_private.h"

#include <stdint.h>

typedef struct {
    uint64_t bytes;     /* regular files, directories and long symlinks, each rounded up to 4 KiB */
    uint64_t entries;   /* every file, directory, symlink and special file below the root */
} tree_usage_t;

/* Walks dir without following symlinks or crossing mounts; 0 or AL_EIO. */
int tree_usage(const char *dir, tree_usage_t *out);

#endif
