/*
 * workspace_room.c: tmpfs workspaces grown to tree + room (workspace_room.h).
 * Owns the fspick context it opens, for one call.
 */
#include "worker/sandbox/workspace_room.h"
#include "common/error.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

uint64_t workspace_room_inodes(unsigned disk_mb) { return (uint64_t)disk_mb * 256u + 4096u; }

int workspace_room_fit(int tmpfs_root_fd, const tree_usage_t *tree, unsigned disk_mb, int with_inodes,
                       uint64_t *size_bytes)
{
    uint64_t bytes = tree->bytes + ((uint64_t)disk_mb << 20);
    char size[32], inodes[32];
    snprintf(size, sizeof size, "%llu", (unsigned long long)bytes);
    snprintf(inodes, sizeof inodes, "%llu", (unsigned long long)(tree->entries + workspace_room_inodes(disk_mb)));
    int fs = fspick(tmpfs_root_fd, "", FSPICK_EMPTY_PATH | FSPICK_CLOEXEC | FSPICK_NO_AUTOMOUNT);
    if (fs < 0)
        return al_err_set_errno(AL_ESANDBOX, "workspace size: fspick");
    int rc = 0;
    if (fsconfig(fs, FSCONFIG_SET_STRING, "size", size, 0) < 0 ||
        (with_inodes && fsconfig(fs, FSCONFIG_SET_STRING, "nr_inodes", inodes, 0) < 0) ||
        fsconfig(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) < 0)
        rc = al_err_set_errno(AL_ESANDBOX, "workspace size: tmpfs size=%s", size);
    close(fs);
    if (rc == 0 && size_bytes)
        *size_bytes = bytes;
    return rc;
}
