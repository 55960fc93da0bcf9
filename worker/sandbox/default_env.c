/*
 * default_env.c: stages the default environment's /etc (see default_env.h).
 *
 * Staging happens once per process: a private directory
 * $TMPDIR/airlock-etc-<pid>-XXXXXX (made by mkdtemp, so nobody can plant it
 * in advance, then opened to everyone for reading: the ns driver's user
 * namespace root must reach it) receives the generated files and copies of
 * the allow-listed host entries. Copies never keep setuid/setgid/sticky bits
 * or anything but regular files, directories and symlinks, and stop at fixed
 * size and depth bounds. Directories of dead worker processes are swept at the
 * next staging, like the ns driver's cgroups.
 *
 * Owns: the staged directory and the combined initramfs inside it.
 */
#include "worker/sandbox/default_env.h"
#include "common/error.h"
#include "common/log.h"
#include "common/rmtree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define COPY_MAX_FILE (16u << 20)   /* bigger host files are skipped */
#define COPY_MAX_TOTAL (64u << 20)  /* the whole copied tree */
#define COPY_MAX_DEPTH 8

const char *const default_env_host_etc[] = {
    "alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
    "ssl/certs", "ssl/openssl.cnf", "ca-certificates.conf",
    "os-release", "debian_version", "lsb-release",
    "protocols", "services", "rpc", "ethertypes", "networks", "gai.conf", "host.conf",
    "mime.types", "magic", "magic.mime", "localtime", "timezone", "locale.alias",
    "inputrc", "bash.bashrc", "profile", "shells", "mke2fs.conf",
    "perl", "python3", "python3.*", "java-*-openjdk", "fonts", "ImageMagick-*",
    NULL,
};

static const struct {
    const char *name, *text;
} s_generated[] = {
    { "passwd", "root:x:0:0:root:/root:/bin/sh\n"
                "sandbox:x:1000:1000:airlock workload:/workspace:/bin/sh\n"
                "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" },
    { "group", "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n" },
    { "hosts", "127.0.0.1 localhost airlock\n::1 localhost ip6-localhost ip6-loopback\n" },
    { "hostname", "airlock\n" },
    { "nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files\n"
                       "networks: files\nprotocols: files\nservices: files\n" },
    { "resolv.conf", "" },
};

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static int s_rc;
static char s_err[512];
static char s_root[512];        /* the staged directory (parent of etc/) */
static char s_etc[600];
static pthread_mutex_t s_cpio_lock = PTHREAD_MUTEX_INITIALIZER;
static char s_cpio[700];

typedef struct {
    size_t total;
} copy_ctx_t;

static int s_copy_file(const char *src, const char *dst, const struct stat *st, copy_ctx_t *c)
{
    if ((size_t)st->st_size > COPY_MAX_FILE || c->total + (size_t)st->st_size > COPY_MAX_TOTAL)
        return 0; /* not worth a failure: the entry is simply absent */
    int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0)
        return errno == EACCES || errno == ENOENT ? 0 : al_err_set_errno(AL_EIO, "open %s", src);
    mode_t mode = (st->st_mode & 0111) ? 0755 : 0644;
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    int rc = out < 0 ? al_err_set_errno(AL_EIO, "create %s", dst) : 0;
    char buf[65536];
    ssize_t n;
    while (rc == 0 && (n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || write(out, buf, (size_t)n) != n)
            rc = al_err_set_errno(AL_EIO, "copy %s", src);
        else
            c->total += (size_t)n;
    }
    if (out >= 0 && fchmod(out, mode) < 0 && rc == 0)
        rc = al_err_set_errno(AL_EIO, "chmod %s", dst);
    if (out >= 0)
        close(out);
    close(in);
    return rc;
}

static int s_copy(const char *src, const char *dst, int depth, copy_ctx_t *c);

static int s_copy_dir(const char *src, const char *dst, int depth, copy_ctx_t *c)
{
    if (mkdir(dst, 0755) < 0 && errno != EEXIST)
        return al_err_set_errno(AL_EIO, "mkdir %s", dst);
    DIR *d = opendir(src);
    if (!d)
        return errno == EACCES ? 0 : al_err_set_errno(AL_EIO, "open %s", src);
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char s[1024], t[1024];
        if (snprintf(s, sizeof s, "%s/%s", src, e->d_name) >= (int)sizeof s ||
            snprintf(t, sizeof t, "%s/%s", dst, e->d_name) >= (int)sizeof t)
            continue;
        rc = s_copy(s, t, depth + 1, c);
    }
    closedir(d);
    return rc;
}

/* Copies one host entry: regular files, directories and symlinks only. */
static int s_copy(const char *src, const char *dst, int depth, copy_ctx_t *c)
{
    struct stat st;
    if (depth > COPY_MAX_DEPTH || lstat(src, &st) < 0)
        return 0;
    if (S_ISLNK(st.st_mode)) {
        char target[1024];
        ssize_t n = readlink(src, target, sizeof target - 1);
        if (n < 0)
            return 0;
        target[n] = '\0';
        if (symlink(target, dst) < 0 && errno != EEXIST)
            return al_err_set_errno(AL_EIO, "symlink %s", dst);
        return 0;
    }
    if (S_ISDIR(st.st_mode))
        return s_copy_dir(src, dst, depth, c);
    if (S_ISREG(st.st_mode))
        return s_copy_file(src, dst, &st, c);
    return 0;
}

/* mkdir -p of the parents of rel (a path below etc/). */
static int s_parents(const char *etc, const char *rel)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", etc, rel);
    for (char *slash = p + strlen(etc) + 1; (slash = strchr(slash, '/')); slash++) {
        *slash = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            return al_err_set_errno(AL_EIO, "mkdir %s", p);
        *slash = '/';
    }
    return 0;
}

static int s_copy_allowed(const char *etc)
{
    copy_ctx_t c = { 0 };
    int rc = 0;
    for (size_t i = 0; rc == 0 && default_env_host_etc[i]; i++) {
        char pattern[512];
        snprintf(pattern, sizeof pattern, "/etc/%s", default_env_host_etc[i]);
        glob_t g;
        if (glob(pattern, GLOB_NOSORT, NULL, &g) != 0)
            continue;
        for (size_t j = 0; rc == 0 && j < g.gl_pathc; j++) {
            const char *rel = g.gl_pathv[j] + 5; /* below "/etc/" */
            char dst[1024];
            snprintf(dst, sizeof dst, "%s/%s", etc, rel);
            rc = s_parents(etc, rel);
            if (rc == 0)
                rc = s_copy(g.gl_pathv[j], dst, 0, &c);
        }
        globfree(&g);
    }
    return rc;
}

/* An alternative may point at a file in /etc itself (fpc.cfg ->
 * /etc/fpc-3.2.2.cfg): the package that registered it put it there for
 * everybody, so its target comes along; anything else of /etc does not. */
static int s_copy_alternative_targets(const char *etc)
{
    char alt[700];
    snprintf(alt, sizeof alt, "%s/alternatives", etc);
    DIR *d = opendir(alt);
    if (!d)
        return 0;
    copy_ctx_t c = { 0 };
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        char link[1024], target[512], dst[1200];
        snprintf(link, sizeof link, "%s/%s", alt, e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 5)
            continue;
        target[n] = '\0';
        if (strncmp(target, "/etc/", 5) != 0 || strstr(target, "/../") || strstr(target, "/alternatives/"))
            continue;
        snprintf(dst, sizeof dst, "%s/%s", etc, target + 5);
        struct stat st;
        if (lstat(dst, &st) == 0)
            continue;
        rc = s_parents(etc, target + 5);
        if (rc == 0)
            rc = s_copy(target, dst, 0, &c);
    }
    closedir(d);
    return rc;
}

static int s_write(const char *etc, const char *name, const char *text)
{
    char p[700];
    snprintf(p, sizeof p, "%s/%s", etc, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return al_err_set_errno(AL_EIO, "create %s", p);
    size_t len = strlen(text);
    int rc = write(fd, text, len) == (ssize_t)len ? 0 : al_err_set_errno(AL_EIO, "write %s", p);
    close(fd);
    return rc;
}

/* Removes airlock-etc-<pid>-* directories of processes that no longer exist. */
static void s_sweep(const char *tmp)
{
    DIR *d = opendir(tmp);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int pid = 0;
        if (sscanf(e->d_name, "airlock-etc-%d-", &pid) != 1 || pid <= 0 || pid == getpid())
            continue;
        if (kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        char p[1024];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", tmp, e->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid())
            al_rm_tree(p);
    }
    if (d)
        closedir(d);
}

static int s_stage(void)
{
    const char *tmp = getenv("TMPDIR");
    tmp = tmp && tmp[0] ? tmp : "/tmp";
    s_sweep(tmp);
    if (snprintf(s_root, sizeof s_root, "%s/airlock-etc-%d-XXXXXX", tmp, (int)getpid()) >= (int)sizeof s_root)
        return al_err_set(AL_EINVAL, "TMPDIR too long");
    if (!mkdtemp(s_root))
        return al_err_set_errno(AL_EIO, "mkdtemp %s", s_root);
    snprintf(s_etc, sizeof s_etc, "%s/etc", s_root);
    if (chmod(s_root, 0755) < 0 || mkdir(s_etc, 0755) < 0)
        return al_err_set_errno(AL_EIO, "prepare %s", s_etc);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof s_generated / sizeof s_generated[0]; i++)
        rc = s_write(s_etc, s_generated[i].name, s_generated[i].text);
    char mtab[700];
    snprintf(mtab, sizeof mtab, "%s/mtab", s_etc);
    if (rc == 0 && symlink("../proc/self/mounts", mtab) < 0)
        rc = al_err_set_errno(AL_EIO, "symlink %s", mtab);
    if (rc == 0)
        rc = s_copy_allowed(s_etc);
    return rc == 0 ? s_copy_alternative_targets(s_etc) : rc;
}

static void s_once_stage(void)
{
    s_rc = s_stage();
    if (s_rc < 0)
        snprintf(s_err, sizeof s_err, "default environment: %s", al_err_msg());
}

int default_env_etc_dir(const char **out)
{
    pthread_once(&s_once, s_once_stage);
    *out = s_etc;
    return s_rc < 0 ? al_err_set(s_rc, "%s", s_err) : 0;
}

/* Writes the NUL-free newline list of every path below root/etc, sorted. */
static int s_list_add(const char *path, const struct stat *st, int flag, struct FTW *ftw);
static FILE *s_list_out;
static size_t s_list_skip;

static int s_list_add(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    fprintf(s_list_out, "%s\n", path + s_list_skip);
    return 0;
}

/* cpio -o -H newc of etc/ with stdin = list, stdout = out. */
static int s_cpio_etc(const char *list, const char *out)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, list, O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addchdir_np(&fa, s_root);
    char *argv[] = { "cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet", NULL };
    pid_t pid;
    extern char **environ;
    int rc = posix_spawnp(&pid, "cpio", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return al_err_set(AL_EIO, "default environment: cannot run cpio: %s", strerror(rc));
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0
                                                  : al_err_set(AL_EIO, "default environment: cpio failed (%d)", st);
}

static int s_append(int out, const char *path)
{
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return al_err_set_errno(AL_EIO, "open %s", path);
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || write(out, buf, (size_t)n) != n)
            rc = al_err_set_errno(AL_EIO, "append %s", path);
    }
    close(in);
    return rc;
}

static int s_build_initramfs(const char *base_cpio)
{
    char list[700], etc_cpio[700], tmp[720];
    snprintf(list, sizeof list, "%s/etc.list", s_root);
    snprintf(etc_cpio, sizeof etc_cpio, "%s/etc.cpio", s_root);
    snprintf(s_cpio, sizeof s_cpio, "%s/initramfs.cpio", s_root);
    snprintf(tmp, sizeof tmp, "%s.tmp", s_cpio);
    if (!(s_list_out = fopen(list, "w")))
        return al_err_set_errno(AL_EIO, "create %s", list);
    s_list_skip = strlen(s_root) + 1;
    int rc = nftw(s_etc, s_list_add, 16, FTW_PHYS) == 0 ? 0 : al_err_set_errno(AL_EIO, "walk %s", s_etc);
    if (fclose(s_list_out) != 0 && rc == 0)
        rc = al_err_set_errno(AL_EIO, "write %s", list);
    if (rc == 0)
        rc = s_cpio_etc(list, etc_cpio);
    int out = rc == 0 ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    if (rc == 0 && out < 0)
        rc = al_err_set_errno(AL_EIO, "create %s", tmp);
    if (rc == 0)
        rc = s_append(out, base_cpio);
    if (rc == 0)
        rc = s_append(out, etc_cpio);
    if (out >= 0)
        close(out);
    if (rc == 0 && rename(tmp, s_cpio) < 0)
        rc = al_err_set_errno(AL_EIO, "rename %s", tmp);
    unlink(list);
    unlink(etc_cpio);
    if (rc < 0)
        s_cpio[0] = '\0';
    return rc;
}

int default_env_initramfs(const char *base_cpio, const char **out)
{
    const char *etc;
    int rc = default_env_etc_dir(&etc);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&s_cpio_lock);
    if (!s_cpio[0])
        rc = s_build_initramfs(base_cpio);
    pthread_mutex_unlock(&s_cpio_lock);
    *out = s_cpio;
    return rc;
}
