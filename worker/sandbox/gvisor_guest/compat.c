/*
 * compat.c: airlock-gvcompat.so, preloaded (LD_PRELOAD) into every command
 * the gvisor driver runs. It runs INSIDE the sandbox only.
 *
 * runsc 0.0~20221219 (Debian 12's gVisor) refuses AT_NO_AUTOMOUNT in statx
 * and fstatat with EINVAL, and Debian 12's coreutils pass it on every stat:
 * `ls FILE`, `ls -l`, `stat` fail with "Invalid argument". gVisor has no
 * automount points, so dropping the flag changes no result. This library
 * wraps the libc entry points that take the flag and passes everything else
 * through unchanged; static binaries and raw syscalls are not covered.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AT_NO_AUTOMOUNT
#define AT_NO_AUTOMOUNT 0x800
#endif

int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)
{
    return (int)syscall(SYS_statx, dirfd, path, flags & ~AT_NO_AUTOMOUNT, mask, buf);
}

int fstatat(int dirfd, const char *path, struct stat *buf, int flags)
{
    return (int)syscall(SYS_newfstatat, dirfd, path, buf, flags & ~AT_NO_AUTOMOUNT);
}

int fstatat64(int dirfd, const char *path, struct stat64 *buf, int flags)
{
    return (int)syscall(SYS_newfstatat, dirfd, path, buf, flags & ~AT_NO_AUTOMOUNT);
}

/* Binaries linked against glibc < 2.33 call these. */
int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags)
{
    (void)ver;
    return fstatat(dirfd, path, buf, flags);
}

int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags)
{
    (void)ver;
    return fstatat64(dirfd, path, buf, flags);
}
