/*
 * fuzz_analyzer_lines.c: libFuzzer over the analyzer cores' line scanners,
 * which read every added line of an untrusted patch. The first byte picks the
 * file's path (which rules it gets: a script, a Makefile, Python, YAML, a
 * workflow, a Dockerfile...), the rest is its lines ('\n'-separated; a line
 * starting with 0x01 is a context line). Each line is passed in a buffer of
 * its exact size, so a read past its end is caught. The whole input is also
 * scanned as a job command, and parsed for the files it runs (an_command.h)
 * or whose output it hands to a shell (the shell analyzer's note_command).
 * Findings must name a rule, a file and a message;
 * their evidence is read in full (the plugin glue bounds it afterwards).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "an_command.h"
#include "an_input.h"
#include "ci.h"
#include "paths.h"
#include "python.h"
#include "secrets.h"
#include "shell.h"
#include "unicode.h"

static const char *const s_paths[] = {
    "scripts/x.sh", "Makefile", "tools/x.py", "deploy/secret.yaml", ".github/workflows/ci.yml",
    "Dockerfile", "package.json", "src/app.js", "config/.env", "README.md", "bin/tool",
};
static const an_analyzer_t *const s_analyzers[] = {
    &secrets_analyzer, &shell_analyzer, &python_analyzer, &paths_analyzer, &ci_analyzer, &unicode_analyzer,
};

static int on_finding(void *ud, const an_finding_t *f)
{
    volatile unsigned char sink = 0;
    (void)ud;
    if (!f->rule_id || !f->file || !f->message || (f->evidence_len && !f->evidence))
        abort();
    for (size_t i = 0; i < f->evidence_len; i++)
        sink ^= (unsigned char)f->evidence[i];
    (void)sink;
    return 0;
}

static void run_lines(const an_analyzer_t *a, const an_file_t *f, const char *s, size_t n)
{
    static _Alignas(max_align_t) unsigned char state[AN_STATE_MAX];
    const an_patch_visitor_t *v = a->visitor;
    unsigned lineno = 1;
    a->begin(state, on_finding, NULL);
    if (v->on_file)
        v->on_file(state, f);
    for (size_t i = 0; i <= n && v->on_line;) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (s + i)) : n - i;
        int context = len > 0 && s[i] == 0x01;
        char *line = malloc(len ? len : 1);   /* exact size: reads past it are caught */
        if (!line)
            return;
        memcpy(line, s + i, len);
        v->on_line(state, f, context ? AN_LINE_CONTEXT : AN_LINE_ADDED, lineno, line, len);
        lineno++;
        free(line);
        i += len + 1;
    }
    if (v->on_file_end)
        v->on_file_end(state, f);
    if (a->end)
        a->end(state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *path = s_paths[data[0] % (sizeof s_paths / sizeof s_paths[0])];
    an_file_t f = {.old_path = "", .new_path = path, .new_path_len = strlen(path),
                   .new_mode = 0100644, .flags = AN_FILE_NEW};
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    for (size_t k = 0; k < sizeof s_analyzers / sizeof s_analyzers[0]; k++)
        run_lines(s_analyzers[k], &f, s, n);
    char *cmd = malloc(n ? n : 1);
    if (cmd) {
        static const char *const runners[] = {"sh", "bash", "python3", "."};
        an_cmd_runs_t runs = {.n = 0};
        memcpy(cmd, s, n);
        static _Alignas(max_align_t) unsigned char state[AN_STATE_MAX];
        shell_analyzer.command(cmd, n, "job:run[0]", on_finding, NULL);
        shell_analyzer.begin(state, on_finding, NULL);
        shell_analyzer.note_command(state, cmd, n);   /* the files it runs, or pipes into a shell */
        an_cmd_targets(cmd, n, runners, 4, 1, an_cmd_runs_add, &runs);   /* which files it runs */
        for (unsigned i = 0; i < runs.n; i++)
            if (strlen(runs.path[i]) >= AN_CMD_RUN_PATH_MAX)
                __builtin_trap();
        free(cmd);
    }
    return 0;
}
