/*
 * env_cache.c: environments on the worker's disk (see env_cache.h).
 *
 * Locking: an entry's lock file is held shared by every handle in use and
 * exclusively while the entry is filled or evicted. acquire takes it shared
 * and uses a whole entry at once; otherwise it trades up to exclusive, fills
 * what is missing and starts over (the trade is not atomic: an evictor may
 * slip in, which the re-check sees). Eviction only takes entries it can lock
 * exclusively without waiting, so nothing in use ever disappears.
 *
 * Owns: the cache struct; each handle owns its lock fd and strings.
 */
#include "worker/env/env_cache.h"
#include "worker/env/env_unpack.h"
#include "common/digest.h"
#include "common/envspec/envspec.h"
#include "common/error.h"
#include "common/log.h"
#include "common/rmtree.h"
#include "common/clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Room for <dir>/<64 hex>/<file>.tmp; <dir> is shorter than PATH_MAX - 160. */
#define ENV_PATH_MAX (PATH_MAX + 96)

struct env_cache {
    char dir[PATH_MAX - 160];
    uint64_t max_bytes;
    env_fetch_fn fetch;
    void *fetch_ctx;
    pthread_mutex_t evict_lock;
};

/* dst = a + b; the sizes above make truncation impossible for our paths. */
static void s_join(char dst[ENV_PATH_MAX], const char *a, const char *b)
{
    if (snprintf(dst, ENV_PATH_MAX, "%s%s", a, b) >= ENV_PATH_MAX)
        dst[0] = '\0';
}

int env_cache_new(env_cache_t **out, const char *dir, uint64_t max_bytes, env_fetch_fn fetch, void *fetch_ctx)
{
    *out = NULL;
    env_cache_t *c = calloc(1, sizeof *c);
    if (!c)
        return al_err_set(AL_ENOMEM, "out of memory");
    if (snprintf(c->dir, sizeof c->dir, "%s", dir) >= (int)sizeof c->dir) {
        free(c);
        return al_err_set(AL_EINVAL, "environment cache path too long");
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        free(c);
        return al_err_set_errno(AL_EIO, "environment cache %s", dir);
    }
    c->max_bytes = max_bytes;
    c->fetch = fetch;
    c->fetch_ctx = fetch_ctx;
    pthread_mutex_init(&c->evict_lock, NULL);
    *out = c;
    return 0;
}

void env_cache_destroy(env_cache_t **p)
{
    if (!p || !*p)
        return;
    pthread_mutex_destroy(&(*p)->evict_lock);
    free(*p);
    *p = NULL;
}

static uint64_t s_du_sum;
static int s_du(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path, (void)flag, (void)ftw;
    s_du_sum += (uint64_t)st->st_blocks * 512u;
    return 0;
}

/* Bytes an entry takes on disk (sparse tails count for nothing). */
static uint64_t s_entry_bytes(const char *entry)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    s_du_sum = 0;
    nftw(entry, s_du, 32, FTW_PHYS);
    uint64_t n = s_du_sum;
    pthread_mutex_unlock(&lock);
    return n;
}

/* entry/ok holds the digest: the entry is whole. */
static int s_entry_ok(const char *entry, const char *digest)
{
    char p[ENV_PATH_MAX], buf[96] = "";
    s_join(p, entry, "/ok");
    FILE *f = fopen(p, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strcmp(buf, digest) == 0;
}

static int s_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    if (!f)
        return al_err_set_errno(AL_EIO, "create %s", path);
    int ok = fputs(text, f) >= 0;
    ok &= fclose(f) == 0;
    return ok ? 0 : al_err_set_errno(AL_EIO, "write %s", path);
}

/* The digest the fetched spec and the unpacked tree give must be the one asked for. */
static int s_check_digest(const char *digest, const char *spec_json, const char *tree_sha256, char **user)
{
    envspec_t *s = NULL;
    char got[ENVSPEC_DIGEST_LEN + 1];
    int rc = envspec_parse_nameless(spec_json, strlen(spec_json), &s);
    if (rc == 0)
        rc = envspec_digest(s, tree_sha256, got);
    if (rc == 0 && strcmp(got, digest) != 0)
        rc = al_err_set(AL_EINVAL, "environment %s: the image is %s (digest mismatch), refused", digest, got);
    if (rc == 0 && !(*user = strdup(s->user)))
        rc = AL_ENOMEM;
    envspec_destroy(&s);
    return rc;
}

/* Fetches, verifies, unpacks and finalizes into entry (emptied first). */
static int s_fill(env_cache_t *c, const char *digest, const char *entry)
{
    char blob[ENV_PATH_MAX], root[ENV_PATH_MAX], tmp[ENV_PATH_MAX], log[ENV_PATH_MAX], path[ENV_PATH_MAX];
    s_join(blob, entry, "/image.tar.zst");
    s_join(root, entry, "/root");
    s_join(tmp, entry, "/root.tmp");
    s_join(log, entry, "/unpack.log");
    al_rm_tree(entry);
    if (mkdir(entry, 0700) < 0 || mkdir(tmp, 0755) < 0)
        return al_err_set_errno(AL_EIO, "create %s", entry);
    env_fetch_meta_t meta = { 0 };
    char tree_sha[65], blob_sha[65], *user = NULL;
    uint64_t tree_bytes = 0;
    int fd = open(blob, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int rc = fd < 0 ? al_err_set_errno(AL_EIO, "create %s", blob) : c->fetch(c->fetch_ctx, digest, fd, &meta);
    if (fd >= 0 && close(fd) < 0 && rc == 0)
        rc = al_err_set_errno(AL_EIO, "write %s", blob);
    if (rc == 0)
        rc = al_sha256_file_hex(blob, blob_sha);
    if (rc == 0 && strcmp(blob_sha, meta.blob_sha256) != 0)
        rc = al_err_set(AL_EINVAL, "environment %s: image sha256 %s, expected %s: refused", digest, blob_sha,
                        meta.blob_sha256);
    if (rc == 0)
        rc = s_check_digest(digest, meta.spec_json, meta.tree_sha256, &user);
    if (rc == 0)
        rc = env_unpack(blob, tmp, log, tree_sha, &tree_bytes);
    if (rc == 0 && (strcmp(tree_sha, meta.tree_sha256) != 0 || tree_bytes != meta.tree_bytes))
        rc = al_err_set(AL_EINVAL, "environment %s: root tar sha256 %s (%" PRIu64 " bytes), expected %s: refused",
                        digest, tree_sha, tree_bytes, meta.tree_sha256);
    if (rc == 0)
        rc = env_finalize(tmp, user);
    if (rc == 0 && rename(tmp, root) < 0)
        rc = al_err_set_errno(AL_EIO, "rename %s", tmp);
    s_join(path, entry, "/spec.json");
    if (rc == 0)
        rc = s_write_text(path, meta.spec_json);
    unlink(blob);
    s_join(path, entry, "/ok");
    if (rc == 0)
        rc = s_write_text(path, digest);
    free(meta.spec_json);
    free(user);
    if (rc != 0)
        al_rm_tree(entry);
    return rc;
}

static int s_make_image(const char *entry)
{
    char root[ENV_PATH_MAX], img[ENV_PATH_MAX], tmp[ENV_PATH_MAX], log[ENV_PATH_MAX];
    s_join(root, entry, "/root");
    s_join(img, entry, "/root.erofs");
    s_join(tmp, entry, "/root.erofs.tmp");
    s_join(log, entry, "/erofs.log");
    unlink(tmp);
    int rc = env_erofs(root, tmp, SANDBOX_ENV_IMAGE_BYTES, log);
    if (rc == 0 && rename(tmp, img) < 0)
        rc = al_err_set_errno(AL_EIO, "rename %s", tmp);
    if (rc != 0)
        unlink(tmp);
    return rc;
}

/* KEY=VALUE of the spec's env and its user, for the handle. */
static int s_load_spec(const char *entry, env_handle_t *h)
{
    char p[ENV_PATH_MAX];
    s_join(p, entry, "/spec.json");
    json_t *o = json_load_file(p, 0, NULL), *env = o ? json_object_get(o, "env") : NULL;
    const char *user = o ? json_string_value(json_object_get(o, "user")) : NULL;
    if (!json_is_object(env) || !user)
        return json_decref(o), al_err_set(AL_EIO, "%s is damaged", p);
    snprintf(h->user, sizeof h->user, "%s", user);
    /* the spec's variables, then USER and LOGNAME naming its account unless it sets them */
    size_t want = json_object_size(env) + 2, n = 0;
    h->vars = calloc(want + 1, sizeof *h->vars);
    const char *k;
    json_t *v;
    json_object_foreach(env, k, v) {
        if (h->vars && asprintf(&h->vars[n], "%s=%s", k, json_string_value(v)) >= 0)
            n++;
    }
    const char *ids[] = { "USER", "LOGNAME" };
    for (size_t i = 0; i < 2; i++) {
        if (json_object_get(env, ids[i]))
            want--;
        else if (h->vars && asprintf(&h->vars[n], "%s=%s", ids[i], user) >= 0)
            n++;
    }
    json_decref(o);
    return h->vars && n == want ? 0 : al_err_set(AL_ENOMEM, "out of memory");
}

/* Removes least recently used entries nobody holds until the cache fits. */
static void s_evict(env_cache_t *c)
{
    pthread_mutex_lock(&c->evict_lock);
    DIR *d = opendir(c->dir);
    struct { char name[80]; time_t used; uint64_t bytes; } e[256];
    size_t n = 0;
    uint64_t total = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) && n < 256) {
        char p[ENV_PATH_MAX];
        struct stat st;
        if (strlen(de->d_name) != 64 || !al_sha256_hex_valid(de->d_name))
            continue;
        snprintf(p, sizeof p, "%s/%s/ok", c->dir, de->d_name);
        e[n].used = stat(p, &st) == 0 ? st.st_mtime : 0;   /* 0: unfinished, first to go */
        snprintf(p, sizeof p, "%s/%s", c->dir, de->d_name);
        snprintf(e[n].name, sizeof e[n].name, "%s", de->d_name);
        e[n].bytes = s_entry_bytes(p);
        total += e[n++].bytes;
    }
    if (d)
        closedir(d);
    while (total > c->max_bytes && n) {
        size_t old = 0;
        for (size_t i = 1; i < n; i++)
            if (e[i].used < e[old].used)
                old = i;
        char p[ENV_PATH_MAX], lock[ENV_PATH_MAX];
        int len = snprintf(p, sizeof p, "%s/%s", c->dir, e[old].name);
        s_join(lock, p, ".lock");
        int fd = len > 0 && len < (int)sizeof p ? open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600) : -1;
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
            al_rm_tree(p);
            total -= e[old].bytes;
            al_info("env.evicted", "digest=sha256:%s bytes=%" PRIu64, e[old].name, e[old].bytes);
        }
        if (fd >= 0)
            close(fd);
        e[old] = e[--n];
    }
    pthread_mutex_unlock(&c->evict_lock);
}

/* The erofs image of a whole entry the caller holds shared: made under a
 * lock of its own (<entry>.image.lock), so holders of the entry never wait
 * for each other and eviction (which needs the entry exclusively) cannot
 * remove it meanwhile. */
static int s_ensure_image(const char *entry, int *made)
{
    char img[ENV_PATH_MAX], lock[ENV_PATH_MAX];
    s_join(img, entry, "/root.erofs");
    if (access(img, R_OK) == 0)
        return 0;
    s_join(lock, entry, ".image.lock");
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) {
        int rc = al_err_set_errno(AL_EIO, "lock %s", lock);
        if (fd >= 0)
            close(fd);
        return rc;
    }
    int rc = 0;
    if (access(img, R_OK) != 0) {   /* nobody made it while we waited */
        rc = s_make_image(entry);
        *made = 1;
    }
    close(fd);
    return rc;
}

static int s_handle(const char *entry, const char *digest, int need_image, int lock_fd, env_handle_t **out)
{
    env_handle_t *h = calloc(1, sizeof *h);
    if (!h)
        return al_err_set(AL_ENOMEM, "out of memory");
    h->lock_fd = lock_fd;
    snprintf(h->digest, sizeof h->digest, "%s", digest);
    s_join(h->tree, entry, "/root");
    if (need_image)
        s_join(h->image, entry, "/root.erofs");
    int rc = s_load_spec(entry, h);
    if (rc != 0) {
        h->lock_fd = -1;
        env_cache_release(&h);
        return rc;
    }
    h->env = (sandbox_env_t){ .digest = h->digest, .tree = h->tree, .image = need_image ? h->image : NULL };
    char ok[ENV_PATH_MAX];
    s_join(ok, entry, "/ok");
    utimensat(AT_FDCWD, ok, NULL, 0);   /* most recently used */
    *out = h;
    return 0;
}

int env_cache_acquire(env_cache_t *c, const char *digest, int need_image, env_handle_t **out)
{
    *out = NULL;
    if (!envspec_is_digest(digest))
        return al_err_set(AL_EINVAL, "environment: '%.80s' is not a digest", digest);
    char entry[ENV_PATH_MAX], lock[ENV_PATH_MAX];
    snprintf(entry, sizeof entry, "%s/%s", c->dir, digest + 7);
    s_join(lock, entry, ".lock");
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return al_err_set_errno(AL_EIO, "environment lock %s", lock);
    uint64_t t0 = al_mono_ms();
    int rc = 0, filled = 0;
    for (int round = 0; rc == 0; round++) {
        if (flock(fd, LOCK_SH) < 0) {
            rc = al_err_set_errno(AL_EIO, "lock %s", lock);
            break;
        }
        if (s_entry_ok(entry, digest)) {
            rc = need_image ? s_ensure_image(entry, &filled) : 0;
            if (rc == 0)
                rc = s_handle(entry, digest, need_image, fd, out);
            if (rc == 0) {
                (*out)->fetch_ms = filled ? al_mono_ms() - t0 : 0;
                if (filled)
                    s_evict(c);
                return 0;
            }
            break;
        }
        if (round == 3) {
            rc = al_err_set(AL_ESTATE, "environment %s keeps disappearing from the cache", digest);
            break;
        }
        if (flock(fd, LOCK_UN) < 0 || flock(fd, LOCK_EX) < 0)
            rc = al_err_set_errno(AL_EIO, "lock %s", lock);
        if (rc == 0 && !s_entry_ok(entry, digest)) {
            rc = s_fill(c, digest, entry);
            filled = 1;
        }
        flock(fd, LOCK_UN);
    }
    close(fd);
    return rc;
}

void env_cache_release(env_handle_t **p)
{
    env_handle_t *h = p ? *p : NULL;
    if (!h)
        return;
    for (size_t i = 0; h->vars && h->vars[i]; i++)
        free(h->vars[i]);
    free(h->vars);
    if (h->lock_fd >= 0)
        close(h->lock_fd);   /* drops the shared lock */
    free(h);
    *p = NULL;
}
