/*
 * rmtree.c: rm -r that never follows a symbolic link (common/rmtree.h):
 * every directory is opened with O_NOFOLLOW relative to its parent's fd, so
 * a link planted in the tree (by a sandboxed job, a guest) is removed, never
 * walked through. Owns nothing beyond the fds of one call.
 */
#include "common/rmtree.h"
#include "common/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RM_TREE_DEPTH 256

/* Removes everything below dfd, never following a link. */
static int s_rm_below(int dfd, int depth)
{
    int lfd = dup(dfd);
    DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
    if (!d) {
        if (lfd >= 0)
            close(lfd);
        return al_err_set_errno(AL_EIO, "opendir");
    }
    rewinddir(d);
    int rc = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
            depth < RM_TREE_DEPTH) {
            int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) {
                rc = s_rm_below(sub, depth + 1) ?: rc;
                close(sub);
            }
            if (unlinkat(dfd, e->d_name, AT_REMOVEDIR) < 0 && rc == 0)
                rc = al_err_set_errno(AL_EIO, "rmdir %s", e->d_name);
        } else if (unlinkat(dfd, e->d_name, 0) < 0 && rc == 0) {
            rc = al_err_set_errno(AL_EIO, "unlink %s", e->d_name);
        }
    }
    closedir(d);
    return rc;
}

int al_rm_tree(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : al_err_set_errno(AL_EIO, "open %s", path);
    int rc = s_rm_below(fd, 0);
    close(fd);
    if (rmdir(path) < 0 && rc == 0)
        rc = al_err_set_errno(AL_EIO, "rmdir %s", path);
    return rc;
}
