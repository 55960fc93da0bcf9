/*
 * shell_runner.h: who runs what a statement hands it - the `shell`
 * analyzer's queries over one lexed statement (no reporting, no state but
 * the remembered names of shell_staged.h).
 *
 * A download or a decode is dangerous when its bytes reach a runner (a shell
 * or an interpreter) as its program: piped into one that reads stdin,
 * substituted into `sh -c "$(…)"` / `eval "$(…)"`, fed by `<<<` or `< <(…)`.
 * These functions find that runner, however it is spelled.
 */
#ifndef AIRLOCK_SHELL_RUNNER_H
#define AIRLOCK_SHELL_RUNNER_H

#include "shell_lex.h"
#include "shell_staged.h"

/* The command word after token i: skips wrappers (sudo, env, exec, busybox,
 * nohup, timeout...), their flags and numbers, sudo's options that take a
 * value, and VAR=value words. The index, or st->n. */
unsigned sh_cmd_after(const sh_stmt_t *st, unsigned i);

/* A shell or an interpreter. */
int sh_is_runner(const sh_tok_t *t);

/* Whether the runner at j reads its program from stdin (`sh`, `sh -s`,
 * `bash -`, `sh /dev/stdin`, or an inline program that reads stdin and runs
 * it: `sh -c "$(cat)"`, `python3 -c 'exec(sys.stdin.read())'`). */
int sh_runs_stdin(const sh_stmt_t *st, unsigned j);

/* Whether the command at i runs what it is given: `eval …`, `. "$l"`,
 * `source /dev/stdin`, a runner reading stdin or a variable's text
 * (`sh -c "$l"`). Not `. ./lib.sh`: a file of the tree. */
int sh_runs_input(const sh_stmt_t *st, unsigned i);

/* The runner before the substitution opened at token t (`sh -c "$(`,
 * `eval "$(`, `bash <(`, `sh <<< "$(`, `. /dev/stdin < <(`), or st->n. */
unsigned sh_runner_before(const sh_stmt_t *st, unsigned t);

/* The $( / ` / <( that opens the substitution holding token i, or st->n. */
unsigned sh_enclosing_subst(const sh_stmt_t *st, unsigned i);

/* The runner that what comes down the pipe at p runs as its program: the
 * command after it (behind wrappers, a `(` or `{`, spelled across quotes or
 * escapes, as `$S` remembered in staged as naming a shell, or looked up with
 * which/command -v), reading stdin; awk's system(); `| source /dev/stdin`;
 * `xargs sh -c`. Its index, or st->n. staged may be NULL. */
unsigned sh_piped_runner(const sh_staged_t *staged, const sh_stmt_t *st, unsigned p);

#endif
