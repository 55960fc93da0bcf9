/*
 * basecache.c: the worker's read-only base trees, one per (base tree, owner),
 * shared by every layered workspace on that base (layer.c), with a bound on
 * their number and least-recently-used eviction. The same pattern as the
 * environment cache (worker/env/env_cache.c):
 *
 *   <bases>/<tree hex>-<uid>/tree/   the checked-out base tree (lower layer)
 *   <bases>/<tree hex>-<uid>/git/.git/objects/pack/
 *                                    one pack of the tree's objects
 *                                    (basepack.c), the second lower layer:
 *                                    every stage's sandbox repository reads
 *                                    it instead of packing the base again
 *   <bases>/<tree hex>-<uid>/ok      written last: the entry is whole; its
 *                                    mtime is the entry's last use
 *   <bases>/<tree hex>-<uid>.lock    flock: exclusive to fill or evict,
 *                                    shared while a workspace uses it
 *
 * The key is the git tree id, so every commit with the same tree shares one
 * entry. The tree is checked out once with libgit2 (no filters, no
 * submodules) while a second thread writes the pack (two cores: the pack
 * costs no wall time beyond the checkout), and both are handed to `uid` (the sandbox's workload user: it edits its
 * files through the overlay, whose copy-up keeps the owner). Nothing writes
 * into an entry after `ok`: overlayfs never writes its lower layer and no
 * sandbox sees the path.
 *
 * Owns: the lock descriptors until handed to the caller, the directory
 * stream and libgit2 options of one call.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "worker/gitops/gitops_internal.h"

#define BASES_SCAN_MAX 512

static pthread_mutex_t s_evict_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned s_owner_uid, s_owner_gid;   /* for s_chown_one (nftw has no context) */
static pthread_mutex_t s_chown_lock = PTHREAD_MUTEX_INITIALIZER;

static int s_chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag, (void)ftw;
    /* Already owned: left alone. On an overlay a chown copies the whole file
     * up from the lower layer even when nothing changes (the base pack). */
    if (st && st->st_uid == s_owner_uid && st->st_gid == s_owner_gid)
        return 0;
    return lchown(path, s_owner_uid, s_owner_gid) < 0 ? -1 : 0;
}

int gitops_chown_tree(const char *dir, unsigned uid, unsigned gid)
{
    pthread_mutex_lock(&s_chown_lock);
    s_owner_uid = uid;
    s_owner_gid = gid;
    int r = nftw(dir, s_chown_one, 32, FTW_PHYS);   /* no FTW_MOUNT: overlayfs reports its files on the upper fs's st_dev */
    pthread_mutex_unlock(&s_chown_lock);
    return r < 0 ? al_err_set_errno(AL_EIO, "chown base tree %s", dir) : 0;
}

typedef struct {
    const char *gitdir;       /* the repository to read the objects from */
    git_oid tree;
    char pack_dir[PATH_MAX + 32];
    int rc;
    char err[512];
} pack_job_t;

/* The base pack, on its own repository handle (libgit2 objects are not
 * shared between threads). */
static void *s_pack_thread(void *arg)
{
    pack_job_t *j = arg;
    git_repository *r = NULL;
    git_tree *t = NULL;
    size_t n = 0, reused = 0;
    if (git_repository_open(&r, j->gitdir) < 0 || git_tree_lookup(&t, r, &j->tree) < 0)
        j->rc = gitops_git_err(AL_EGIT, "base pack: open");
    else
        j->rc = gitops_basepack_write(r, t, j->pack_dir, &n, &reused);
    if (j->rc < 0)
        snprintf(j->err, sizeof j->err, "%s", al_err_msg());
    else
        al_info("gitops.base.packed", "tree=%s objects=%zu reused=%zu", git_oid_tostr_s(&j->tree), n, reused);
    git_tree_free(t);
    git_repository_free(r);
    return NULL;
}

/* <entry>/git/.git/objects/pack, made and handed to uid (git in the sandbox
 * writes new objects and packs beside the base pack). */
static int s_pack_dirs(const char *entry, char *pack_dir, size_t size)
{
    static const char *const parts[] = { "git", "git/.git", "git/.git/objects", "git/.git/objects/pack" };
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        if (snprintf(pack_dir, size, "%s/%s", entry, parts[i]) >= (int)size)
            return al_err_set(AL_EINVAL, "base cache path too long");
        if (mkdir(pack_dir, 0755) < 0)
            return al_err_set_errno(AL_EIO, "mkdir %s", pack_dir);
    }
    return 0;
}

static int s_checkout(const char *dir, git_repository *repo, git_tree *tree)
{
    git_checkout_options co;
    git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_RECREATE_MISSING | GIT_CHECKOUT_DONT_UPDATE_INDEX;
    co.disable_filters = 1;
    co.target_directory = dir;
    if (git_checkout_tree(repo, (git_object *)tree, &co) < 0)
        return gitops_git_err(AL_EGIT, "base tree checkout");
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)   /* an empty tree checks out nothing */
        return al_err_set_errno(AL_EIO, "mkdir %s", dir);
    return 0;
}

/* Checks tree out into <entry>/tree, writes the base pack into <entry>/git
 * beside it, then <entry>/ok. */
static int s_fill(const char *entry, git_repository *repo, git_tree *tree, unsigned uid, unsigned gid)
{
    char dir[PATH_MAX + 16], ok[PATH_MAX + 16];
    pack_job_t job = { .gitdir = git_repository_path(repo), .rc = 0 };
    pthread_t th;
    int rc;

    if ((rc = gitops_dir_remove(entry)) < 0)
        return rc;
    if (mkdir(entry, 0755) < 0)
        return al_err_set_errno(AL_EIO, "mkdir %s", entry);
    snprintf(dir, sizeof dir, "%s/tree", entry);
    snprintf(ok, sizeof ok, "%s/ok", entry);
    if ((rc = s_pack_dirs(entry, job.pack_dir, sizeof job.pack_dir)) < 0)
        return rc;
    git_oid_cpy(&job.tree, git_tree_id(tree));
    int threaded = pthread_create(&th, NULL, s_pack_thread, &job) == 0;
    if (!threaded)
        s_pack_thread(&job);
    rc = s_checkout(dir, repo, tree);
    if (threaded)
        pthread_join(th, NULL);
    if (rc == 0 && job.rc < 0)
        rc = al_err_set(job.rc, "%s", job.err);
    if (rc < 0 || (rc = gitops_chown_tree(dir, uid, gid)) < 0)
        return rc;
    snprintf(dir, sizeof dir, "%s/git", entry);
    if ((rc = gitops_chown_tree(dir, uid, gid)) < 0)
        return rc;
    int fd = open(ok, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 || fsync(fd) < 0) {
        rc = al_err_set_errno(AL_EIO, "write %s", ok);
        if (fd >= 0)
            close(fd);
        return rc;
    }
    close(fd);
    return 0;
}

/* Removes least recently used entries nobody holds until at most max remain. */
static void s_evict(const char *bases, unsigned max)
{
    struct { char name[80]; time_t used; } e[BASES_SCAN_MAX];
    size_t n = 0;
    struct dirent *de;

    pthread_mutex_lock(&s_evict_lock);
    DIR *d = opendir(bases);
    while (d && (de = readdir(d)) && n < BASES_SCAN_MAX) {
        char p[PATH_MAX + 128];
        struct stat st;
        size_t len = strlen(de->d_name);
        if (len < 42 || len >= sizeof e[n].name || de->d_name[40] != '-' || strchr(de->d_name, '.'))
            continue;
        snprintf(p, sizeof p, "%s/%s/ok", bases, de->d_name);
        e[n].used = stat(p, &st) == 0 ? st.st_mtime : 0;   /* 0: unfinished, first to go */
        snprintf(e[n++].name, sizeof e[0].name, "%s", de->d_name);
    }
    if (d)
        closedir(d);
    while (n > max) {
        size_t old = 0;
        for (size_t i = 1; i < n; i++)
            if (e[i].used < e[old].used)
                old = i;
        char p[PATH_MAX + 96], lock[PATH_MAX + 104];
        int len = snprintf(p, sizeof p, "%s/%.80s", bases, e[old].name);
        if (len < 0 || len >= (int)sizeof p)
            len = 0;
        snprintf(lock, sizeof lock, "%s.lock", p);
        int fd = len == 0 ? -1 : open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
            gitops_dir_remove(p);
            al_info("gitops.base.evicted", "base=%s", e[old].name);
        }
        if (fd >= 0)
            close(fd);
        e[old] = e[--n];
    }
    pthread_mutex_unlock(&s_evict_lock);
}

/* Whole, and of this layout (an entry from before the base pack has none:
 * it is filled again). */
static int s_entry_ok(const char *entry)
{
    char ok[PATH_MAX + 16], pack[PATH_MAX + 32];
    snprintf(ok, sizeof ok, "%s/ok", entry);
    snprintf(pack, sizeof pack, "%s/git/.git/objects/pack", entry);
    return access(ok, F_OK) == 0 && access(pack, F_OK) == 0;
}

int gitops_base_acquire(const char *bases, unsigned max_bases, git_repository *repo, git_tree *tree,
                        unsigned uid, unsigned gid, char **path, char **git_layer, int *lock_fd)
{
    char entry[PATH_MAX], lock[PATH_MAX + 8], hex[GITOPS_OID_HEXSZ + 1];
    int rc = 0, filled = 0;

    *path = NULL;
    *git_layer = NULL;
    *lock_fd = -1;
    if (mkdir(bases, 0700) < 0 && errno != EEXIST)
        return al_err_set_errno(AL_EIO, "mkdir %s", bases);
    git_oid_tostr(hex, sizeof hex, git_tree_id(tree));
    if (snprintf(entry, sizeof entry, "%s/%s-%u", bases, hex, uid) >= (int)sizeof entry)
        return al_err_set(AL_EINVAL, "base cache path too long");
    snprintf(lock, sizeof lock, "%s.lock", entry);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return al_err_set_errno(AL_EIO, "base lock %s", lock);
    for (int round = 0; rc == 0; round++) {
        if (flock(fd, LOCK_SH) < 0) {
            rc = al_err_set_errno(AL_EIO, "lock %s", lock);
            break;
        }
        if (s_entry_ok(entry)) {
            char ok[PATH_MAX + 16];
            snprintf(ok, sizeof ok, "%s/ok", entry);
            utimensat(AT_FDCWD, ok, NULL, 0);   /* most recently used */
            if (asprintf(path, "%s/tree", entry) < 0 || asprintf(git_layer, "%s/git", entry) < 0) {
                free(*path);
                *path = NULL;
                *git_layer = NULL;
                rc = al_err_set(AL_ENOMEM, "base path");
                break;
            }
            *lock_fd = fd;
            if (filled)
                s_evict(bases, max_bases ? max_bases : GITOPS_DEFAULT_MAX_BASES);
            return 0;
        }
        if (round == 3) {
            rc = al_err_set(AL_ESTATE, "base tree %s keeps disappearing from the cache", hex);
            break;
        }
        if (flock(fd, LOCK_UN) < 0 || flock(fd, LOCK_EX) < 0)
            rc = al_err_set_errno(AL_EIO, "lock %s", lock);
        if (rc == 0 && !s_entry_ok(entry)) {
            al_info("gitops.base.fill", "base=%s-%u", hex, uid);
            if ((rc = s_fill(entry, repo, tree, uid, gid)) < 0)
                gitops_dir_remove(entry);   /* nothing half-made stays usable */
            filled = 1;
        }
        flock(fd, LOCK_UN);
    }
    close(fd);
    return rc;
}
