/*
 * gitops_internal.h: what the files of worker/gitops share and nobody else
 * sees: the workspace struct, libgit2 error translation, the violation list
 * builder, path rules and the no-follow file helpers.
 */
#ifndef AIRLOCK_GITOPS_INTERNAL_H
#define AIRLOCK_GITOPS_INTERNAL_H

#include <git2.h>
#include <stdint.h>

#include "worker/gitops/gitops.h"

#define GITOPS_LAYER_MAX_MOUNTS 8

struct gitops_workspace {
    char *dir;            /* owned: the task directory */
    char *workdir;        /* owned: <dir>/work */
    char *gitdir;         /* owned: <dir>/git */
    char *task;           /* owned: task id for logs, "-" when none */
    git_repository *repo; /* owned */
    git_tree *base_tree;  /* owned */
    git_oid base_tree_oid;
    git_oid tracked_tree_oid;  /* base tree, or the tree after gitops_apply */
    char base_commit_hex[GITOPS_OID_HEXSZ + 1];
    char base_tree_hex[GITOPS_OID_HEXSZ + 1];
    char tracked_tree_hex[GITOPS_OID_HEXSZ + 1];
    int applied;
    size_t max_changes;
    uint64_t max_file_bytes;
    /* layered workspaces (layer.c, basecache.c): the work tree is an overlay
     * over a shared read-only base tree */
    int layered;
    char *base_dir;       /* owned: the base tree (lower layer) */
    char *base_git;       /* owned: <entry>/git, the base pack (second lower layer) */
    int base_lock;        /* shared flock on the base cache entry, -1 none */
    char *upper;          /* owned: upper dir of the work tree's overlay */
    char *mounts[GITOPS_LAYER_MAX_MOUNTS]; /* owned: unmounted in reverse at destroy */
    size_t n_mounts;
    unsigned upper_mb;
    unsigned owner_uid, owner_gid;
};

/* Records "what: <libgit2 message>" with `code` and returns code. */
int gitops_git_err(int code, const char *what);

/* Adds one violation (path and detail copied). Returns 0 or AL_ENOMEM. */
int gitops_violation_add(gitops_violations_t *v, const char *path, gitops_violation_kind_t kind,
                         const char *detail);

/* Path rules shared by apply and the workspace diff: bad components,
 * protected, write_paths. Appends violations; returns 0 or AL_ENOMEM. */
int gitops_policy_check_path(const gitops_policy_t *policy, const char *path, gitops_violations_t *v);

/* Whether `path` is protected by `glob` (ASCII case ignored; also a file
 * standing where a protected directory would be). */
int gitops_policy_protected_hit(const char *glob, const char *path);

/* The protected glob of the policy `path` hits, or NULL. */
const char *gitops_policy_protected_glob(const gitops_policy_t *policy, const char *path);

/* apply.c: the patch as gitops_apply reads it: at most GITOPS_MAX_PATCH
 * bytes, no NUL, through patch_text_for_libgit2, parsed by libgit2. Returns
 * 0 or < 0 with the reason in git_error_last(). */
#define GITOPS_MAX_PATCH (64u << 20)
int gitops_patch_parse(git_diff **out, const char *patch, size_t len);

/* relocate.c: where each hunk of a parsed patch applies, as git apply finds
 * it when the line its header states does not match. new_start[k] (k: the
 * hunk's index over all deltas in order; the first of delta i is first[i])
 * is the new_start to apply the hunk with, 0 to keep the stated one; moved
 * counts the hunks that moved. */
typedef struct {
    int *new_start;
    size_t *first;
    size_t n, n_deltas, moved;
} gitops_relocation_t;

int gitops_relocate_plan(git_repository *repo, git_tree *base, git_diff *diff, gitops_relocation_t *plan);
void gitops_relocation_free(gitops_relocation_t *plan);

/* links.c: symlink chains of the applied index. Every link of the index
 * whose path the patch touched (touched(ctx, path) != 0), or whose chain
 * passes through such a path, is resolved through the index's other links;
 * an escape, .git, loop or protected landing is appended to v. */
int gitops_links_check_index(git_repository *repo, git_index *index, const gitops_policy_t *policy,
                             int (*touched)(void *ctx, const char *path), void *ctx, gitops_violations_t *v);

/* collide.c: paths the patch touched that equal another path of the index
 * (or one's directory equals another's) but for ASCII case. */
int gitops_case_collisions(git_index *index, int (*touched)(void *ctx, const char *path), void *ctx,
                           gitops_violations_t *v);

/* Symlink at `path` pointing at `target` (not NUL-terminated, len bytes):
 * appends SYMLINK_ESCAPE when the target is absolute, empty, holds a NUL, a
 * ".git" component or climbs above the tree root. */
int gitops_policy_check_symlink(const char *path, const char *target, size_t len,
                                gitops_violations_t *v);

/* Opens `rel` below the directory fd `rootfd` without following any symlink
 * in any component. flags are added to O_NOFOLLOW|O_CLOEXEC. Returns an fd or
 * -1 with errno set (ELOOP/ENOTDIR when a component is a link). */
int gitops_open_beneath(int rootfd, const char *rel, int flags);

/* Like gitops_open_beneath for the parent of `rel`: returns the parent dir fd
 * and points *leaf at the last component of rel. */
int gitops_open_parent_beneath(int rootfd, const char *rel, const char **leaf);

/* What the work tree holds at a path, looked at without following links. */
typedef enum {
    GITOPS_WF_NONE = 0,  /* gone, or a parent component is not a directory */
    GITOPS_WF_REG,       /* fd open (O_NONBLOCK), size and exec set */
    GITOPS_WF_LINK,      /* target set (NUL-terminated), never followed */
    GITOPS_WF_DIR,
    GITOPS_WF_OTHER,     /* FIFO, socket, device: never opened */
} gitops_wf_kind_t;

typedef struct {
    gitops_wf_kind_t kind;
    int fd;
    uint64_t size;
    int exec;
    char target[4097];
} gitops_workfile_t;

/* Fills wf for `rel` below rootfd. A regular file over max_bytes is
 * AL_ELIMIT; other failures AL_EIO. Close with gitops_workfile_close. */
int gitops_workfile_open(int rootfd, const char *rel, uint64_t max_bytes, gitops_workfile_t *wf);
void gitops_workfile_close(gitops_workfile_t *wf);

/* AL_ELIMIT naming the file when size > max, else 0. */
int gitops_size_check(const char *path, uint64_t size, uint64_t max);

/* Reads exactly `size` bytes of fd in chunks, handing each to sink (which
 * returns 0 or a negative AL_E* code). A file that shrinks is AL_EIO. */
typedef int (*gitops_sink_fn)(void *ctx, const void *buf, size_t n);
int gitops_fd_stream(int fd, uint64_t size, const char *path, gitops_sink_fn sink, void *ctx);

/* result.c: diff as git-format patch text, bounded by GITOPS_MAX_DIFF_TEXT
 * (AL_ELIMIT); *text malloc'd, NUL-terminated, the caller's. */
int gitops_diff_print_text(git_diff *diff, char **text, size_t *len);

/* Hex sha256 of a string into out (65 bytes). */
int gitops_sha256_hex(const char *s, char out[65]);

/* remote.c: fetches src->url (a remote URL) into repo, narrowed to the refs
 * src names, under src->remote's rules and credentials. Errors: AL_EINVAL,
 * AL_EPOLICY (a rule refused the URL), AL_ENOTFOUND (ref or base missing on
 * the server), AL_EGIT (connection, authentication, transfer). */
int gitops_remote_fetch(git_repository *repo, const gitops_source_t *src);

/* ---- layered workspaces (layer.c, basecache.c) ------------------------- */

/* Paths a layer's upper dir says may differ from the base, sorted; an entry
 * covers itself and everything below it (gitops_touched_covers). */
typedef struct {
    char **paths;
    size_t n, cap;
} gitops_touched_t;

typedef struct {
    size_t max_entries;          /* AL_ELIMIT beyond */
    uint64_t max_file_bytes;     /* AL_ELIMIT for a larger regular file */
    uint64_t max_bytes;          /* AL_ELIMIT when the regular files hold more in all (sparse ones
                                  * by their size, as the result holds them); 0: no limit */
    int (*on_special)(void *ctx, const char *path); /* nested .git, FIFO, socket: NULL = ignore */
    void *ctx;
} gitops_layer_scan_t;

/* Mounts a tmpfs at <dir>/layer-<name> and an overlay (lower: the base tree,
 * upper on that tmpfs) at merged; *upper_out (may be NULL) gets the upper dir. */
int gitops_layer_mount(gitops_workspace_t *ws, const char *name, const char *merged, char **upper_out);
void gitops_layer_unmount_all(gitops_workspace_t *ws);

/* What the files of an upper layer may hold in all: its tmpfs's size (a
 * sparse file takes less there than in the result, or on microvm's disk). */
uint64_t gitops_layer_max_bytes(const gitops_workspace_t *ws);

/* Walks the work tree's upper dir (opt NULL: default bounds, no specials). */
int gitops_layer_touched(gitops_workspace_t *ws, const gitops_layer_scan_t *opt, gitops_touched_t *out);
void gitops_touched_free(gitops_touched_t *t);
int gitops_touched_covers(const gitops_touched_t *t, const char *path);

/* Checks out target over baseline writing only the paths that differ;
 * dest NULL = the workspace's work tree (index updated). */
int gitops_layer_checkout(gitops_workspace_t *ws, git_tree *baseline, git_tree *target, const char *dest);

/* basecache.c: dir and everything below it (never following a link) to uid:gid. */
int gitops_chown_tree(const char *dir, unsigned uid, unsigned gid);

/* basecache.c: the base tree of `tree` under bases_dir, checked out once and
 * owned by uid:gid, with one pack of its objects beside it; *path (the tree)
 * and *git_layer (holding .git/objects/pack) malloc'd, *lock_fd holds the
 * entry shared until closed. */
int gitops_base_acquire(const char *bases_dir, unsigned max_bases, git_repository *repo, git_tree *tree,
                        unsigned uid, unsigned gid, char **path, char **git_layer, int *lock_fd);

/* packsrc.c: the packs of a repository and of its alternates, by id, down
 * to an entry's raw bytes (for reuse; never trusted beyond its bounds). */
typedef struct gitops_packsrc gitops_packsrc_t;
typedef struct {
    unsigned pack;
    uint64_t offset;
} gitops_packloc_t;
int gitops_packsrc_open(gitops_packsrc_t **out, const char *gitdir);
void gitops_packsrc_close(gitops_packsrc_t **s);
/* 1: *loc is where id is stored; 0: in no pack */
int gitops_packsrc_find(const gitops_packsrc_t *s, const git_oid *id, gitops_packloc_t *loc);
/* 1: *data, *len = the whole stored entry at loc (header included); 0: none */
int gitops_packsrc_entry(const gitops_packsrc_t *s, const gitops_packloc_t *loc, const unsigned char **data,
                         size_t *len);

/* basepack.c: one pack (and its .idx) in pack_dir holding every tree and
 * blob reachable from tree, each stored as in the repository's packs when it
 * stands alone there or leans on another of them, else whole; *count and
 * *reused (either may be NULL) = objects, objects copied as stored. */
int gitops_basepack_write(git_repository *repo, git_tree *tree, const char *pack_dir, size_t *count,
                          size_t *reused);

#endif
