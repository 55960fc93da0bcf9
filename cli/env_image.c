/*
 * env_image.c: environment images made on the client (see env_image.h).
 */
#include "cli/env_image.h"
#include "common/digest.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Fixed file times in built images: 2024-01-01T00:00:00Z. */
#define ENV_SOURCE_DATE_EPOCH "1704067200"

extern char **environ;

/* Runs argv with stdin/stdout redirected to files (NULL: /dev/null and the
 * log), stderr to the log. 0, or AL_EIO naming the tool and the log. */
static int s_run(char *const *argv, const char *in, const char *out, const char *log)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null", O_RDONLY, 0);
    if (out)
        posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    else
        posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return al_err_set(AL_EIO, "cannot run %s: %s (is it installed?)", argv[0], strerror(rc));
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    return al_err_set(AL_EIO, "%s failed (%s %d); see %s", argv[0], WIFEXITED(st) ? "exit" : "signal",
                      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), log);
}

static int s_write(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return al_err_set_errno(AL_EIO, "create %s", path);
    int ok = fputs(text, f) >= 0;
    ok &= fclose(f) == 0;
    if (!ok || chmod(path, mode) < 0)
        return al_err_set_errno(AL_EIO, "write %s", path);
    return 0;
}

/* Hashes root.tar, compresses it into the blob, hashes that, computes the digest. */
static int s_finish(const envspec_t *spec, const char *workdir, env_image_t *img)
{
    char log[4200];
    struct stat st;
    snprintf(log, sizeof log, "%s/build.log", workdir);
    snprintf(img->blob, sizeof img->blob, "%s/root.tar.zst", workdir);
    int rc = stat(img->tar, &st) == 0 ? 0 : al_err_set_errno(AL_EIO, "stat %s", img->tar);
    if (rc == 0 && st.st_size == 0)
        rc = al_err_set(AL_EINVAL, "the root tree is empty");
    img->tree_bytes = rc == 0 ? (uint64_t)st.st_size : 0;
    if (rc == 0)
        rc = al_sha256_file_hex(img->tar, img->tree_sha256);
    char *zstd[] = { "zstd", "-q", "-f", "-3", "-T0", "--no-progress", img->tar, "-o", img->blob, NULL };
    if (rc == 0)
        rc = s_run(zstd, NULL, NULL, log);
    if (rc == 0)
        rc = stat(img->blob, &st) == 0 ? 0 : al_err_set_errno(AL_EIO, "stat %s", img->blob);
    img->blob_bytes = rc == 0 ? (uint64_t)st.st_size : 0;
    if (rc == 0)
        rc = al_sha256_file_hex(img->blob, img->blob_sha256);
    if (rc == 0)
        rc = envspec_digest(spec, img->tree_sha256, img->digest);
    return rc;
}

/* customize.sh: the account, then each setup command as its own script run
 * by /bin/sh -e inside the new root (mmdebstrap passes the root as $1). */
static int s_hooks(const envspec_t *spec, const char *workdir)
{
    char path[4200], *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return al_err_set(AL_ENOMEM, "out of memory");
    fprintf(f, "#!/bin/sh\n# written by airlock env build\nset -eu\nroot=\"$1\"\n"
               "chroot \"$root\" /usr/sbin/groupadd -g 1000 '%s'\n"
               "chroot \"$root\" /usr/sbin/useradd -u 1000 -g 1000 -d /workspace -M -s /bin/sh '%s'\n"
               "mkdir -p \"$root/workspace\"\n",
            spec->user, spec->user);
    for (size_t i = 0; i < spec->setup.n; i++)
        fprintf(f, "cp '%s/setup-%zu.sh' \"$root/tmp/airlock-setup.sh\"\n"
                   "chroot \"$root\" /bin/sh -e /tmp/airlock-setup.sh\nrm -f \"$root/tmp/airlock-setup.sh\"\n",
                workdir, i);
    fclose(f);
    snprintf(path, sizeof path, "%s/customize.sh", workdir);
    int rc = s_write(path, text, 0700);
    free(text);
    for (size_t i = 0; rc == 0 && i < spec->setup.n; i++) {
        snprintf(path, sizeof path, "%s/setup-%zu.sh", workdir, i);
        rc = s_write(path, spec->setup.items[i], 0600);
    }
    return rc;
}

static char *s_join(const envspec_strv_t *v, const char *prefix)
{
    size_t n = strlen(prefix) + 1;
    for (size_t i = 0; i < v->n; i++)
        n += strlen(v->items[i]) + 1;
    char *s = malloc(n);
    if (!s)
        return NULL;
    strcpy(s, prefix);
    for (size_t i = 0; i < v->n; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, v->items[i]);
    }
    return s;
}

static int s_mmdebstrap(const envspec_t *spec, const char *workdir)
{
    char log[4200], raw[4200], tar[4200], hook[4400], variant[64], mirror[600];
    snprintf(log, sizeof log, "%s/build.log", workdir);
    snprintf(raw, sizeof raw, "%s/root.raw.tar", workdir);
    snprintf(tar, sizeof tar, "%s/root.tar", workdir);
    snprintf(hook, sizeof hook, "--customize-hook=sh '%s/customize.sh' \"$1\"", workdir);
    snprintf(variant, sizeof variant, "--variant=%s", spec->variant);
    snprintf(mirror, sizeof mirror, "%s", envspec_mirror_url(spec));
    char *components = s_join(&spec->components, "--components="), *include = s_join(&spec->packages, "--include=");
    int rc = components && include ? 0 : al_err_set(AL_ENOMEM, "out of memory");
    char *argv[16];
    int n = 0;
    argv[n++] = "mmdebstrap";
    argv[n++] = variant;
    argv[n++] = components;
    if (spec->packages.n)
        argv[n++] = include;
    argv[n++] = hook;
    argv[n++] = "--format=tar";
    argv[n++] = spec->suite;
    argv[n++] = raw;
    argv[n++] = mirror;
    argv[n] = NULL;
    if (rc == 0 && setenv("SOURCE_DATE_EPOCH", ENV_SOURCE_DATE_EPOCH, 1) != 0)
        rc = al_err_set_errno(AL_EIO, "setenv");
    if (rc == 0)
        rc = s_run(argv, NULL, NULL, log);
    char *filter[] = { "mmtarfilter", "--path-exclude=/dev/*", NULL };
    if (rc == 0)
        rc = s_run(filter, raw, tar, log);   /* device nodes never reach an image */
    unlink(raw);
    free(components);
    free(include);
    return rc;
}

/* cache_dir/<sha256 of the canonical spec>.{tar.zst,meta}: the blob and
 * "tree_sha256 tree_bytes" of an earlier build of the same declaration. */
static int s_cache_paths(const envspec_t *spec, const char *cache_dir, char *blob, char *meta, size_t size)
{
    char *canon = envspec_canonical(spec, 0), key[AL_SHA256_HEX_LEN + 1];
    int rc = canon ? al_sha256_hex(canon, strlen(canon), key) : AL_ENOMEM;
    free(canon);
    snprintf(blob, size, "%s/%s.tar.zst", cache_dir, key);
    snprintf(meta, size, "%s/%s.meta", cache_dir, key);
    return rc;
}

static int s_cache_get(const envspec_t *spec, const char *cache_dir, env_image_t *img)
{
    char blob[4200], meta[4200];
    if (!cache_dir || s_cache_paths(spec, cache_dir, blob, meta, sizeof blob) != 0)
        return AL_ENOTFOUND;
    FILE *f = fopen(meta, "r");
    unsigned long long bytes = 0;
    int ok = f && fscanf(f, "%64s %llu", img->tree_sha256, &bytes) == 2 && al_sha256_hex_valid(img->tree_sha256);
    if (f)
        fclose(f);
    struct stat st;
    if (!ok || stat(blob, &st) != 0)
        return AL_ENOTFOUND;
    img->tree_bytes = bytes;
    img->blob_bytes = (uint64_t)st.st_size;
    snprintf(img->blob, sizeof img->blob, "%s", blob);
    img->tar[0] = '\0';
    int rc = al_sha256_file_hex(img->blob, img->blob_sha256);
    return rc == 0 ? envspec_digest(spec, img->tree_sha256, img->digest) : rc;
}

static void s_cache_put(const envspec_t *spec, const char *cache_dir, const env_image_t *img)
{
    char blob[4200], meta[4200], tmp[4300];
    if (!cache_dir || (mkdir(cache_dir, 0700) < 0 && errno != EEXIST) ||
        s_cache_paths(spec, cache_dir, blob, meta, sizeof blob) != 0)
        return;
    snprintf(tmp, sizeof tmp, "%s.tmp", meta);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%s %llu\n", img->tree_sha256, (unsigned long long)img->tree_bytes);
    if (fclose(f) == 0 && (link(img->blob, blob) == 0 || errno == EEXIST))
        rename(tmp, meta);
    unlink(tmp);
}

int env_image_build(const envspec_t *spec, const char *workdir, const char *cache_dir, env_image_t *out)
{
    memset(out, 0, sizeof *out);
    if (spec->imported)
        return al_err_set(AL_EINVAL, "an imported environment is not built (use airlock env import)");
    if (strchr(workdir, '\''))
        return al_err_set(AL_EINVAL, "work directory %s contains a quote", workdir);
    if (s_cache_get(spec, cache_dir, out) == 0)
        return 0;
    snprintf(out->tar, sizeof out->tar, "%s/root.tar", workdir);
    int rc = s_hooks(spec, workdir);
    if (rc == 0)
        rc = s_mmdebstrap(spec, workdir);
    if (rc == 0)
        rc = s_finish(spec, workdir, out);
    if (rc == 0)
        s_cache_put(spec, cache_dir, out);
    return rc;
}

/* The decompressor for a tarball's name, or NULL for a plain tar. */
static const char *s_decompressor(const char *name)
{
    size_t n = strlen(name);
    static const struct { const char *suffix, *tool; } k[] = {
        { ".tar.gz", "gzip" }, { ".tgz", "gzip" }, { ".tar.xz", "xz" }, { ".tar.zst", "zstd" }, { ".tar", NULL },
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        size_t s = strlen(k[i].suffix);
        if (n > s && strcmp(name + n - s, k[i].suffix) == 0)
            return k[i].tool ? k[i].tool : "";
    }
    return NULL;
}

int env_image_import(const envspec_t *spec, const char *source, const char *workdir, env_image_t *out)
{
    memset(out, 0, sizeof *out);
    char log[4200];
    snprintf(log, sizeof log, "%s/build.log", workdir);
    snprintf(out->tar, sizeof out->tar, "%s/root.tar", workdir);
    struct stat st;
    if (stat(source, &st) != 0)
        return al_err_set_errno(AL_EINVAL, "import %s", source);
    int rc;
    if (S_ISDIR(st.st_mode)) {
        /* stable bytes for a stable tree: sorted names, numeric owners, no times of our own */
        char *argv[] = { "tar", "--sort=name", "--numeric-owner", "--format=pax",
                         "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
                         "--mtime=@" ENV_SOURCE_DATE_EPOCH, "--clamp-mtime", "--exclude=./dev/*",
                         "-C", (char *)source, "-cf", out->tar, ".", NULL };
        rc = s_run(argv, NULL, NULL, log);
    } else {
        const char *tool = s_decompressor(source);
        if (!tool)
            return al_err_set(AL_EINVAL, "import %s: not a directory nor a .tar, .tar.gz, .tgz, .tar.xz or "
                              ".tar.zst file", source);
        char *dec[] = { (char *)tool, "-dc", NULL }, *cat[] = { "cat", NULL };
        rc = s_run(tool[0] ? dec : cat, source, out->tar, log);
    }
    return rc == 0 ? s_finish(spec, workdir, out) : rc;
}
