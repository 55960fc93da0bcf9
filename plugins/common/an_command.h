/*
 * an_command.h: which files a job command runs as a program.
 *
 * Analyzers pick the files they read by name (a `.sh`, a Makefile, a `.py`),
 * but a job's own command can run a file whose name says nothing: `sh
 * ci/check.txt`, `python3 tools/data.json`, `./notes`. an_cmd_targets walks
 * a command's text (statements split at `;`, `&&`, `||`, `|`, `&`, newlines
 * and parentheses; quotes removed) and names, per statement, the file handed
 * to one of the given runners (after wrappers such as sudo, env, exec,
 * timeout, nice and VAR=value words, and the runner's flags and output
 * redirections; `< F` names F too; none after `-c`
 * or `-m`), and with dot_slash also a `./F` run as the command. Names are
 * passed without a leading `./`, under the directory of an earlier plain
 * `cd DIR` of the same command. No allocation.
 */
#ifndef AIRLOCK_AN_COMMAND_H
#define AIRLOCK_AN_COMMAND_H

#include <stddef.h>

typedef void (*an_cmd_target_fn)(void *ud, const char *path, size_t len);

void an_cmd_targets(const char *text, size_t len, const char *const *runners, size_t n_runners, int dot_slash,
                    an_cmd_target_fn fn, void *ud);

/* The files a job's commands run, kept in an analyzer's state: fill it with
 * an_cmd_targets(…, an_cmd_runs_add, &runs) (paths beyond its room are
 * dropped), ask it with an_cmd_runs_has. Zeroed means empty. */
#define AN_CMD_RUNS_MAX 8
#define AN_CMD_RUN_PATH_MAX 256
typedef struct {
    char path[AN_CMD_RUNS_MAX][AN_CMD_RUN_PATH_MAX];
    unsigned n;
} an_cmd_runs_t;

void an_cmd_runs_add(void *runs, const char *path, size_t len);
int an_cmd_runs_has(const an_cmd_runs_t *runs, const char *path);

#endif
