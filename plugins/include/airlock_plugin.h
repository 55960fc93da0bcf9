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
 * Each refusal names the field and both values ("abi_version is 1, host
 * supports 2").
 *
 * ABI history. Version 2 (this one) is incompatible with version 1: the
 * per-file record airlock_file_t grew (its array stride changed), so a
 * version-1 plugin reading input->files[i] would read garbage; the loader
 * refuses it by abi_version. What changed:
 *   - the patch model: the host hands over the patch exactly as libgit2
 *     parsed it (the parser whose result is applied): every hunk line with its
 *     origin and both line numbers (airlock_file_t.lines), and binary files
 *     with their post-image decoded to bytes (airlock_file_t.content with
 *     AIRLOCK_FILE_CONTENT_DECODED), behind the new AIRLOCK_CAP_PARSED bit.
 *     Plugins must not re-parse input->patch: it is the raw text, kept for
 *     reference (hashing, quoting), and a lenient second parser reads things
 *     libgit2 does not apply and misses what it does (binary hunks).
 *   - the job's commands (n_commands, commands) are part of every input; a
 *     plugin without AIRLOCK_CAP_COMMANDS sees n_commands = 0.
 *   - airlock_input_t.origin says what the input describes: the patch before
 *     it is applied, or the changes the job's run stage made to the tree.
 * Compatible extensions of version 2 add a capability bit (what the plugin
 * asks for; an older host refuses unknown bits, naming them) and trailing
 * fields whose presence the plugin checks with struct_size.
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
 * nothing in the patch can switch a plugin off or remove a finding. (An
 * analyzer may define its own narrow convention, documented with its rules;
 * see plugins/secrets/secrets.h.)
 */
#ifndef AIRLOCK_PLUGIN_H
#define AIRLOCK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change of the structures below. */
#define AIRLOCK_PLUGIN_ABI_VERSION 2u

/* Name of the one exported symbol. */
#define AIRLOCK_PLUGIN_SYMBOL "airlock_plugin_descriptor"

#if defined(__GNUC__)
#define AIRLOCK_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define AIRLOCK_PLUGIN_EXPORT
#endif

/* ---- capabilities: what the plugin wants to see ------------------------- */

/* The per-file view (paths, modes, flags, added lines) and the raw patch text. */
#define AIRLOCK_CAP_PATCH (UINT64_C(1) << 0)
/* The full post-image of every changed regular file the host can read (the
 * applied result, or the work tree after the run stage); NULL otherwise. */
#define AIRLOCK_CAP_FILES (UINT64_C(1) << 1)
/* The job's own commands (the `run` list and the `test` command) as the
 * sandboxes will execute them (airlock_command_t); without this bit a plugin
 * gets n_commands = 0 and commands = NULL. */
#define AIRLOCK_CAP_COMMANDS (UINT64_C(1) << 2)
/* ABI 2: the patch as libgit2 parsed it: every hunk line (context, removed,
 * added) in airlock_file_t.lines, and the decoded post-image of binary files
 * in airlock_file_t.content (flag AIRLOCK_FILE_CONTENT_DECODED). Without this
 * bit lines is NULL and binary files carry no content (unless CAP_FILES). */
#define AIRLOCK_CAP_PARSED (UINT64_C(1) << 3)
/* Every bit this ABI version defines; any other bit is refused by the loader. */
#define AIRLOCK_CAP_ALL                                                               \
    (AIRLOCK_CAP_PATCH | AIRLOCK_CAP_FILES | AIRLOCK_CAP_COMMANDS | AIRLOCK_CAP_PARSED)

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

/* ---- input: the patch, parsed once by the host (libgit2) ------------------- */

/* One added line of a file: its new-side line number and its text without the
 * leading '+' and without the trailing newline. text is NOT NUL-terminated. */
typedef struct {
    uint32_t lineno;
    uint32_t len;
    const char *text;
} airlock_line_t;

/* airlock_hunk_line_t.origin */
#define AIRLOCK_LINE_CONTEXT ' '
#define AIRLOCK_LINE_ADDED '+'
#define AIRLOCK_LINE_REMOVED '-'
/* airlock_hunk_line_t.flags */
#define AIRLOCK_LINE_NO_EOL (1u << 0)      /* "\ No newline at end of file" follows */

/* One line of a hunk as libgit2 parsed it (AIRLOCK_CAP_PARSED). Line numbers
 * are 1-based, 0 when the side has none (old_lineno of an added line). text
 * is without the origin byte and the line end; NOT NUL-terminated. */
typedef struct {
    uint32_t old_lineno;
    uint32_t new_lineno;
    uint32_t len;
    uint8_t origin;                /* AIRLOCK_LINE_* */
    uint8_t flags;                 /* AIRLOCK_LINE_NO_EOL */
    uint16_t hunk;                 /* 0-based hunk index within the file (saturates) */
    const char *text;
} airlock_hunk_line_t;

/* airlock_file_t.flags */
#define AIRLOCK_FILE_ADDED (1u << 0)
#define AIRLOCK_FILE_DELETED (1u << 1)
#define AIRLOCK_FILE_RENAMED (1u << 2)
#define AIRLOCK_FILE_COPIED (1u << 3)
#define AIRLOCK_FILE_SYMLINK (1u << 4)     /* new (or, if deleted, old) mode is 0120000 */
#define AIRLOCK_FILE_SUBMODULE (1u << 5)   /* new (or old) mode is 0160000 */
#define AIRLOCK_FILE_BINARY (1u << 6)      /* binary patch: no hunk lines */
#define AIRLOCK_FILE_MODE_CHANGED (1u << 7)/* old_mode != new_mode, both non-zero */
#define AIRLOCK_FILE_EXECUTABLE (1u << 8)  /* new mode is 0100755 */
/* ABI 2 */
#define AIRLOCK_FILE_CONTENT_DECODED (1u << 9)  /* content is the post-image of a binary patch */
#define AIRLOCK_FILE_UNDECODED (1u << 10)  /* binary, post-image not available (delta without base) */
#define AIRLOCK_FILE_CONTENT_TRUNCATED (1u << 11) /* post-image over the host's bound: not passed */

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
    /* The post-image (what will be written), NOT NUL-terminated, NULL when
     * not passed: AIRLOCK_CAP_FILES plugins get it for every file the host
     * could read under its size bound; AIRLOCK_CAP_PARSED plugins get it for
     * binary files (AIRLOCK_FILE_CONTENT_DECODED). */
    const char *content;
    size_t content_len;
    /* ---- ABI 2 ---- */
    uint32_t n_lines;              /* AIRLOCK_CAP_PARSED: every hunk line, in patch order */
    const airlock_hunk_line_t *lines;
    uint32_t similarity;           /* renames and copies: 0..100, else 0 */
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

/* airlock_input_t.origin */
#define AIRLOCK_ORIGIN_PATCH 0u    /* the job's patch, before it is applied */
#define AIRLOCK_ORIGIN_RUN 1u      /* what the run stage changed in the work tree */

typedef struct {
    uint32_t struct_size;          /* sizeof(airlock_input_t) of the host */
    const char *patch;             /* the raw patch text, NOT NUL-terminated; may be
                                      empty. For reference only: the files are the
                                      authoritative view (see the ABI history) */
    size_t patch_len;
    uint32_t n_files;
    const airlock_file_t *files;   /* n_files entries, in patch order */
    uint32_t n_commands;           /* 0 without AIRLOCK_CAP_COMMANDS */
    const airlock_command_t *commands; /* run[0..], then test; NULL when n_commands = 0 */
    uint32_t origin;               /* AIRLOCK_ORIGIN_* */
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

/* Size of the descriptor of ABI version 2; a plugin whose struct_size is
 * smaller is refused. */
#define AIRLOCK_PLUGIN_V2_SIZE (sizeof(airlock_plugin_t))

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
