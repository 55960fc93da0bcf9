/*
 * plugin_host.h: loads analyzer plugins (plugins/include/airlock_plugin.h)
 * and runs them over a patch, each in its own analyzer host process
 * (airlock-analyzer: a fresh exec, never a fork of the caller).
 *
 * Loader: plugin_host_load() dlopens a shared object (RTLD_NOW|RTLD_LOCAL),
 * looks up the one symbol airlock_plugin_descriptor and checks the
 * descriptor; a mismatch fails with AL_EPLUGIN and a message naming the file,
 * the field and both values ("x.so: abi_version is 7, host supports 1").
 *
 * Set: plugin_set_add() PROBES a plugin in an analyzer host (exec, load,
 * report name/version/capabilities), so a plugin whose constructor crashes
 * never takes the worker down; the worker process itself never dlopens a
 * plugin.
 *
 * Patch model (view.c, patch_input.c, postimage.c): the patch is parsed
 * ONCE, by libgit2 (git_diff_from_buffer, the parser whose result gitops
 * applies), into the airlock_input_t view every plugin receives: per file the
 * paths, modes, flags, every hunk line with its origin and line numbers, the
 * added lines, and the post-image: with a base (a repository and the tree the
 * patch applies to) the bytes git_apply_to_tree produces, i.e. exactly what
 * will be written; without one, binary hunks of added files are decoded
 * (bindecode.c); with a work tree (the run stage's changes) the files as they
 * are on disk, never following a link. A post-image the host cannot pass
 * (over its size bounds, or undecodable) gives a `host.unscanned_content`
 * finding (severity high) naming the file: a blind spot is never silent.
 * plugin_view_new() builds the same view in-process, for tests and bench.
 *
 * Runner: plugin_host_run_source() builds the view, lays it out once in a
 * sealed memfd, then for every plugin starts an analyzer host (posix_spawn,
 * empty environment, fds 0, 3 and 4 only, no new privileges) that maps
 * the view, opens the plugin and, when root, drops to nobody (65534, no
 * groups, no capabilities) before loading it, applies rlimits (RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE 0,
 * RLIMIT_CORE 0), loads the plugin, trims the view to the plugin's
 * capabilities, calls init, installs a
 * seccomp filter (no files, sockets, fork, exec), calls analyze and fini
 * and streams findings back over a pipe as msgpack (bounded). The parent
 * enforces a wall-clock timeout, a byte bound and a finding bound, decodes
 * strictly, and REDACTS evidence. A plugin that crashes, hangs, exhausts
 * memory, floods findings, returns an error or exits early yields a
 * `plugin_error` finding (severity high) naming the plugin and the cause;
 * the caller lives on. The child is a fault-isolation boundary with a
 * seccomp filter as defence in depth against an exploited analyzer; the
 * plugins themselves are operator-installed code, not job input.
 *
 * Commands: plugin_host_run_job() also hands the job's own commands (the
 * run list and the test command) to plugins that declare
 * AIRLOCK_CAP_COMMANDS, as airlock_command_t (stage, index, argv and the
 * text the shell sees; see airlock_plugin.h). The host copies and bounds
 * them (PLUGIN_MAX_COMMANDS, PLUGIN_MAX_ARGV, PLUGIN_MAX_COMMAND_BYTES) and
 * refuses malformed ones before any child starts; plugins without the
 * capability see none. plugin_host_run_jobspec() does the same straight
 * from a parsed jobspec_t.
 *
 * The host offers no allowlist or suppression mechanism to the patch.
 *
 * Ownership: plugin_t, plugin_set_t and analysis_result_t are owned by the
 * caller and freed by their NULL-safe, pointer-nulling *_destroy. Strings
 * inside a result are owned by the result. Errors: negative AL_E* codes with
 * the reason in al_err_msg().
 */
#ifndef AIRLOCK_PLUGIN_HOST_H
#define AIRLOCK_PLUGIN_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "airlock_plugin.h"

/* ---- loader ------------------------------------------------------------- */

typedef struct plugin plugin_t;

/* Loads and checks one plugin in THIS process. Errors: AL_EPLUGIN (dlopen
 * failed, symbol missing, descriptor refused), AL_ENOMEM. */
int plugin_host_load(const char *path, plugin_t **out);
/* The same, loading from load_path (e.g. /proc/self/fd/N of an open file)
 * while messages and plugin_path() name `path`. */
int plugin_host_load_as(const char *load_path, const char *path, plugin_t **out);
void plugin_destroy(plugin_t **p);
/* Lent for the plugin's lifetime. */
const airlock_plugin_t *plugin_descriptor(const plugin_t *p);
const char *plugin_path(const plugin_t *p);

/* Checks a descriptor as the loader does; `what` names it in messages. */
int plugin_descriptor_check(const char *what, const airlock_plugin_t *d);

/* ---- set and limits ------------------------------------------------------ */

typedef struct {
    unsigned timeout_ms;       /* wall clock per plugin run */
    unsigned cpu_s;            /* RLIMIT_CPU of the child */
    uint64_t memory_bytes;     /* address space the child may add (RLIMIT_AS) */
    unsigned max_findings;     /* per plugin; more -> plugin_error */
    size_t max_wire_bytes;     /* bytes a child may send */
    size_t max_file_bytes;     /* largest post-image handed to a plugin */
    unsigned parallel;         /* plugin children running at once, 1..PLUGIN_MAX_PARALLEL */
    size_t max_total_bytes;    /* all post-images of one input together */
} plugin_limits_t;
#define PLUGIN_MAX_PARALLEL 16
#define PLUGIN_LIMITS_INIT                                                                \
    { 10000, 10, 512ull << 20, AIRLOCK_MAX_FINDINGS, 4u << 20, 64u << 20, 1, 256u << 20 }

typedef struct plugin_set plugin_set_t;

plugin_set_t *plugin_set_new(const plugin_limits_t *limits_or_NULL);
void plugin_set_destroy(plugin_set_t **p);

/* Probes the plugin at `path` in a child process and adds it. Errors:
 * AL_EPLUGIN (refused by the loader, crashed while loading: message says
 * why), AL_EEXISTS (a plugin of that name is already in the set), AL_ENOMEM. */
int plugin_set_add(plugin_set_t *set, const char *path);

/* The analyzer host (airlock-analyzer) the set's plugins run in; default:
 * the build tree's (<build>/worker/plugin_host/airlock-analyzer). Set it
 * before adding plugins. Errors: AL_EINVAL (no set, no path), AL_ENOMEM. */
int plugin_set_helper(plugin_set_t *set, const char *path);

/* Adds <dir>/<name>.so for every name (e.g. a job's policy.analyzers).
 * Names must match [a-z0-9_-]{1,32}. Stops at the first error. */
int plugin_set_add_names(plugin_set_t *set, const char *dir, const char *const *names, size_t n);

size_t plugin_set_count(const plugin_set_t *set);
/* Name of the i-th plugin (lent), NULL when out of range. */
const char *plugin_set_name(const plugin_set_t *set, size_t i);

/* ---- results --------------------------------------------------------------- */

typedef enum {
    PLUGIN_STATUS_OK = 0,
    PLUGIN_STATUS_FAILED,      /* init or analyze returned non-zero */
    PLUGIN_STATUS_CRASHED,     /* killed by a signal (segfault, abort, CPU limit, ...) */
    PLUGIN_STATUS_TIMEOUT,     /* wall-clock timeout, killed */
    PLUGIN_STATUS_LIMIT,       /* too many findings or bytes */
    PLUGIN_STATUS_PROTOCOL,    /* exited early or sent a malformed stream */
} plugin_status_t;

const char *plugin_status_name(plugin_status_t s);

typedef struct {
    char *plugin;              /* name of the plugin (from the set, not the stream) */
    char *rule_id;             /* "plugin_error" for host-generated failures */
    int severity;              /* airlock_severity_t */
    char *file;                /* NULL when about the whole patch */
    uint32_t line;             /* 0 = none */
    char *message;
    char *evidence;            /* REDACTED; NULL when none */
} analysis_finding_t;

typedef struct {
    char *plugin;
    plugin_status_t status;
    int signal;                /* PLUGIN_STATUS_CRASHED */
    int exit_code;             /* exit status when it exited */
    size_t n_findings;         /* findings accepted from it */
    uint64_t wall_us;
} analysis_plugin_status_t;

/* Rule id and analyzer name of the host's own findings about content it
 * could not hand to the plugins (over a bound, undecodable). */
#define PLUGIN_HOST_ANALYZER "host"
#define PLUGIN_RULE_UNSCANNED "host.unscanned_content"

typedef struct analysis_result {
    analysis_finding_t *findings;
    size_t n_findings;
    analysis_plugin_status_t *plugins;  /* one per plugin of the set, in order */
    size_t n_plugins;
    int patch_parsed;          /* 0 when libgit2 could not parse the patch */
    uint32_t n_files;          /* files in the parsed patch */
    uint32_t n_commands;       /* job commands handed to AIRLOCK_CAP_COMMANDS plugins */
} analysis_result_t;

/* Runs every plugin of the set over the patch (see plugin_host_run_source);
 * workspace_dir (may be NULL) holds the post-images. */
int plugin_host_run(const plugin_set_t *set, const char *patch, size_t len,
                    const char *workspace_dir, analysis_result_t **out);

/* ---- the job's commands ---------------------------------------------------- */

/* One command of the job, lent by the caller for the duration of the call. */
typedef struct {
    const char *stage;         /* "run" or "test": [a-z]{1,16} */
    size_t index;              /* position within its stage, < PLUGIN_MAX_COMMANDS */
    const char *const *argv;   /* argc non-NULL strings (argv[argc] is not read) */
    size_t argc;               /* 1..PLUGIN_MAX_ARGV */
} plugin_command_t;
#define PLUGIN_MAX_COMMANDS 1024
#define PLUGIN_MAX_ARGV 4096
/* Over all commands: argv strings plus the text built from them, NULs included. */
#define PLUGIN_MAX_COMMAND_BYTES (8u << 20)

/* plugin_host_run plus the job's commands (n may be 0, cmds then may be
 * NULL). The commands are checked before anything runs: AL_EINVAL names the
 * command and the field ("command 2 (run[1]): argv[3] is NULL"), AL_ELIMIT
 * when a bound above is exceeded; otherwise as plugin_host_run. */
int plugin_host_run_job(const plugin_set_t *set, const char *patch, size_t len,
                        const char *workspace_dir, const plugin_command_t *cmds, size_t n,
                        analysis_result_t **out);

/* ---- what to analyze ------------------------------------------------------- */

#define PLUGIN_SOURCE_VERSION 1
typedef struct {
    int version;                   /* PLUGIN_SOURCE_VERSION */
    const char *patch;             /* git-format diff, may be NULL when patch_len is 0 */
    size_t patch_len;
    uint32_t origin;               /* AIRLOCK_ORIGIN_PATCH, or _RUN for the run stage's changes */
    const char *repo_dir;          /* a git directory holding base_tree, or NULL */
    const char *base_tree;         /* 40 hex: the tree the patch applies to */
    const char *workspace_dir;     /* a tree on disk holding the post-images, or NULL */
    const plugin_command_t *cmds;  /* the job's commands (n_cmds may be 0) */
    size_t n_cmds;
} plugin_source_t;
#define PLUGIN_SOURCE_INIT { PLUGIN_SOURCE_VERSION, NULL, 0, AIRLOCK_ORIGIN_PATCH, NULL, NULL, NULL, NULL, 0 }

/* Runs every plugin of the set over src. Commands are checked first (as in
 * plugin_host_run_job); a patch libgit2 cannot parse gives an empty view
 * (result->patch_parsed = 0, not an error: applying it fails later). Returns
 * 0 with *out owning the result whatever the plugins did; errors (AL_ENOMEM,
 * AL_EIO when fork/pipe fail, AL_EINVAL, AL_ELIMIT) only for the host's own
 * failures and bad arguments. */
int plugin_host_run_source(const plugin_set_t *set, const plugin_source_t *src, analysis_result_t **out);

/* plugin_host_run_source over a parsed job (common/jobspec/jobspec.h): its
 * patch, every job->run item as stage "run" (index i) and job->test as
 * stage "test" (index 0; skipped when it has no argv); repo_dir, base_tree,
 * workspace_dir and origin from `where` (NULL: none). Same errors. */
struct jobspec;
int plugin_host_run_jobspec(const plugin_set_t *set, const struct jobspec *job,
                            const plugin_source_t *where, analysis_result_t **out);

/* ---- the view alone (tests, bench) ------------------------------------------ */

/* The airlock_input_t the plugins of capabilities `caps` would receive for
 * src, built in this process. Errors as plugin_host_run_source. */
typedef struct plugin_view plugin_view_t;
int plugin_view_new(plugin_view_t **out, const plugin_source_t *src, uint64_t caps,
                    const plugin_limits_t *limits_or_NULL);
/* Lent until destroy. */
const airlock_input_t *plugin_view_input(const plugin_view_t *v);
/* 1 when libgit2 parsed the patch. */
int plugin_view_parsed(const plugin_view_t *v);
void plugin_view_destroy(plugin_view_t **v);

void analysis_result_destroy(analysis_result_t **p);

/* Highest severity among the findings, -1 when there are none. */
int analysis_result_max_severity(const analysis_result_t *r);

/* Writes the redacted form of `evidence` (len bytes) into dst: a short
 * printable prefix (at most 4 bytes, at most a quarter of the text) followed
 * by "********". Returns dst. dst_size >= 16. */
char *plugin_evidence_redact(char *dst, size_t dst_size, const char *evidence, size_t len);

#endif
