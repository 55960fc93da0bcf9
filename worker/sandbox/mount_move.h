/*
 * mount_move.h: a host mount, cloned, moved into a sandbox's mount namespace.
 *
 * Layered workspaces (docs/WORKSPACE.md) are overlay mounts the worker makes
 * in its own namespace; the ns and gvisor drivers attach one as a sandbox's
 * workspace with this: open_tree(OPEN_TREE_CLONE) in the caller (the clone
 * keeps the mount's flags, e.g. nosuid,nodev), then a forked helper that
 * joins only the target mount namespace and move_mount()s the clone onto
 * `target` there, over whatever was mounted on it.
 */
#ifndef AIRLOCK_SANDBOX_MOUNT_MOVE_H
#define AIRLOCK_SANDBOX_MOUNT_MOVE_H

#include "worker/sandbox/sandbox_private.h"

/* `what` names the caller in error messages ("ns workspace_attach").
 * 0, or AL_ESANDBOX with the step that failed. */
int mount_move_into(int mntns_fd, const char *host_dir, const char *target, const char *what);

#endif
