/*
 * analyzers.h: the table of built-in analyzer cores used by the tests and by
 * bench/analyzers, and one way to run a patch or a corpus case through any
 * of them: over the host's libgit2 patch model (there is no other parser).
 */
#ifndef AIRLOCK_TEST_ANALYZERS_H
#define AIRLOCK_TEST_ANALYZERS_H

#include "an_core.h"
#include "corpus.h"
#include "worker/plugin_host/plugin_host.h"

typedef struct {
    const char *name;
    const char *prefix;              /* "secrets." */
    const an_analyzer_t *analyzer;
} analyzer_entry_t;

extern const analyzer_entry_t analyzer_entries[];
extern const size_t analyzer_entries_count;

const analyzer_entry_t *analyzer_entry_find(const char *name);

/* Runs the case: its patch, or its job commands (`# path: <job.run>` /
 * `<job.test>`) through the analyzer's command scanner, if it has one. */
int analyzer_entry_run(const analyzer_entry_t *a, const corpus_case_t *c,
                       an_emit_fn emit, void *ud);

/* The patch model of `patch` as the built-in plugins receive it (capabilities
 * PATCH | PARSED, no base tree: binary hunks of added files decoded). */
int analyzer_view(plugin_view_t **out, const char *patch, size_t len);

/* analyzer_run_patch's result when libgit2 does not parse the patch. */
#define ANALYZER_UNPARSED 1

/* Builds the view and runs the core over it. Returns an_run_input's value,
 * ANALYZER_UNPARSED, or a negative AL_E* code when the view cannot be built. */
int analyzer_run_patch(const analyzer_entry_t *a, const char *patch, size_t len, an_emit_fn emit, void *ud);

/* The patch model of a case's patch with its `# run:` commands (corpus.h) as
 * the job's run items (`/bin/sh -c CMD`), as the plugins receive them. */
int analyzer_view_case(plugin_view_t **out, const corpus_case_t *c);

/* A case's patch with its `# run:` commands, through analyzer_view_case. */
int analyzer_run_patch_commands(const analyzer_entry_t *a, const corpus_case_t *c, an_emit_fn emit, void *ud);

#endif
