/*
 * analyzers.c: the analyzer table for tests and benchmarks, and the way they
 * run a patch through a core: the host's own patch model (plugin_view_new,
 * libgit2, exactly what the plugins receive), then an_run_input.
 */
#include "analyzers.h"

#include <string.h>

#include "an_input.h"

#include "secrets.h"
#include "ci.h"
#include "paths.h"
#include "python.h"
#include "shell.h"
#include "unicode.h"

const analyzer_entry_t analyzer_entries[] = {
    {"secrets", "secrets.", &secrets_analyzer},
    {"shell", "shell.", &shell_analyzer},
    {"python", "python.", &python_analyzer},
    {"paths", "paths.", &paths_analyzer},
    {"ci", "ci.", &ci_analyzer},
    {"unicode", "unicode.", &unicode_analyzer},
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
    char label[64];
    int rc = 0;
    if (!c->commands && c->n_runs)
        return analyzer_run_patch_commands(a, c, emit, ud);
    if (!c->commands) {
        /* a patch libgit2 refuses is never applied (apply_failed): no finding is right */
        rc = analyzer_run_patch(a, c->patch, c->patch_len, emit, ud);
        return rc == ANALYZER_UNPARSED ? 0 : rc;
    }
    if (!a->analyzer->command)
        return 0;
    if (c->commands == CORPUS_CMDS_TEST)
        return a->analyzer->command(c->body, c->body_len, an_command_label(label, sizeof label, "test", 0),
                                    emit, ud);
    for (size_t i = 0, k = 0; rc == 0 && i < c->body_len; k++) {
        const char *nl = memchr(c->body + i, '\n', c->body_len - i);
        size_t n = nl ? (size_t)(nl - c->body) - i : c->body_len - i;
        rc = a->analyzer->command(c->body + i, n, an_command_label(label, sizeof label, "run", (unsigned)k),
                                  emit, ud);
        i += n + 1;
    }
    return rc;
}

int analyzer_view(plugin_view_t **out, const char *patch, size_t len)
{
    plugin_source_t src = PLUGIN_SOURCE_INIT;
    src.patch = patch;
    src.patch_len = len;
    return plugin_view_new(out, &src, AIRLOCK_CAP_PATCH | AIRLOCK_CAP_PARSED, NULL);
}

int analyzer_view_case(plugin_view_t **out, const corpus_case_t *c)
{
    plugin_source_t src = PLUGIN_SOURCE_INIT;
    plugin_command_t cmds[CORPUS_MAX_RUNS];
    const char *argv[CORPUS_MAX_RUNS][3];
    for (unsigned i = 0; i < c->n_runs; i++) {
        argv[i][0] = "/bin/sh";
        argv[i][1] = "-c";
        argv[i][2] = c->runs[i];
        cmds[i] = (plugin_command_t){"run", i, argv[i], 3};
    }
    src.patch = c->patch;
    src.patch_len = c->patch_len;
    src.cmds = cmds;
    src.n_cmds = c->n_runs;
    return plugin_view_new(out, &src, AIRLOCK_CAP_PATCH | AIRLOCK_CAP_PARSED | AIRLOCK_CAP_COMMANDS, NULL);
}

int analyzer_run_patch_commands(const analyzer_entry_t *a, const corpus_case_t *c, an_emit_fn emit, void *ud)
{
    plugin_view_t *v = NULL;
    int rc = analyzer_view_case(&v, c);
    if (rc == 0)
        rc = an_run_input(a->analyzer, plugin_view_input(v), emit, ud);
    plugin_view_destroy(&v);
    return rc;
}

int analyzer_run_patch(const analyzer_entry_t *a, const char *patch, size_t len, an_emit_fn emit, void *ud)
{
    plugin_view_t *v = NULL;
    int rc = analyzer_view(&v, patch, len);
    if (rc == 0 && !plugin_view_parsed(v))
        rc = ANALYZER_UNPARSED;   /* libgit2 refused it: nothing was scanned */
    if (rc == 0)
        rc = an_run_input(a->analyzer, plugin_view_input(v), emit, ud);
    plugin_view_destroy(&v);
    return rc;
}
