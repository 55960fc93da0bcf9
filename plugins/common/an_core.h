/*
 * an_core.h: the analyzer core interface shared by Airlock's built-in analyzers.
 *
 * Every built-in analyzer (secrets, shell, python, paths, ci, unicode) is a pure
 * function over the patch model the host parsed with libgit2 (an_input.h):
 * it looks at the lines the patch adds (and, where a rule needs it, at
 * context lines, paths and modes), at binary post-images, and at the job's
 * commands, and reports findings through a caller-supplied callback. The core never
 * allocates on behalf of the caller, owns no global state and links nothing
 * from the host, so the same code runs in the dlopen plugin (see
 * <name>_plugin.c in each folder), in unit tests and in bench/analyzers.
 *
 * Ownership: every pointer inside an an_finding_t is lent for the duration of
 * the emit call only; the callback copies what it keeps. Evidence is never
 * more than the matched text.
 *
 * Errors: the driver returns 0 or the first non-zero value returned by the
 * emit callback (which aborts the scan). There is no second parser: what a
 * core sees is what libgit2 will apply.
 */
#ifndef AIRLOCK_AN_CORE_H
#define AIRLOCK_AN_CORE_H

#include <stddef.h>

/* Evidence is cut to this many bytes (AIRLOCK_MAX_EVIDENCE of the ABI). */
#define AN_EVIDENCE_MAX 256

/* Same numeric values as AL_EINVAL / AL_ENOMEM in common/error.h, which plugins
 * cannot link. */
#define AN_EINVAL (-1)
#define AN_ENOMEM (-2)

typedef enum {
    AN_SEV_INFO = 0,
    AN_SEV_LOW = 1,
    AN_SEV_MEDIUM = 2,
    AN_SEV_HIGH = 3,
    AN_SEV_CRITICAL = 4,
} an_severity_t;

typedef struct {
    const char *rule_id;      /* stable, e.g. "secrets.aws_access_key" */
    an_severity_t severity;
    const char *file;         /* new path of the file; "job:run[0]", "job:test" for commands */
    unsigned line;            /* new-side line number, 0 = whole file (or one-line command) */
    const char *message;      /* what and why, static text */
    const char *evidence;     /* the matched text only; may be NULL */
    size_t evidence_len;      /* <= AN_EVIDENCE_MAX */
} an_finding_t;

/* Returns 0 to continue; any other value stops the scan and is returned. */
typedef int (*an_emit_fn)(void *ud, const an_finding_t *finding);

/* An analyzer is a patch visitor (an_input.h) plus a small per-scan state
 * that the driver keeps on its stack: begin() initialises the state and binds
 * the emit callback, the visitor's callbacks receive the state as `ud`, and
 * end() (optional) reports what can only be decided after the whole patch. */
struct an_patch_visitor;
#define AN_STATE_MAX 32768

typedef struct {
    const char *name;          /* "secrets", ... */
    const char *version;       /* rule-set version */
    size_t state_size;         /* <= AN_STATE_MAX */
    void (*begin)(void *state, an_emit_fn emit, void *ud);
    const struct an_patch_visitor *visitor;
    int (*end)(void *state);   /* may be NULL */
    /* Scans one job command (the text the shell sees, may hold several
     * lines); findings name `label` as their file. NULL: the analyzer does
     * not look at commands. Returns 0 or the emit callback's first non-zero. */
    int (*command)(const char *text, size_t len, const char *label, an_emit_fn emit, void *ud);
    /* Sees every job command (its text) after begin() and before the patch
     * is walked, so the analyzer knows which files the commands run
     * (an_command.h): a script named like data (`sh ci/check.txt`) is read
     * as what it is. NULL: not used. */
    void (*note_command)(void *state, const char *text, size_t len);
} an_analyzer_t;

/* The finding file of a job command: "job:run[<index>]" for the run list,
 * "job:<stage>" for other stages at index 0 ("job:test"), else
 * "job:<stage>[<index>]". Writes at most size bytes (NUL included); returns dst. */
char *an_command_label(char *dst, size_t size, const char *stage, unsigned index);

/* "info", "low", "medium", "high", "critical"; "?" for out-of-range values. */
const char *an_severity_name(an_severity_t sev);

/* Parses a severity name (case-insensitive). Returns 0 or AN_EINVAL. */
int an_severity_parse(const char *text, size_t len, an_severity_t *out);

#endif
