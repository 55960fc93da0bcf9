/*
 * analyzers.h: the table of built-in analyzer cores used by the tests and by
 * bench/analyzers, and one way to run a corpus case through any of them.
 */
#ifndef AIRLOCK_TEST_ANALYZERS_H
#define AIRLOCK_TEST_ANALYZERS_H

#include "an_core.h"
#include "corpus.h"

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

#endif
