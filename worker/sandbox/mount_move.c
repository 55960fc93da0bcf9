/*
 * mount_move.c: a clone of a host mount moved onto a path of another mount
 * namespace (mount_move.h).
 */
#include "worker/sandbox/mount_move.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int mount_move_into(int mntns_fd, const char *host_dir, const char *target, const char *what)
{
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, host_dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0)
        return al_err_set_errno(AL_ESANDBOX, "%s: open_tree %s", what, host_dir);
    pid_t pid = fork();
    if (pid < 0) {
        close(tree);
        return al_err_set_errno(AL_ESANDBOX, "%s: fork mount helper", what);
    }
    if (pid == 0) {   /* async-signal-safe from here: the caller may be threaded */
        if (setns(mntns_fd, CLONE_NEWNS) < 0)
            _exit(1);
        if (syscall(SYS_move_mount, tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
            _exit(2);
        _exit(0);
    }
    close(tree);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return al_err_set_errno(AL_ESANDBOX, "%s: wait for the mount helper", what);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return al_err_set(AL_ESANDBOX, "%s: %s onto %s failed (%s)", what, host_dir, target,
                          WIFEXITED(status) && WEXITSTATUS(status) == 1 ? "setns" : "move_mount");
    return 0;
}
