/*
 * jobspec.h: the job specification (DESIGN.md §1), parsed from its JSON form
 * and validated strictly. schemas/job.schema.json is the same definition as a
 * JSON Schema (draft 2020-12); test_jobspec_schema proves the two agree.
 *
 * The JSON form:
 *   repo             string, required: absolute path or file:// URL of a git
 *                    repository, or an https://, http:// or ssh:// URL of a
 *                    remote one (no password or token in it: workers hold
 *                    credentials by URL prefix; http(s) URLs carry no user)
 *   base             string, required: commit id (hex) or ref name
 *   ref              string, optional: what a worker fetches from a remote
 *                    repo (a branch, tag, refs/... or pull/N/head); base
 *                    must be reachable from it. Absent: base when it is a
 *                    ref name, else every branch and tag
 *   patch            string, unified diff in git format, may be empty (default ""), <= 4 MiB
 *   patch_b64        string, optional: the patch's bytes in base64 (RFC 4648, padded),
 *                    for a diff that is not UTF-8 (a file in Latin-1: JSON cannot
 *                    carry it); instead of a non-empty patch. A patch_b64 that
 *                    decodes to UTF-8 is the same as that patch; no NUL byte
 *   run              [command], stage-1 commands, default []
 *   test             command, required: the stage-2 test command
 *   policy           object, every member optional:
 *     write_paths    [glob]  default ["**"]
 *     protected      [glob]  default jobspec_default_protected (a given list replaces it)
 *     egress         [host]  default []: "name", "*.suffix" or an IP literal
 *     egress_phase   "run"|"test"|"both"|"none", default "run"
 *     limits         {vcpus, memory_mb, timeout_s (per stage), max_output_bytes,
 *                     max_procs, disk_mb}: integers, each with a default and bounds
 *     analyzers      [name]  default ["secrets","shell","python","paths","ci","unicode"]
 *     block_at       "info"|"low"|"medium"|"high"|"critical", default "high"
 *     min_isolation  "none"|"ns"|"gvisor"|"vm"|"kvm", default "none": the weakest
 *                    sandbox the job may run in (vm = a microVM under KVM or
 *                    TCG, kvm = a microVM under KVM only); airlockd assigns it
 *                    only to a worker offering that much, and the worker picks
 *                    a driver that gives it. A driver pinned below it is refused.
 *   driver           "microvm"|"ns"|"gvisor"|"any", default "any"
 *   labels           {string: string}, default {}
 *   worker_labels    {string: string}, default {}: the job runs only on a
 *                    worker whose labels include every one of these pairs
 *                    (airlockd's claim matches them against the worker's)
 *   idempotency_key  string, optional
 *   environment      string, optional: the name of a registered environment
 *                    or its digest "sha256:<hex>" (docs/ENVIRONMENTS.md);
 *                    absent = the worker's built-in default environment.
 *                    airlockd resolves a name to the digest at submit.
 *
 * A command is either a string, run as `/bin/sh -c <string>`, or a non-empty
 * array of strings, run as argv directly (argv[0] looked up in PATH).
 *
 * Unknown fields, wrong types, out-of-range values and malformed strings are
 * rejected; the error (al_err_msg) names the field path and the rule, e.g.
 * "policy.limits.timeout_s: must be an integer between 1 and 86400",
 * "policy.egress[2]: not a valid hostname", "unknown field 'polcy'".
 *
 * Glob semantics (write_paths, protected), gitignore-like, see jobspec_glob_match.
 */
#ifndef AIRLOCK_JOBSPEC_H
#define AIRLOCK_JOBSPEC_H

#include <stddef.h>
#include <stdint.h>

#define JOBSPEC_MAX_JSON (16u << 20)      /* whole document, bytes */
#define JOBSPEC_MAX_PATCH (4u << 20)      /* patch, bytes */
#define JOBSPEC_MAX_PATCH_B64 ((JOBSPEC_MAX_PATCH + 2) / 3 * 4)   /* patch_b64, characters */
#define JOBSPEC_MAX_CMD_LEN 65536         /* a shell command or one argv entry, bytes */
#define JOBSPEC_MAX_ARGV 256              /* entries of an argv command */

typedef enum { JOBSPEC_CMD_SHELL = 0, JOBSPEC_CMD_ARGV = 1 } jobspec_cmd_kind_t;

/* One command. argv is NULL-terminated and always usable: for a shell
 * command it is {"/bin/sh", "-c", <text>, NULL}. */
typedef struct {
    jobspec_cmd_kind_t kind;
    char **argv;
    size_t argc;
} jobspec_cmd_t;

typedef struct {
    char **items;
    size_t n;
} jobspec_strv_t;

typedef struct {
    jobspec_cmd_t *items;
    size_t n;
} jobspec_cmdv_t;

typedef struct {
    char *key;
    char *value;
} jobspec_label_t;

typedef struct {
    jobspec_label_t *items;           /* sorted by key */
    size_t n;
} jobspec_labels_t;

typedef enum {
    JOBSPEC_PHASE_RUN = 0, JOBSPEC_PHASE_TEST, JOBSPEC_PHASE_BOTH, JOBSPEC_PHASE_NONE
} jobspec_phase_t;

typedef enum {
    JOBSPEC_SEV_INFO = 0, JOBSPEC_SEV_LOW, JOBSPEC_SEV_MEDIUM, JOBSPEC_SEV_HIGH,
    JOBSPEC_SEV_CRITICAL
} jobspec_severity_t;

typedef enum { JOBSPEC_DRIVER_ANY = 0, JOBSPEC_DRIVER_MICROVM, JOBSPEC_DRIVER_NS, JOBSPEC_DRIVER_GVISOR } jobspec_driver_t;

/* Isolation levels, weakest first: comparable as integers. */
typedef enum {
    JOBSPEC_ISO_NONE = 0, JOBSPEC_ISO_NS, JOBSPEC_ISO_GVISOR, JOBSPEC_ISO_VM, JOBSPEC_ISO_KVM
} jobspec_isolation_t;

typedef struct {
    int64_t vcpus;             /* 1..16, default 1 */
    int64_t memory_mb;         /* 64..65536, default 1024 */
    int64_t timeout_s;         /* per stage, 1..86400, default 600 */
    int64_t max_output_bytes;  /* per stage, 1024..1 GiB, default 16 MiB */
    int64_t max_procs;         /* 1..65536, default 256 */
    int64_t disk_mb;           /* 16..1 TiB, default 2048 */
} jobspec_limits_t;

typedef struct {
    jobspec_strv_t write_paths;
    jobspec_strv_t protected_paths;   /* JSON "protected" */
    jobspec_strv_t egress;            /* lower-cased names, canonical IP literals */
    int egress_phase;                 /* jobspec_phase_t */
    jobspec_limits_t limits;
    jobspec_strv_t analyzers;
    int block_at;                     /* jobspec_severity_t */
    int min_isolation;                /* jobspec_isolation_t */
} jobspec_policy_t;

/* A parsed, fully defaulted job. Owned by the caller; every pointer inside is
 * owned by the jobspec and freed by jobspec_destroy. */
typedef struct jobspec {
    char *repo;
    char *base;
    char *ref;                        /* NULL when absent */
    char *patch;                      /* NUL-terminated, never NULL; bytes, UTF-8 or not */
    size_t patch_len;
    char *patch_b64;                  /* the patch in base64 when it is not UTF-8 (so it is emitted), else NULL */
    jobspec_cmdv_t run;
    jobspec_cmd_t test;
    jobspec_policy_t policy;
    int driver;                       /* jobspec_driver_t */
    jobspec_labels_t labels;
    jobspec_labels_t worker_labels;   /* sorted by key */
    char *idempotency_key;            /* NULL when absent */
    char *environment;                /* NULL when absent: name or "sha256:<hex>" */
} jobspec_t;

/* The default of policy.protected, NULL-terminated (a given list replaces it). */
extern const char *const jobspec_default_protected[];

/* Parses and validates `len` bytes of JSON. On success *out owns a new
 * jobspec. Errors: AL_EINVAL (malformed JSON, rule broken; message names the
 * field and rule), AL_ELIMIT (document larger than JOBSPEC_MAX_JSON),
 * AL_ENOMEM. *out is NULL on failure. */
int jobspec_parse(const char *json, size_t len, jobspec_t **out);

/* NULL-safe; nulls *p. */
void jobspec_destroy(jobspec_t **p);

/* Canonical JSON (sorted keys, compact, every default filled in). Returns a
 * malloc'd string the caller frees with free(), or NULL on allocation
 * failure (reason in al_err_msg). */
char *jobspec_to_json(const jobspec_t *job);

/* Names of the enums as they appear in JSON ("run", "high", "microvm", ...). */
const char *jobspec_phase_name(int phase);
const char *jobspec_severity_name(int severity);
const char *jobspec_driver_name(int driver);
const char *jobspec_isolation_name(int isolation);
/* Parses an isolation level name ("none" ... "kvm"); 0 or AL_EINVAL. */
int jobspec_isolation_parse(const char *name, int *out);
/* Parses a severity name; returns 0 or AL_EINVAL. */
int jobspec_severity_parse(const char *name, int *out);

// Gitignore-like glob match of a repository-relative path ("src/a.c", no
// leading slash):
//   `*` matches any run of characters except '/', `?` one character except '/';
//   `**` as a whole path component matches any number of components:
//   `dir/**` matches everything under dir (not dir itself), `**` alone every
//   path, `a/**/b` zero or more directories between a and b;
/*
 *   a pattern without a '/' (other than a trailing one) matches at any depth
 *   (`*.pem`, `CODEOWNERS`); a leading '/' anchors it at the root;
 *   a pattern also matches everything below a directory it matches
 *   (`src` matches `src/a.c`); a trailing '/' matches directories only.
 * `[`, `\` and `!` have no special meaning and are refused by the validator.
 * Returns 1 on match, 0 otherwise (also for NULL arguments). */
int jobspec_glob_match(const char *pattern, const char *path);

/* 1 when `path` may be written under the job's policy: it matches some
 * write_paths glob and no protected glob. */
int jobspec_path_writable(const jobspec_t *job, const char *path);

/* ---- introspection of the field table (for the schema agreement test) ---- */

typedef enum {
    JOBSPEC_T_OBJECT, JOBSPEC_T_STRING, JOBSPEC_T_INTEGER, JOBSPEC_T_ENUM,
    JOBSPEC_T_STRING_ARRAY, JOBSPEC_T_COMMAND, JOBSPEC_T_COMMAND_ARRAY, JOBSPEC_T_STRING_MAP
} jobspec_type_t;

typedef struct {
    const char *path;            /* "policy.limits.timeout_s" */
    jobspec_type_t type;
    int required;
    int64_t min, max;            /* integer: value; string: length; array: items; map: entries */
    int64_t item_max;            /* array items / map values: max length; 0 = n/a */
    const char *const *enum_values; /* NULL-terminated for JOBSPEC_T_ENUM */
} jobspec_field_info_t;

size_t jobspec_field_count(void);
/* Lends the i-th field's description; NULL when i is out of range. */
const jobspec_field_info_t *jobspec_field_at(size_t i);

#endif
