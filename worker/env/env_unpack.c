/*
 * env_unpack.c: image -> root tree -> erofs image (see env_unpack.h).
 */
#include "worker/env/env_unpack.h"
#include "common/digest.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define EROFS_TIME "1704067200"
#define EROFS_UUID "a1e10c4e-0000-4000-8000-000000000000"

extern char **environ;

/* Starts argv with stdin from in_fd (-1: /dev/null) and stdout to out_fd
 * (-1: the log); stderr to the log. */
static int s_spawn(pid_t *pid, char *const *argv, int in_fd, int out_fd, const char *log)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (in_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (out_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    else
        posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    int rc = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0 ? 0 : al_err_set(AL_EIO, "cannot run %s: %s", argv[0], strerror(rc));
}

static int s_wait(pid_t pid, const char *tool, const char *log)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    return al_err_set(AL_EIO, "%s failed (%s %d; see %s)", tool, WIFEXITED(st) ? "exit" : "signal",
                      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), log);
}

/* Copies from -> to until EOF, hashing and counting. */
static int s_relay(int from, int to, al_sha256_t *h, uint64_t *bytes)
{
    static _Thread_local char buf[1 << 16];
    for (;;) {
        ssize_t n = read(from, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return al_err_set_errno(AL_EIO, "read the decompressed image");
        if (n == 0)
            return 0;
        int rc = al_sha256_update(h, buf, (size_t)n);
        if (rc)
            return rc;
        *bytes += (uint64_t)n;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(to, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return al_err_set_errno(AL_EIO, "tar stopped reading the image");
            off += w;
        }
    }
}

int env_unpack(const char *image, const char *dest, const char *log, char tree_sha256[65], uint64_t *tree_bytes)
{
    int in[2] = { -1, -1 }, out[2] = { -1, -1 };
    pid_t zpid = -1, tpid = -1;
    *tree_bytes = 0;
    al_sha256_t *h = al_sha256_new();
    int rc = h ? 0 : AL_ECRYPTO;
    if (rc == 0 && (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0))
        rc = al_err_set_errno(AL_EIO, "pipe");
    char *zstd[] = { "zstd", "-q", "-d", "-c", "--no-progress", (char *)image, NULL };
    char *tar[] = { "tar", "-x", "-f", "-", "-C", (char *)dest, "--numeric-owner", "--same-owner",
                    "--same-permissions", "--no-acls", "--no-selinux", "--no-xattrs", "--no-overwrite-dir",
                    "--delay-directory-restore", "--exclude=./dev/*", "--exclude=dev/*", NULL };
    if (rc == 0)
        rc = s_spawn(&zpid, zstd, -1, in[1], log);
    if (rc == 0)
        rc = s_spawn(&tpid, tar, out[0], -1, log);
    if (in[1] >= 0)   /* the children hold these ends now */
        close(in[1]);
    if (out[0] >= 0)
        close(out[0]);
    if (rc == 0)
        rc = s_relay(in[0], out[1], h, tree_bytes);
    if (out[1] >= 0)
        close(out[1]);
    if (in[0] >= 0)
        close(in[0]);
    if (rc != 0 && zpid > 0)
        kill(zpid, SIGKILL);
    int zrc = zpid > 0 ? s_wait(zpid, "zstd -d", log) : 0;
    int trc = tpid > 0 ? s_wait(tpid, "tar -x", log) : 0;
    rc = rc ? rc : zrc ? zrc : trc;
    if (rc == 0)
        rc = al_sha256_final_hex(h, tree_sha256);
    al_sha256_destroy(&h);
    return rc;
}

/* ---- finalize --------------------------------------------------------------- */

static int s_clean(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag, (void)ftw;
    if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) || S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode))
        return unlink(path) == 0 ? 0 : -1;
    if ((S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)) && (st->st_mode & (S_ISUID | S_ISGID)))
        return chmod(path, st->st_mode & 01777) == 0 ? 0 : -1;
    return 0;
}

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* root/rel is a real directory with mode: a link or file there is replaced. */
static int s_real_dir(const char *root, const char *rel, mode_t mode)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", root, rel);
    if (lstat(p, &st) == 0 && !S_ISDIR(st.st_mode) && unlink(p) < 0)
        return al_err_set_errno(AL_EIO, "replace %s", p);
    if (mkdir(p, mode) < 0 && errno != EEXIST)
        return al_err_set_errno(AL_EIO, "mkdir %s", p);
    return chmod(p, mode) == 0 ? 0 : al_err_set_errno(AL_EIO, "chmod %s", p);
}

/* Replaces root/etc/name (whatever it was) with a regular file holding text. */
static int s_etc_file(const char *root, const char *name, const char *text)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc/%s", root, name);
    struct stat st;
    if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && nftw(p, s_rm, 16, FTW_DEPTH | FTW_PHYS) < 0)
        return al_err_set_errno(AL_EIO, "remove %s", p);
    if (unlink(p) < 0 && errno != ENOENT)
        return al_err_set_errno(AL_EIO, "replace %s", p);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return al_err_set_errno(AL_EIO, "create %s", p);
    size_t n = strlen(text);
    int rc = write(fd, text, n) == (ssize_t)n ? 0 : al_err_set_errno(AL_EIO, "write %s", p);
    close(fd);
    return rc;
}

/* 1 when a passwd/group file has an entry whose third field is 1000. */
static int s_has_id_1000(const char *path)
{
    FILE *f = fopen(path, "re");
    char line[1024];
    int yes = 0;
    while (f && !yes && fgets(line, sizeof line, f)) {
        char *p = line;
        for (int field = 0; p && field < 2; field++)
            p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
        yes = p && strncmp(p, "1000:", 5) == 0;
    }
    if (f)
        fclose(f);
    return yes;
}

static int s_account(const char *root, const char *user)
{
    char passwd[PATH_MAX], group[PATH_MAX], line[256];
    snprintf(passwd, sizeof passwd, "%s/etc/passwd", root);
    snprintf(group, sizeof group, "%s/etc/group", root);
    const struct { const char *path, *fmt; } k[] = {
        { passwd, "%s:x:1000:1000:airlock workload:/workspace:/bin/sh\n" }, { group, "%s:x:1000:\n" },
    };
    for (size_t i = 0; i < 2; i++) {
        struct stat st;
        if (lstat(k[i].path, &st) == 0 && !S_ISREG(st.st_mode))
            return al_err_set(AL_EINVAL, "%s is not a regular file", k[i].path);
        if (s_has_id_1000(k[i].path))
            continue;
        int fd = open(k[i].path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
        int n = snprintf(line, sizeof line, k[i].fmt, user);
        if (fd < 0 || write(fd, line, (size_t)n) != n) {
            int rc = al_err_set_errno(AL_EIO, "add the account to %s", k[i].path);
            if (fd >= 0)
                close(fd);
            return rc;
        }
        close(fd);
    }
    return 0;
}

int env_finalize(const char *root, const char *user)
{
    static const struct { const char *rel; mode_t mode; } dirs[] = {
        { "etc", 0755 }, { "workspace", 0755 }, { "proc", 0555 }, { "dev", 0755 }, { "sys", 0555 },
        { "tmp", 01777 }, { "run", 0755 }, { "root", 0700 },
    };
    if (nftw(root, s_clean, 64, FTW_PHYS) < 0)
        return al_err_set_errno(AL_EIO, "clean %s", root);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof dirs / sizeof dirs[0]; i++)
        rc = s_real_dir(root, dirs[i].rel, dirs[i].mode);
    if (rc == 0)
        rc = s_etc_file(root, "hosts", "127.0.0.1 localhost airlock\n::1 localhost ip6-localhost ip6-loopback\n");
    if (rc == 0)
        rc = s_etc_file(root, "hostname", "airlock\n");
    if (rc == 0)
        rc = s_etc_file(root, "resolv.conf", "");
    char mtab[PATH_MAX];
    snprintf(mtab, sizeof mtab, "%s/etc/mtab", root);
    if (rc == 0 && (unlink(mtab) == 0 || errno == ENOENT) && symlink("../proc/self/mounts", mtab) < 0)
        rc = al_err_set_errno(AL_EIO, "symlink %s", mtab);
    return rc == 0 ? s_account(root, user) : rc;
}

int env_erofs(const char *root, const char *out, uint64_t disk_bytes, const char *log)
{
    char *argv[] = { "mkfs.erofs", "--quiet", "-T" EROFS_TIME, "-U" EROFS_UUID, "-x-1", (char *)out,
                     (char *)root, NULL };
    pid_t pid;
    int rc = s_spawn(&pid, argv, -1, -1, log);
    if (rc == 0)
        rc = s_wait(pid, "mkfs.erofs", log);
    struct stat st;
    if (rc == 0 && stat(out, &st) < 0)
        rc = al_err_set_errno(AL_EIO, "stat %s", out);
    if (rc == 0 && (uint64_t)st.st_size > disk_bytes)
        rc = al_err_set(AL_ELIMIT, "erofs image of %lld bytes exceeds the %llu-byte environment disk",
                        (long long)st.st_size, (unsigned long long)disk_bytes);
    if (rc == 0 && truncate(out, (off_t)disk_bytes) < 0)
        rc = al_err_set_errno(AL_EIO, "pad %s", out);
    return rc;
}
