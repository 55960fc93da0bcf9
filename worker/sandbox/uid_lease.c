/*
 * uid_lease.c: host uid leases through flock(2) on one file per slot (see
 * uid_lease.h). Slots are tried from a random start, so concurrent workers
 * rarely contend and a sandbox's uid is not predictable. Owns the lock fd of
 * each lease it hands out.
 */
#include "worker/sandbox/uid_lease.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static int s_dir(void)
{
    if (mkdir("/run/airlock", 0755) < 0 && errno != EEXIST)
        return al_err_set_errno(AL_EIO, "uid lease: mkdir /run/airlock");
    if (mkdir(UID_LEASE_DIR, 0700) < 0 && errno != EEXIST)
        return al_err_set_errno(AL_EIO, "uid lease: mkdir %s", UID_LEASE_DIR);
    struct stat st;
    if (lstat(UID_LEASE_DIR, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077))
        return al_err_set(AL_EIO, "uid lease: %s must be a directory of root's, mode 0700", UID_LEASE_DIR);
    return 0;
}

int uid_lease_take(uid_lease_t *out)
{
    *out = (uid_lease_t)UID_LEASE_INIT;
    int rc = s_dir();
    if (rc < 0)
        return rc;
    unsigned start = 0;
    if (getrandom(&start, sizeof start, 0) != (ssize_t)sizeof start)
        start = (unsigned)getpid() * 2654435761u;
    for (unsigned i = 0; i < UID_LEASE_SLOTS; i++) {
        unsigned slot = (start + i) % UID_LEASE_SLOTS;
        char path[64];
        snprintf(path, sizeof path, UID_LEASE_DIR "/%u", slot);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
            return al_err_set_errno(AL_EIO, "uid lease: open %s", path);
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            out->uid = (uid_t)(UID_LEASE_BASE + slot);
            out->fd = fd;
            return 0;
        }
        int e = errno;
        close(fd);
        if (e != EWOULDBLOCK)
            return al_err_set(AL_EIO, "uid lease: flock %s: %s", path, strerror(e));
    }
    return al_err_set(AL_ELIMIT, "uid lease: all %u uids are in use", UID_LEASE_SLOTS);
}

void uid_lease_release(uid_lease_t *l)
{
    if (!l || l->fd < 0)
        return;
    close(l->fd);
    l->fd = -1;
    l->uid = 0;
}
