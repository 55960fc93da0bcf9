/*
 * analyzers.c: the analyzer table for tests and benchmarks.
 */
#include "analyzers.h"

#include <string.h>

#include "secrets.h"

const analyzer_entry_t analyzer_entries[] = {
    {"secrets", "secrets.", &secrets_analyzer},
};
const size_t analyzer_entries_count = sizeof analyzer_entries / sizeof analyzer_entries[0];

const analyzer_entry_t *analyzer_entry_find(const char *name)
{
    for (size_t i = 0; i < analyzer_entries_count; i++)
        if (strcmp(analyzer_entries[i].name, name) == 0)
            return &analyzer_entries[i];
    return NULL;
}

int analyzer_entry_run(const analyzer_entry_t *a, const corpus_case_t *c,
                       an_emit_fn emit, void *ud)
{
    return an_run_patch(a->analyzer, c->patch, c->patch_len, emit, ud);
}
