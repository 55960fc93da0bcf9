/*
 * workspace.c: gitops_init and the per-task workspace: mirror cache, fetch
 * into a fresh git directory beside the work tree, checkout of base.
 *
 * Owns: the gitops_workspace_t (its strings, repository and base tree) and,
 * while fetching, the mirror cache lock file descriptor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "worker/gitops/gitops_internal.h"

#define BASE_MAX 256

int gitops_init(void)
{
    static const int levels[] = { GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
                                  GIT_CONFIG_LEVEL_GLOBAL, GIT_CONFIG_LEVEL_PROGRAMDATA };
    if (git_libgit2_init() < 0)
        return gitops_git_err(AL_EGIT, "git_libgit2_init");
    /* Every repository this process opens is either created by the worker
     * (mirror, task git dir) or read as a fetch source; libgit2 runs no
     * hooks, filter drivers or fsmonitor from any config, so the ownership
     * check protects nothing here and would refuse source repositories owned
     * by another user. */
    if (git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0) < 0)
        return gitops_git_err(AL_EGIT, "owner validation");
    /* Hermetic: no ~/.gitconfig, /etc/gitconfig or XDG config changes what
     * a checkout writes (autocrlf, symlinks, ...). */
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], "") < 0)
            return gitops_git_err(AL_EGIT, "config search path");
    return 0;
}

static char *path_join(const char *a, const char *b)
{
    char *s = NULL;
    if (asprintf(&s, "%s/%s", a, b) < 0)
        return NULL;
    return s;
}

static int fetch_all(git_repository *repo, const char *url, int prune)
{
    git_remote *remote = NULL;
    git_remote_create_options ro;
    git_fetch_options fo;
    char *spec = "+refs/*:refs/*";
    git_strarray specs = { &spec, 1 };
    int rc = 0;

    git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
    fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    fo.prune = prune ? GIT_FETCH_PRUNE : GIT_FETCH_NO_PRUNE;
    fo.update_fetchhead = 0;
    /* Anonymous, and no url.*.insteadOf rewriting: the url is what the job
     * named. (Also avoids a libgit2 1.5 leak in the insteadOf regex match.) */
    git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
    ro.repository = repo;
    ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
    if (git_remote_create_with_opts(&remote, url, &ro) < 0) {
        rc = gitops_git_err(AL_EGIT, "remote");
        goto done;
    }
    if (git_remote_fetch(remote, &specs, &fo, NULL) < 0)
        rc = gitops_git_err(AL_EGIT, "fetch");
done:
    git_remote_free(remote);
    return rc;
}

/* Links every file of one objects subdirectory (a pack dir or a loose fan-out
 * dir) into the same place in the mirror. 0, or -1 when a link failed. */
static int seed_dir(const char *from, const char *to)
{
    DIR *d = opendir(from);
    struct dirent *e;
    int rc = 0;
    if (!d)
        return -1;
    if (mkdir(to, 0755) < 0 && errno != EEXIST)
        rc = -1;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char a[PATH_MAX], b[PATH_MAX];
        if (e->d_name[0] == '.' || e->d_type != DT_REG)
            continue;
        if (snprintf(a, sizeof a, "%s/%s", from, e->d_name) >= (int)sizeof a ||
            snprintf(b, sizeof b, "%s/%s", to, e->d_name) >= (int)sizeof b)
            continue;
        if (link(a, b) < 0 && errno != EEXIST)
            rc = -1;
    }
    closedir(d);
    return rc;
}

/* A new mirror of a local repository gets the source's objects as hard links
 * (as `git clone --local` does: objects never change once written, and every
 * one read is checked against its id), so the fetch that follows only writes
 * refs instead of packing the whole history again. Best effort: another
 * file system or a link that fails leaves the fetch to bring what is missing. */
static void mirror_seed(const char *url, const char *mirror)
{
    git_repository *src = NULL;
    char from[PATH_MAX], to[PATH_MAX];
    const char *path = strncmp(url, "file://", 7) == 0 ? url + 7 : url;
    if (gitops_url_is_remote(url) || git_repository_open_ext(&src, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
        return;
    const char *gd = git_repository_commondir(src);
    for (int i = -1; i < 256; i++) {
        char sub[8];
        if (i < 0)
            snprintf(sub, sizeof sub, "pack");
        else
            snprintf(sub, sizeof sub, "%02x", i);
        if (snprintf(from, sizeof from, "%sobjects/%s", gd, sub) >= (int)sizeof from ||
            snprintf(to, sizeof to, "%s/objects/%s", mirror, sub) >= (int)sizeof to)
            break;
        if (access(from, F_OK) == 0 && seed_dir(from, to) < 0)
            break;
    }
    git_repository_free(src);
}

/* Brings <cache>/<sha256(url)>.git up to date under an exclusive lock and
 * returns with a shared lock held on *lockfd (the caller closes it after
 * reading the mirror). *mirror is malloc'd. */
static int mirror_update(const char *cache, const gitops_source_t *src, const char *task,
                         char **mirror, int *lockfd)
{
    const char *url = src->url;
    char hex[65], *lockpath = NULL, *name = NULL;
    git_repository *repo = NULL;
    int fd = -1, rc;

    *mirror = NULL;
    *lockfd = -1;
    if ((rc = gitops_sha256_hex(url, hex)) < 0)
        return rc;
    if (mkdir(cache, 0700) < 0 && errno != EEXIST)
        return al_err_set_errno(AL_EIO, "mkdir cache %s", cache);
    if (asprintf(&lockpath, "%s/%s.lock", cache, hex) < 0 || asprintf(&name, "%s/%s.git", cache, hex) < 0) {
        rc = al_err_set(AL_ENOMEM, "mirror path");
        goto done;
    }
    fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) {
        rc = al_err_set_errno(AL_EIO, "mirror lock %s", lockpath);
        goto done;
    }
    if (git_repository_open_bare(&repo, name) < 0) {
        if ((rc = gitops_dir_remove(name)) < 0)
            goto done;
        if (git_repository_init(&repo, name, 1) < 0) {
            rc = gitops_git_err(AL_EGIT, "mirror init");
            goto done;
        }
        al_info("gitops.mirror.create", "task=%s mirror=%s", task, hex);
        mirror_seed(url, name);
    }
    rc = gitops_url_is_remote(url) ? gitops_remote_fetch(repo, src) : fetch_all(repo, url, 1);
    if (rc < 0) {
        al_err_wrap(rc, "mirror %s", hex);
        goto done;
    }
    if (flock(fd, LOCK_SH) < 0) {
        rc = al_err_set_errno(AL_EIO, "mirror lock %s", lockpath);
        goto done;
    }
    *mirror = name;
    name = NULL;
    *lockfd = fd;
    fd = -1;
done:
    git_repository_free(repo);
    if (fd >= 0)
        close(fd);
    free(lockpath);
    free(name);
    return rc;
}

static int base_check(const char *base)
{
    size_t n = base ? strlen(base) : 0;
    if (n == 0 || n > BASE_MAX)
        return al_err_set(AL_EINVAL, "field base: empty or longer than %d", BASE_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)base[i] <= ' ' || base[i] == 0x7f)
            return al_err_set(AL_EINVAL, "field base: control character or space");
    return 0;
}

/* Resolves base to a commit: ws->base_tree and the ids; HEAD detached at it
 * when detach is set (after the checkout for a plain workspace). */
static int resolve_base(gitops_workspace_t *ws, const char *base, git_commit **commit)
{
    git_object *obj = NULL;
    int rc = 0;

    if (git_revparse_single(&obj, ws->repo, base) < 0 ||
        git_object_peel((git_object **)commit, obj, GIT_OBJECT_COMMIT) < 0) {
        rc = gitops_git_err(AL_ENOTFOUND, "base not found");
        al_err_wrap(rc, "field base %s", base);
        goto done;
    }
    if (git_commit_tree(&ws->base_tree, *commit) < 0) {
        rc = gitops_git_err(AL_EGIT, "base tree");
        goto done;
    }
    git_oid_cpy(&ws->base_tree_oid, git_tree_id(ws->base_tree));
    git_oid_cpy(&ws->tracked_tree_oid, &ws->base_tree_oid);
    git_oid_tostr(ws->base_commit_hex, sizeof(ws->base_commit_hex), git_commit_id(*commit));
    git_oid_tostr(ws->base_tree_hex, sizeof(ws->base_tree_hex), &ws->base_tree_oid);
done:
    git_object_free(obj);
    return rc;
}

/* Resolves base to a commit, checks its tree out with FORCE, detaches HEAD. */
static int checkout_base(gitops_workspace_t *ws, const char *base)
{
    git_commit *commit = NULL;
    git_checkout_options co;
    int rc;

    if ((rc = resolve_base(ws, base, &commit)) < 0)
        goto done;
    git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_RECREATE_MISSING |
                           GIT_CHECKOUT_REMOVE_UNTRACKED;
    co.disable_filters = 1;
    if (git_checkout_tree(ws->repo, (git_object *)ws->base_tree, &co) < 0 ||
        git_repository_set_head_detached(ws->repo, git_commit_id(commit)) < 0)
        rc = gitops_git_err(AL_EGIT, "checkout base");
done:
    git_commit_free(commit);
    return rc;
}

static int repo_create(gitops_workspace_t *ws)
{
    git_repository_init_options io;
    char *dotgit = NULL;
    int rc = 0;

    if (mkdir(ws->dir, 0700) < 0)
        return al_err_set_errno(errno == EEXIST ? AL_EEXISTS : AL_EIO, "workspace dir %s", ws->dir);
    if (mkdir(ws->workdir, 0755) < 0)
        return al_err_set_errno(AL_EIO, "workspace workdir %s", ws->workdir);
    git_repository_init_options_init(&io, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
    io.flags = GIT_REPOSITORY_INIT_NO_REINIT | GIT_REPOSITORY_INIT_NO_DOTGIT_DIR |
               GIT_REPOSITORY_INIT_MKPATH;
    io.workdir_path = ws->workdir;
    if (git_repository_init_ext(&ws->repo, ws->gitdir, &io) < 0)
        return gitops_git_err(AL_EGIT, "workspace init");
    /* libgit2 leaves a `.git` file pointing at the git dir in the work tree;
     * the sandbox must not see (or redirect) it, and the open repository
     * does not need it. */
    if (asprintf(&dotgit, "%s/.git", ws->workdir) < 0)
        return al_err_set(AL_ENOMEM, "workspace path");
    if (unlink(dotgit) < 0 && errno != ENOENT)
        rc = al_err_set_errno(AL_EIO, "unlink %s", dotgit);
    free(dotgit);
    return rc;
}

static int workspace_alloc(gitops_workspace_t **out, const gitops_source_t *src, const char *dir)
{
    gitops_workspace_t *ws = calloc(1, sizeof(*ws));
    if (!ws)
        return al_err_set(AL_ENOMEM, "workspace");
    ws->dir = strdup(dir);
    ws->workdir = path_join(dir, "work");
    ws->gitdir = path_join(dir, "git");
    ws->task = strdup(src->task_id ? src->task_id : "-");
    ws->max_changes = GITOPS_DEFAULT_MAX_CHANGES;
    ws->max_file_bytes = GITOPS_DEFAULT_MAX_FILE_BYTES;
    ws->base_lock = -1;
    *out = ws;
    if (!ws->dir || !ws->workdir || !ws->gitdir || !ws->task)
        return al_err_set(AL_ENOMEM, "workspace");
    return 0;
}

int gitops_workspace_new(gitops_workspace_t **out, const gitops_source_t *src, const char *dir)
{
    gitops_workspace_t *ws = NULL;
    char *mirror = NULL;
    int lockfd = -1, rc;

    if (!out || !src || !dir || !*dir)
        return al_err_set(AL_EINVAL, "gitops_workspace_new: NULL argument");
    *out = NULL;
    if (src->version != GITOPS_SOURCE_VERSION)
        return al_err_set(AL_EINVAL, "gitops_source_t version %d, expected %d", src->version,
                          GITOPS_SOURCE_VERSION);
    if (!src->url || !*src->url)
        return al_err_set(AL_EINVAL, "field repo: empty");
    if ((rc = base_check(src->base)) < 0)
        return rc;
    if ((rc = workspace_alloc(&ws, src, dir)) < 0 || (rc = repo_create(ws)) < 0)
        goto done;
    if (src->cache_dir && (rc = mirror_update(src->cache_dir, src, ws->task, &mirror, &lockfd)) < 0)
        goto done;
    rc = !mirror && gitops_url_is_remote(src->url) ? gitops_remote_fetch(ws->repo, src)
                                                    : fetch_all(ws->repo, mirror ? mirror : src->url, 0);
    if (rc < 0)
        goto done;
    if (lockfd >= 0) {
        close(lockfd);
        lockfd = -1;
    }
    if ((rc = checkout_base(ws, src->base)) < 0)
        goto done;
    al_info("gitops.workspace.ready", "task=%s base=%s tree=%s mirror=%d", ws->task,
            ws->base_commit_hex, ws->base_tree_hex, mirror != NULL);
    *out = ws;
    ws = NULL;
done:
    if (lockfd >= 0)
        close(lockfd);
    free(mirror);
    gitops_workspace_destroy(&ws);
    return rc;
}

/* The task repository borrows the mirror's objects: nothing is copied, and
 * the fetch from the mirror then only writes refs. Mirrors only gain objects
 * (fetches never delete any), so the borrowed ones stay. */
static int alternates_write(gitops_workspace_t *ws, const char *mirror)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/objects/info", ws->gitdir);
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return al_err_set_errno(AL_EIO, "mkdir %s", path);
    snprintf(path, sizeof path, "%s/objects/info/alternates", ws->gitdir);
    FILE *f = fopen(path, "wx");
    if (!f)
        return al_err_set_errno(AL_EIO, "create %s", path);
    int ok = fprintf(f, "%s/objects\n", mirror) > 0;
    if (fclose(f) != 0 || !ok)
        return al_err_set_errno(AL_EIO, "write %s", path);
    return 0;
}

/* The layered work tree: base tree from the cache, index = base tree (no
 * stat data: only paths the upper layer names are ever compared), overlay. */
static int layered_tree(gitops_workspace_t *ws, const char *base, const gitops_layer_opts_t *lo)
{
    git_commit *commit = NULL;
    git_index *index = NULL;
    int rc;

    if ((rc = resolve_base(ws, base, &commit)) < 0)
        goto done;
    if (git_repository_set_head_detached(ws->repo, git_commit_id(commit)) < 0 ||
        git_repository_index(&index, ws->repo) < 0 || git_index_read_tree(index, ws->base_tree) < 0 ||
        git_index_write(index) < 0) {
        rc = gitops_git_err(AL_EGIT, "layered workspace index");
        goto done;
    }
    if ((rc = gitops_base_acquire(lo->bases_dir, lo->max_bases, ws->repo, ws->base_tree, ws->owner_uid,
                                  ws->owner_gid, &ws->base_dir, &ws->base_git, &ws->base_lock)) < 0)
        goto done;
    if (rmdir(ws->workdir) < 0 && errno != ENOENT) {
        rc = al_err_set_errno(AL_EIO, "rmdir %s", ws->workdir);
        goto done;
    }
    rc = gitops_layer_mount(ws, "work", ws->workdir, &ws->upper);
done:
    git_index_free(index);
    git_commit_free(commit);
    return rc;
}

int gitops_workspace_new_layered(gitops_workspace_t **out, const gitops_source_t *src, const char *dir,
                                 const gitops_layer_opts_t *lo)
{
    gitops_workspace_t *ws = NULL;
    char *mirror = NULL;
    int lockfd = -1, rc;

    if (!out || !src || !dir || !*dir || !lo)
        return al_err_set(AL_EINVAL, "gitops_workspace_new_layered: NULL argument");
    *out = NULL;
    if (src->version != GITOPS_SOURCE_VERSION || lo->version != GITOPS_LAYER_OPTS_VERSION)
        return al_err_set(AL_EINVAL, "gitops_workspace_new_layered: struct version mismatch");
    if (!src->url || !*src->url)
        return al_err_set(AL_EINVAL, "field repo: empty");
    if (!src->cache_dir || !lo->bases_dir)
        return al_err_set(AL_EINVAL, "a layered workspace needs the mirror cache and the base cache");
    if ((rc = base_check(src->base)) < 0)
        return rc;
    if ((rc = workspace_alloc(&ws, src, dir)) < 0)
        goto done;
    ws->layered = 1;
    ws->upper_mb = lo->upper_mb ? lo->upper_mb : 512;
    ws->owner_uid = lo->owner_uid;
    ws->owner_gid = lo->owner_gid;
    if ((rc = repo_create(ws)) < 0 || (rc = mirror_update(src->cache_dir, src, ws->task, &mirror, &lockfd)) < 0 ||
        (rc = alternates_write(ws, mirror)) < 0)
        goto done;
    /* reopen: the object database picks the alternates up when opened */
    git_repository_free(ws->repo);
    ws->repo = NULL;
    if (git_repository_open(&ws->repo, ws->gitdir) < 0) {
        rc = gitops_git_err(AL_EGIT, "workspace reopen");
        goto done;
    }
    if ((rc = fetch_all(ws->repo, mirror, 0)) < 0)
        goto done;
    close(lockfd);
    lockfd = -1;
    if ((rc = layered_tree(ws, src->base, lo)) < 0)
        goto done;
    al_info("gitops.workspace.ready", "task=%s base=%s tree=%s mirror=1 layered=1", ws->task,
            ws->base_commit_hex, ws->base_tree_hex);
    *out = ws;
    ws = NULL;
done:
    if (lockfd >= 0)
        close(lockfd);
    free(mirror);
    gitops_workspace_destroy(&ws);
    return rc;
}

void gitops_workspace_destroy(gitops_workspace_t **p)
{
    gitops_workspace_t *ws = p ? *p : NULL;
    if (!ws)
        return;
    gitops_layer_unmount_all(ws);
    if (ws->base_lock >= 0)
        close(ws->base_lock);   /* the base tree may be evicted once nobody holds it */
    free(ws->base_dir);
    free(ws->base_git);
    free(ws->upper);
    git_tree_free(ws->base_tree);
    git_repository_free(ws->repo);
    free(ws->dir);
    free(ws->workdir);
    free(ws->gitdir);
    free(ws->task);
    free(ws);
    *p = NULL;
}

const char *gitops_workspace_workdir(const gitops_workspace_t *ws)
{
    return ws ? ws->workdir : NULL;
}

const char *gitops_workspace_base_commit(const gitops_workspace_t *ws)
{
    return ws ? ws->base_commit_hex : NULL;
}

const char *gitops_workspace_base_tree(const gitops_workspace_t *ws)
{
    return ws ? ws->base_tree_hex : NULL;
}

const char *gitops_workspace_tracked_tree(gitops_workspace_t *ws)
{
    if (!ws)
        return NULL;
    git_oid_tostr(ws->tracked_tree_hex, sizeof(ws->tracked_tree_hex), &ws->tracked_tree_oid);
    return ws->tracked_tree_hex;
}

void gitops_workspace_set_limits(gitops_workspace_t *ws, size_t max_changes, uint64_t max_file_bytes)
{
    if (!ws)
        return;
    ws->max_changes = max_changes ? max_changes : GITOPS_DEFAULT_MAX_CHANGES;
    ws->max_file_bytes = max_file_bytes ? max_file_bytes : GITOPS_DEFAULT_MAX_FILE_BYTES;
}
