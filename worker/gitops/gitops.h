/*
 * gitops.h: the task workspace, done with libgit2.
 *
 * One workspace per task: a fresh directory holding the work tree
 * (`<dir>/work`, what the sandbox sees) and a git directory kept beside it
 * (`<dir>/git`, never inside the work tree, so the run stage cannot rewrite
 * the repository the diff is computed from). The flow of a task:
 *
 *   gitops_workspace_new()      fetch (through a mirror cache) + check out base
 *   gitops_apply()              patch -> in-memory index -> policy -> checkout
 *   ... run stage writes into gitops_workspace_workdir() ...
 *   gitops_diff_workspace()     every change vs the base tree, untracked and
 *   gitops_policy_check_changes()   ignored included; policy over the changes
 *   gitops_result_tree()        tracked content -> a tree object
 *   gitops_export_tree()        that tree materialized for the test sandbox
 *   gitops_diff_text()          unified diff base -> result for the artifact
 *   gitops_workspace_destroy()  frees libgit2 objects (the directory stays)
 *   gitops_dir_remove()         removes the directory, never following links
 *
 * Nothing here runs a program: libgit2 runs no hooks and no filter drivers,
 * checkouts are done with filters disabled, submodules are never recursed.
 * See docs/WORKSPACE.md.
 *
 * Errors: 0 or a negative AL_E* code (common/error.h) with the reason in
 * al_err_msg(). Ownership: every *_new / out-pointer object belongs to the
 * caller and is released with the matching *_destroy (NULL-safe, nulls *p).
 * Threads: different workspaces may be used from different threads at once;
 * one workspace is used by one thread at a time.
 */
#ifndef AIRLOCK_GITOPS_H
#define AIRLOCK_GITOPS_H

#include <stddef.h>
#include <stdint.h>

#define GITOPS_OID_HEXSZ 40

/* Once per process, before any thread uses gitops. Initializes libgit2,
 * disables libgit2's repository owner validation and makes configuration
 * hermetic (no global/system/XDG config files). Idempotent. */
int gitops_init(void);

/* ---- workspace ---------------------------------------------------------- */

typedef struct gitops_workspace gitops_workspace_t;

typedef struct gitops_remote gitops_remote_t;   /* rules and credentials, below */

#define GITOPS_SOURCE_VERSION 1
typedef struct {
    int version;             /* GITOPS_SOURCE_VERSION */
    const char *url;         /* local path or file:// URL of the repository, or an
                                https://, http:// or ssh:// URL (see remote below) */
    const char *base;        /* commit id (full or abbreviated) or ref name */
    const char *cache_dir;   /* mirror cache parent; NULL = fetch url directly */
    const char *task_id;     /* for logs; may be NULL */
    const char *ref;         /* remote only: what to fetch (branch, tag, refs/...,
                                pull/N/head); NULL = base when it is a ref name,
                                else every branch and tag */
    const gitops_remote_t *remote;  /* remote only: rules and credentials;
                                       NULL = anonymous https and ssh */
} gitops_source_t;
#define GITOPS_SOURCE_INIT { GITOPS_SOURCE_VERSION, NULL, NULL, NULL, NULL, NULL, NULL }

/* Creates `dir` (must not exist; parent must), fetches src->url (through
 * `<cache_dir>/<sha256(url)>.git` when cache_dir is set; the mirror is
 * updated under an exclusive lock, read under a shared one), and checks out
 * src->base with GIT_CHECKOUT_FORCE. Errors: AL_EINVAL (arguments),
 * AL_EEXISTS (dir exists), AL_ENOTFOUND (base not found), AL_EGIT, AL_EIO.
 * On error *out is NULL and, except for AL_EEXISTS (then `dir` is not
 * ours), `dir` may remain: the caller removes it with gitops_dir_remove(). */
int gitops_workspace_new(gitops_workspace_t **out, const gitops_source_t *src, const char *dir);

/* ---- layered workspaces (layer.c, basecache.c) ------------------------- */

/* A layered workspace shares one read-only base tree per base with every
 * other task on it (checked out once into `<bases_dir>/<tree>-<uid>`, LRU
 * bounded) and gives each work tree a copy-on-write overlay over it: the
 * upper dir on a tmpfs of upper_mb in the task directory. Its git directory
 * borrows the mirror's objects (alternates) instead of copying them. The
 * workspace diff, the run diff and the result tree read only the paths the
 * upper layer holds; their answers are those of a plain workspace.
 * Needs root (mounts) and src->cache_dir. See docs/WORKSPACE.md. */
#define GITOPS_DEFAULT_MAX_BASES 8u
#define GITOPS_LAYER_OPTS_VERSION 1
typedef struct {
    int version;               /* GITOPS_LAYER_OPTS_VERSION */
    const char *bases_dir;     /* base tree cache */
    unsigned max_bases;        /* entries kept; 0 = GITOPS_DEFAULT_MAX_BASES */
    unsigned upper_mb;         /* size of each upper tmpfs; 0 = 512 */
    unsigned owner_uid, owner_gid; /* owner of the base tree's files and upper dirs */
} gitops_layer_opts_t;
#define GITOPS_LAYER_OPTS_INIT { GITOPS_LAYER_OPTS_VERSION, NULL, 0, 0, 0, 0 }

/* As gitops_workspace_new, with `<dir>/work` an overlay over the shared base
 * tree. The caller destroys the workspace (unmounting) before removing dir. */
int gitops_workspace_new_layered(gitops_workspace_t **out, const gitops_source_t *src, const char *dir,
                                 const gitops_layer_opts_t *lo);

/* 1 when ws is layered. */
int gitops_workspace_layered(const gitops_workspace_t *ws);

/* Unmounts every mount below the directory `under` (a worker's task
 * directories after a crash left layered workspaces mounted). Returns how
 * many, or a negative AL_E* code. */
int gitops_layer_sweep(const char *under);

/* Layered gitops_export_tree: dest_dir (created when missing) becomes an
 * overlay over the base tree holding exactly tree_id, only the paths that
 * differ from the base written. Unmounted by gitops_workspace_destroy. */
int gitops_export_layer(gitops_workspace_t *ws, const char *tree_id, const char *dest_dir);

/* Frees libgit2 objects, unmounts a layered workspace's overlays and
 * releases its base tree; does NOT remove the directory. NULL-safe, nulls *p. */
void gitops_workspace_destroy(gitops_workspace_t **p);

/* ---- remote repositories (remote.c, remote_config.c) -------------------- */

/* A remote url (https://, http://, ssh://) is fetched by libgit2 into the
 * mirror (or the task repository when there is no cache), narrowly: only the
 * refs the job names (src->ref, else src->base when it is a ref name, else
 * every branch and tag; libgit2 1.5 has no shallow fetch). Redirects are not
 * followed; libgit2 runs no program. Credentials come from the worker's
 * credentials file by URL prefix, are read from their files at each fetch,
 * and are never written anywhere (the remote is anonymous: not saved in any
 * git config). See docs/WORKSPACE.md "Remote repositories". */

#define GITOPS_REMOTE_OPTS_VERSION 1
typedef struct {
    int version;                  /* GITOPS_REMOTE_OPTS_VERSION */
    const char *credentials_file; /* NULL/"": anonymous only. Lines:
                                     PREFIX basic USER PASSWORD_FILE
                                     PREFIX sshkey USER PRIVATE_KEY_FILE [PUBLIC_KEY_FILE] */
    const char *allow;            /* comma-separated URL prefixes jobs may fetch
                                     from; NULL/"": any host */
    const char *known_hosts;      /* OpenSSH known_hosts; ssh:// needs it */
    int allow_http;               /* plain http:// (tests, closed networks) */
    uint64_t max_fetch_bytes;     /* a fetch receiving more is aborted; 0 = 2 GiB */
} gitops_remote_opts_t;
#define GITOPS_REMOTE_OPTS_INIT { GITOPS_REMOTE_OPTS_VERSION, NULL, NULL, NULL, 0, 0 }

/* Reads and checks the credentials file (every prefix a URL, every secret
 * file present and readable by its owner only) and known_hosts. Errors:
 * AL_ECONFIG naming the file and line, AL_EIO, AL_ENOMEM. */
int gitops_remote_new(gitops_remote_t **out, const gitops_remote_opts_t *opts);
void gitops_remote_destroy(gitops_remote_t **p);   /* NULL-safe, nulls *p */

/* 1 when url is a remote URL (https://, http://, ssh://), else 0. */
int gitops_url_is_remote(const char *url);

/* 1 when the URL prefix `prefix` covers the remote URL `url` under the rules
 * of git_remote_allow (canonical forms: scheme and host lower-cased, default
 * port dropped; a prefix ends at '/' or a path component), 0 when not;
 * AL_EINVAL when either does not parse (the message says why). */
int gitops_url_prefix_covers(const char *prefix, const char *url);

/* Fetches src->url (a remote URL) into the bare repository `bare_dir`
 * (created when missing), narrowed to src->ref / src->base like a task's
 * mirror, and checks that src->base arrived. No lock: for a caller that owns
 * the directory (airlockd's GitHub intake). Errors as gitops_workspace_new. */
int gitops_remote_fetch_bare(const char *bare_dir, const gitops_source_t *src);

/* Sets the CA bundle libgit2 verifies https servers with (process-wide, call
 * before threads fetch). NULL/"" keeps libgit2's default. */
int gitops_remote_set_ca_file(const char *path);

/* Lent strings, valid until destroy. */
const char *gitops_workspace_workdir(const gitops_workspace_t *ws); /* "<dir>/work" */
const char *gitops_workspace_base_commit(const gitops_workspace_t *ws); /* 40 hex */
const char *gitops_workspace_base_tree(const gitops_workspace_t *ws);   /* 40 hex */
/* The tree of tracked content: the base tree, or the tree after gitops_apply. */
const char *gitops_workspace_tracked_tree(gitops_workspace_t *ws);      /* 40 hex */

/* ---- policy ------------------------------------------------------------- */

#define GITOPS_POLICY_VERSION 1
typedef struct {
    int version;                       /* GITOPS_POLICY_VERSION */
    const char *const *write_paths;    /* globs; NULL or n == 0: everything */
    size_t n_write_paths;
    const char *const *protected_paths;/* globs, matched ignoring ASCII case; NULL:
                                          jobspec_default_protected, non-NULL with
                                          n == 0: none */
    size_t n_protected_paths;
    int allow_mode_change;             /* 1: executable-bit changes allowed */
} gitops_policy_t;
#define GITOPS_POLICY_INIT { GITOPS_POLICY_VERSION, NULL, 0, NULL, 0, 0 }


typedef enum {
    GITOPS_VIOL_BAD_PATH = 1,      /* absolute, "..", ".git" component, empty */
    GITOPS_VIOL_PROTECTED,         /* matches a protected glob */
    GITOPS_VIOL_OUTSIDE_WRITE,     /* matches no write_paths glob */
    GITOPS_VIOL_SYMLINK_ESCAPE,    /* symlink target absolute or leaving the tree */
    GITOPS_VIOL_SUBMODULE,         /* gitlink (160000) or .gitmodules */
    GITOPS_VIOL_MODE_CHANGE,       /* executable bit changed or added, or an unusual mode */
    GITOPS_VIOL_CASE_COLLISION,    /* path equal to another one but for letter case */
} gitops_violation_kind_t;

typedef struct {
    char *path;                    /* repository-relative */
    gitops_violation_kind_t kind;
    char *detail;                  /* e.g. the glob or the symlink target */
} gitops_violation_t;

typedef struct {
    gitops_violation_t *items;
    size_t count;
} gitops_violations_t;

const char *gitops_violation_kind_name(gitops_violation_kind_t kind);
void gitops_violations_destroy(gitops_violations_t **p);

/* ---- apply -------------------------------------------------------------- */

typedef enum {
    GITOPS_APPLY_OK = 0,
    GITOPS_APPLY_FAILED,    /* patch malformed or a hunk did not match */
    GITOPS_APPLY_REFUSED,   /* policy refused it; see violations */
} gitops_apply_outcome_t;

typedef struct {
    char *path;
    uint32_t old_mode, new_mode;
} gitops_mode_change_t;

typedef struct {
    gitops_apply_outcome_t outcome;
    char *message;                 /* APPLY_FAILED: names the file and hunk */
    char *failed_path;             /* APPLY_FAILED: file, when known */
    int failed_hunk;               /* APPLY_FAILED: 1-based hunk, 0 unknown */
    gitops_violations_t violations;/* APPLY_REFUSED: every offending path */
    gitops_mode_change_t *mode_changes; /* always reported */
    size_t n_mode_changes;
    size_t files_changed;          /* deltas in the patch */
    char tree_id[GITOPS_OID_HEXSZ + 1]; /* OK: tree after the patch */
} gitops_apply_report_t;

/* Applies a git-format unified diff to the base tree in memory, checks the
 * policy on its deltas and on the resulting index, and only then checks the
 * new tree out into the work tree. An empty patch (len 0) is a no-op success.
 * Returns 0 (outcome OK), AL_EINVAL with outcome APPLY_FAILED, AL_EPOLICY
 * with outcome APPLY_REFUSED, or another negative code for an internal error
 * (then *out may be NULL). *out, when set, is the caller's. Can be called
 * once per workspace (AL_ESTATE otherwise). */
int gitops_apply(gitops_workspace_t *ws, const char *patch, size_t len,
                 const gitops_policy_t *policy, gitops_apply_report_t **out);
void gitops_apply_report_destroy(gitops_apply_report_t **p);

/* ---- where moved hunks are written (hunk_moves.c) ------------------------ */

/* A hunk whose stated line does not match is applied where git apply finds
 * it (docs/WORKSPACE.md, apply step 2). The analyzers read the patch as
 * written and number its lines as stated; these are the hunks that move,
 * planned over the workspace's base exactly as gitops_apply places them. */
typedef struct gitops_hunk_moves gitops_hunk_moves_t;

/* Plans patch over ws's base. A patch that does not parse, or whose hunks
 * all apply where stated, gives an empty set. Returns 0, AL_ENOMEM, AL_EGIT. */
int gitops_hunk_moves_new(gitops_workspace_t *ws, const char *patch, size_t len, gitops_hunk_moves_t **out);
/* A new-side line of path as the patch states it -> the line it is written
 * at; lines outside a moved hunk are returned as they are. */
unsigned gitops_hunk_moves_line(const gitops_hunk_moves_t *m, const char *path, unsigned line);
size_t gitops_hunk_moves_count(const gitops_hunk_moves_t *m);
void gitops_hunk_moves_destroy(gitops_hunk_moves_t **p);

/* ---- workspace diff ----------------------------------------------------- */

typedef enum {
    GITOPS_CHANGE_ADDED = 1,       /* tracked: added by the patch */
    GITOPS_CHANGE_MODIFIED,
    GITOPS_CHANGE_DELETED,
    GITOPS_CHANGE_TYPECHANGE,      /* e.g. file <-> symlink */
    GITOPS_CHANGE_UNTRACKED,       /* new file, not in base nor patch */
    GITOPS_CHANGE_IGNORED,         /* new file matched by .gitignore */
} gitops_change_status_t;

typedef struct {
    char *path;
    gitops_change_status_t status;
    uint32_t old_mode, new_mode;   /* git modes: 100644 100755 120000 160000; 0 none */
    uint64_t old_size, new_size;
    char old_id[GITOPS_OID_HEXSZ + 1]; /* "" when none */
    char new_id[GITOPS_OID_HEXSZ + 1]; /* blob id of the work file; "" when none */
    char *symlink_target;          /* new side is a symlink: its target, else NULL */
} gitops_change_t;

typedef struct {
    gitops_change_t *items;
    size_t count;
} gitops_changes_t;

/* Bounds of gitops_diff_workspace(); 0 = default. */
#define GITOPS_DEFAULT_MAX_CHANGES 100000u
#define GITOPS_DEFAULT_MAX_FILE_BYTES (256u * 1024u * 1024u)
void gitops_workspace_set_limits(gitops_workspace_t *ws, size_t max_changes, uint64_t max_file_bytes);

/* Every change of the work tree against the base tree, untracked and ignored
 * files included, symlinks never followed, sorted by path. Errors: AL_ELIMIT
 * when more than max_changes entries or a file over max_file_bytes is found
 * (the message names it), AL_EGIT, AL_EIO. A `.git` entry created in the
 * work tree is reported as an UNTRACKED change at path ".git". */
int gitops_diff_workspace(gitops_workspace_t *ws, gitops_changes_t **out);
void gitops_changes_destroy(gitops_changes_t **p);
const char *gitops_change_status_name(gitops_change_status_t status);

/* Policy over workspace changes: protected, write_paths, bad paths, symlinks
 * leaving the tree (each link alone), gitlinks, executable-bit changes.
 * *out is always set (count 0 when clean). Returns 0 or AL_EINVAL/AL_ENOMEM. */
int gitops_policy_check_changes(const gitops_changes_t *changes, const gitops_policy_t *policy,
                                gitops_violations_t **out);

/* Symlink CHAINS in the work tree after the run stage (links.c): every link
 * the run created or changed, and every tracked link whose chain passes
 * through one, resolved by walking the tree as the kernel would (readlinkat,
 * never following a link outside); one leaving the tree, reaching an absolute
 * target or .git, looping, or landing on a protected path is a violation.
 * *out is always set. Returns 0 or AL_EINVAL/AL_ENOMEM/AL_EIO. */
int gitops_links_check_workspace(gitops_workspace_t *ws, const gitops_changes_t *changes,
                                 const gitops_policy_t *policy, gitops_violations_t **out);

/* The run stage's changes as a git patch (tracked tree after apply -> work
 * tree, untracked files included, ignored ones not, binary files as GIT
 * binary patches), for the analyzers; *text malloc'd, the caller's. A
 * file over max_file_bytes or a patch over GITOPS_MAX_DIFF_TEXT: AL_ELIMIT. */
int gitops_run_diff_text(gitops_workspace_t *ws, char **text, size_t *len);

/* The git directory of the workspace (lent): the repository holding the base
 * tree, for the analyzers' post-images (plugin_host). */
const char *gitops_workspace_gitdir(const gitops_workspace_t *ws);

/* ---- result tree -------------------------------------------------------- */

/* Writes the tree of tracked content (paths in base or added by the patch)
 * with their current content from the work tree; untracked/ignored files are
 * left out, tracked files deleted by the run are left out. tree_id gets 40
 * hex + NUL. Errors: AL_ELIMIT (file over max_file_bytes), AL_EGIT, AL_EIO. */
int gitops_result_tree(gitops_workspace_t *ws, char tree_id[GITOPS_OID_HEXSZ + 1]);

/* Materializes exactly `tree_id` into dest_dir, which must not exist (created
 * 0700). No filters, no submodules. Errors: AL_EEXISTS, AL_ENOTFOUND, AL_EGIT. */
int gitops_export_tree(gitops_workspace_t *ws, const char *tree_id, const char *dest_dir);

/* Unified diff base tree -> tree_id (binary files as "Binary files differ").
 * *text is malloc'd, NUL-terminated, the caller's (free()). Longer than
 * GITOPS_MAX_DIFF_TEXT: AL_ELIMIT (memory stays bounded). */
#define GITOPS_MAX_DIFF_TEXT (64u << 20)
int gitops_diff_text(gitops_workspace_t *ws, const char *tree_id, char **text, size_t *len);

/* ---- the sandbox's repository ------------------------------------------ */

/* Writes a fresh repository at `<dir>/.git` for a stage's sandbox: HEAD is
 * the base commit (detached, shallow, its real id), the index holds
 * index_tree (the change under test, staged), one pack holds the base commit,
 * its tree and index_tree, and the tags pointing at the base are refs. No
 * hooks, no remotes, no configuration beyond core. `<dir>/.git` must not
 * exist (AL_EGIT otherwise). The caller removes it from the host directory
 * after the sandbox copied it in, and after copying the sandbox back, so it
 * never reaches the result tree, the workspace diff or the policy. */
int gitops_sandbox_repo(gitops_workspace_t *ws, const char *dir, const char *index_tree_hex);

/* ---- directories -------------------------------------------------------- */

/* Removes `dir` and everything below it. Never follows a symlink (a link is
 * removed, not its target) and never leaves `dir`. A missing dir is success. */
int gitops_dir_remove(const char *dir);

#endif
