/*
 * airlock_plugin.h: the analyzer plugin ABI. This is the ONLY header a plugin
 * includes; it depends on nothing but the C standard library.
 *
 * A plugin is a shared object exporting exactly one symbol:
 *
 *     const airlock_plugin_t *airlock_plugin_descriptor(void);
 *
 * returning a pointer to a const, statically allocated descriptor. The host
 * (worker/plugin_host) checks the descriptor before using it and refuses:
 * a missing symbol, abi_version != AIRLOCK_PLUGIN_ABI_VERSION, struct_size
 * smaller than the size of this version's descriptor, capability bits the host
 * does not know, NULL name/version/init/analyze/fini, non-NULL reserved slots.
 *
 * Compatible extensions keep abi_version 1 and are told apart by a
 * capability bit (what the plugin asks for) and by struct_size (what the
 * host passes): the job-commands extension added AIRLOCK_CAP_COMMANDS and
 * the trailing n_commands/commands fields of airlock_input_t. A plugin that
 * reads a field added by an extension checks AIRLOCK_INPUT_HAS_COMMANDS(in)
 * first (an older host passes a shorter input); a plugin without the
 * capability sees n_commands = 0 and commands = NULL. An older host refuses
 * a plugin that asks for a capability it does not know (the loader message
 * names the unknown bits), so no plugin silently misses input it relies on.
 *
 * Life cycle (all calls happen in a child process of the worker, one process
 * per plugin per patch, with a wall-clock timeout, RLIMIT_AS and RLIMIT_CPU):
 *
 *     init(host, &state)      once; return 0, or non-zero to fail the plugin
 *     analyze(state, input)   once per patch; return 0, or non-zero on failure
 *     fini(state)             once, also after a failed analyze
 *
 * analyze (and fini) run under a seccomp filter installed right after init:
 * opening files, sockets, fork, exec, executable mappings and writes other
 * than to stderr fail with EPERM. Do every setup that needs the system
 * (loading data, compiling regexes, setlocale) in init; analyze may only
 * compute, allocate (malloc or host->alloc) and call the host table.
 *
 * Plugins never resolve host symbols (build with -Wl,--no-undefined): every
 * service comes from the airlock_host_t table. Memory that the plugin keeps in
 * `state` should come from host->alloc / host->free so that memory never
 * crosses allocators; everything the host passes in (input, strings) is lent
 * for the duration of the call only, and everything a plugin passes to the host
 * (findings, log messages) is copied by the host before the call returns.
 *
 * A crash, hang, runaway allocation or flood of findings of a plugin gives a
 * `plugin_error` finding (severity high) naming the plugin and the cause; the
 * worker lives on. A finding a plugin emits is bounded (see the AIRLOCK_MAX_*
 * limits); evidence is REDACTED by the host before it is stored (a short prefix
 * is kept, the rest masked), so plugins pass the raw matched text.
 *
 * The host offers no allowlist, suppression or "inline allow marker" mechanism:
 * nothing in the patch can switch a plugin or a finding off.
 */
#ifndef AIRLOCK_PLUGIN_H
#define AIRLOCK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change of the structures below. */
#define AIRLOCK_PLUGIN_ABI_VERSION 1u

/* Name of the one exported symbol. */
#define AIRLOCK_PLUGIN_SYMBOL "airlock_plugin_descriptor"

#if defined(__GNUC__)
#define AIRLOCK_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define AIRLOCK_PLUGIN_EXPORT
#endif

/* ---- capabilities: what the plugin wants to see ------------------------- */

/* The patch text and the parsed per-file view (paths, modes, added lines). */
#define AIRLOCK_CAP_PATCH (UINT64_C(1) << 0)
/* The full new content of changed files, when the host has a workspace. */
#define AIRLOCK_CAP_FILES (UINT64_C(1) << 1)
/* The job's own commands (the `run` list and the `test` command) as the
 * sandboxes will execute them (airlock_command_t); without this bit a plugin
 * gets n_commands = 0 and commands = NULL. */
#define AIRLOCK_CAP_COMMANDS (UINT64_C(1) << 2)
/* Every bit this ABI version defines; any other bit is refused by the loader. */
#define AIRLOCK_CAP_ALL (AIRLOCK_CAP_PATCH | AIRLOCK_CAP_FILES | AIRLOCK_CAP_COMMANDS)

/* ---- severities and log levels ------------------------------------------ */

typedef enum {
    AIRLOCK_SEV_INFO = 0,
    AIRLOCK_SEV_LOW = 1,
    AIRLOCK_SEV_MEDIUM = 2,
    AIRLOCK_SEV_HIGH = 3,
    AIRLOCK_SEV_CRITICAL = 4,
} airlock_severity_t;

typedef enum {
    AIRLOCK_LOG_DEBUG = 0,
    AIRLOCK_LOG_INFO = 1,
    AIRLOCK_LOG_WARN = 2,
    AIRLOCK_LOG_ERROR = 3,
} airlock_log_level_t;

/* ---- limits the host enforces on what a plugin emits -------------------- */

#define AIRLOCK_MAX_RULE_ID 64        /* bytes; [a-z0-9._-]+ */
#define AIRLOCK_MAX_MESSAGE 512       /* bytes; longer messages are truncated */
#define AIRLOCK_MAX_EVIDENCE 256      /* bytes; longer evidence is truncated */
#define AIRLOCK_MAX_PATH 4096         /* bytes */
#define AIRLOCK_MAX_FINDINGS 1000     /* per plugin per patch; more -> plugin_error */

/* Return codes of host functions. */
#define AIRLOCK_OK 0
#define AIRLOCK_E_INVAL (-1)          /* finding malformed (missing rule_id/message, bad severity) */
#define AIRLOCK_E_LIMIT (-2)          /* too many findings: stop analyzing and return */
#define AIRLOCK_E_NOMEM (-3)

/* ---- findings -------------------------------------------------------------- */

typedef struct {
    uint32_t struct_size;     /* sizeof(airlock_finding_t) */
    const char *rule_id;      /* required, stable, e.g. "secrets.aws_access_key" */
    int32_t severity;         /* airlock_severity_t */
    const char *file;         /* path in the new tree (old path for deletions); NULL = whole patch */
    uint32_t line;            /* new-side line number, 1-based; 0 = not about one line */
    const char *message;      /* required, human readable, no secrets in it */
    const char *evidence;     /* the matched text (raw, the host redacts it); may be NULL */
} airlock_finding_t;

/* ---- input: the patch, parsed once by the host ---------------------------- */

/* One added line of a file: its new-side line number and its text without the
 * leading '+' and without the trailing newline. text is NOT NUL-terminated. */
typedef struct {
    uint32_t lineno;
    uint32_t len;
    const char *text;
} airlock_line_t;

/* airlock_file_t.flags */
#define AIRLOCK_FILE_ADDED (1u << 0)
#define AIRLOCK_FILE_DELETED (1u << 1)
#define AIRLOCK_FILE_RENAMED (1u << 2)
#define AIRLOCK_FILE_COPIED (1u << 3)
#define AIRLOCK_FILE_SYMLINK (1u << 4)     /* new (or, if deleted, old) mode is 0120000 */
#define AIRLOCK_FILE_SUBMODULE (1u << 5)   /* new (or old) mode is 0160000 */
#define AIRLOCK_FILE_BINARY (1u << 6)      /* binary patch: no added lines */
#define AIRLOCK_FILE_MODE_CHANGED (1u << 7)/* old_mode != new_mode, both non-zero */
#define AIRLOCK_FILE_EXECUTABLE (1u << 8)  /* new mode is 0100755 */

/* Git modes as in the patch (octal): 0100644 regular, 0100755 executable,
 * 0120000 symlink, 0160000 submodule (gitlink), 0 = absent. */
#define AIRLOCK_MODE_FILE 0100644u
#define AIRLOCK_MODE_EXEC 0100755u
#define AIRLOCK_MODE_LINK 0120000u
#define AIRLOCK_MODE_GITLINK 0160000u

typedef struct {
    uint32_t struct_size;          /* sizeof(airlock_file_t) */
    const char *path;              /* new path, or old path for a deletion; never NULL */
    const char *old_path;          /* NULL when added */
    const char *new_path;          /* NULL when deleted */
    uint32_t old_mode;
    uint32_t new_mode;
    uint32_t flags;                /* AIRLOCK_FILE_* */
    uint32_t n_added;
    const airlock_line_t *added;   /* n_added lines, in order; for a symlink the target */
    /* Full new content (AIRLOCK_CAP_FILES plugins only, when the host has a
     * workspace with the patched tree and the file is a regular file under the
     * host's size bound); NULL otherwise. NOT NUL-terminated. */
    const char *content;
    size_t content_len;
} airlock_file_t;

/* One command of the job (AIRLOCK_CAP_COMMANDS plugins only).
 *
 * text is the command as the shell sees it: for a shell command
 * (argv {"/bin/sh", "-c", script, ...}, also bash/dash/zsh/ksh/ash by any
 * path) the script itself, which may hold several lines; for an argv command
 * the argv joined by single spaces with every word that is not plain
 * ([A-Za-z0-9_@%+=:,./-]) single-quoted, so `bash -lc` or `env sh -c` strings
 * appear quoted, as a shell analyzer expects them in a script.
 *
 * Plugins name findings about a command with file "job:run[<index>]" for
 * the run list and "job:<stage>" for a single-command stage ("job:test"),
 * line 0 when the text is one line, otherwise the 1-based line within text.
 * The host bounds what it passes (see worker/plugin_host: count and bytes). */
typedef struct {
    uint32_t struct_size;          /* sizeof(airlock_command_t) */
    const char *stage;             /* "run" or "test" ([a-z]{1,16}) */
    uint32_t index;                /* position within its stage, 0-based */
    const char *text;              /* NUL-terminated; text_len bytes without the NUL */
    size_t text_len;
    uint32_t argc;                 /* >= 1 */
    const char *const *argv;       /* argc entries, then NULL; argv[0] as the job gave it */
} airlock_command_t;

/* Size of the input of the original ABI 1 (patch and files only). */
#define AIRLOCK_INPUT_V1_SIZE (offsetof(airlock_input_t, n_commands))
/* Whether the host passed the commands fields (they may still be empty). */
#define AIRLOCK_INPUT_HAS_COMMANDS(in)                                                   \
    ((in)->struct_size >= offsetof(airlock_input_t, commands) + sizeof(void *))

typedef struct {
    uint32_t struct_size;          /* sizeof(airlock_input_t) of the host */
    const char *patch;             /* the whole patch text, NOT NUL-terminated; may be empty */
    size_t patch_len;
    uint32_t n_files;
    const airlock_file_t *files;   /* n_files entries, in patch order */
    /* ---- job-commands extension: read only if AIRLOCK_INPUT_HAS_COMMANDS ---- */
    uint32_t n_commands;           /* 0 without AIRLOCK_CAP_COMMANDS */
    const airlock_command_t *commands; /* run[0..], then test; NULL when n_commands = 0 */
} airlock_input_t;

/* ---- the host table handed to init() --------------------------------------- */

typedef struct {
    uint32_t struct_size;          /* sizeof(airlock_host_t) of the host */
    uint32_t abi_version;          /* AIRLOCK_PLUGIN_ABI_VERSION of the host */
    /* Reports a finding; copied before return. Returns AIRLOCK_OK,
     * AIRLOCK_E_INVAL or AIRLOCK_E_LIMIT (stop and return from analyze). */
    int (*emit_finding)(void *ctx, const airlock_finding_t *finding);
    /* Logs one line (copied, bounded) under the plugin's name. */
    void (*log)(void *ctx, int level, const char *msg);
    /* Memory the plugin keeps across calls. alloc returns NULL on failure
     * (the host's memory limit counts it). free(ctx, NULL) is a no-op. */
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr);
    void *ctx;                     /* pass back as the first argument */
} airlock_host_t;

/* ---- the plugin descriptor -------------------------------------------------- */

typedef struct airlock_plugin {
    uint32_t struct_size;          /* sizeof(airlock_plugin_t) */
    uint32_t abi_version;          /* AIRLOCK_PLUGIN_ABI_VERSION */
    const char *name;              /* [a-z0-9_-]{1,32}, the name jobs use in policy.analyzers */
    const char *version;           /* free form, e.g. "1.0.0" */
    uint64_t capabilities;         /* AIRLOCK_CAP_* */
    int (*init)(const airlock_host_t *host, void **state);
    int (*analyze)(void *state, const airlock_input_t *input);
    void (*fini)(void *state);
    void *reserved[8];             /* must be NULL */
} airlock_plugin_t;

/* Size of the descriptor of ABI version 1; a plugin whose struct_size is
 * smaller is refused. */
#define AIRLOCK_PLUGIN_V1_SIZE (sizeof(airlock_plugin_t))

/* The one exported function (declared here so the compiler checks the
 * plugin's definition). */
AIRLOCK_PLUGIN_EXPORT const airlock_plugin_t *airlock_plugin_descriptor(void);

/* Convenience initializer for a plugin's descriptor:
 *   static const airlock_plugin_t desc = AIRLOCK_PLUGIN_INIT("secrets", "1.0.0",
 *       AIRLOCK_CAP_PATCH, my_init, my_analyze, my_fini);
 *   const airlock_plugin_t *airlock_plugin_descriptor(void) { return &desc; } */
#define AIRLOCK_PLUGIN_INIT(name_, version_, caps_, init_, analyze_, fini_)             \
    {                                                                                  \
        sizeof(airlock_plugin_t), AIRLOCK_PLUGIN_ABI_VERSION, (name_), (version_),     \
        (caps_), (init_), (analyze_), (fini_), { 0 }                                   \
    }

#ifdef __cplusplus
}
#endif

#endif
