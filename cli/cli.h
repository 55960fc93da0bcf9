/*
 * cli.h: the airlock command-line client, shared by its command files (internal).
 *
 * Exit codes (also in `airlock --help` and README): 0 accepted / success,
 * 10 rejected, 11 apply_failed, 12 policy_violation, 13 tests_failed,
 * 14 timeout, 15 resource_exceeded, 16 sandbox_error, 17 cancelled,
 * 1 error (bad input, refused request), 2 usage, 3 airlockd unreachable,
 * 4 not found, 5 still running (status of an unfinished job), 130 interrupted (SIGINT).
 */
#ifndef AIRLOCK_CLI_H
#define AIRLOCK_CLI_H

#include <stdio.h>

#include "cli/client.h"
#include "common/config.h"

enum {
    CLI_OK = 0, CLI_ERROR = 1, CLI_USAGE = 2, CLI_UNREACHABLE = 3, CLI_NOT_FOUND = 4,
    CLI_RUNNING = 5, CLI_INTERRUPTED = 130,
};

typedef struct {
    al_config_t *cfg;
    int json;
    int argc;          /* the command's own arguments */
    char **argv;
    char **pos;        /* after cli_parse: the positional arguments */
    int npos;
} cli_t;

typedef struct {
    const char *name;
    int (*run)(cli_t *cli);
    const char *usage;
    const char *help;
} cli_command_t;

/* args.c: getopt_long parsing. A command's option handler gets each of its
 * options (getopt's id and value) and returns 0 or an AL_E* code with the
 * reason (a usage error). */
struct option;
typedef int (*cli_opt_fn)(void *ctx, int id, const char *arg);
/* Global options before the command; *command_at = index of the command, or
 * -'V' / -'h' for --version / --help. CLI_OK or CLI_USAGE (printed). */
int cli_globals_parse(cli_t *cli, int argc, char **argv, int *command_at);
/* The command's options (`own`, ids below 900, NULL-terminated; may be
 * NULL) and the global ones; then between min_pos and max_pos positional
 * arguments (cli->pos, cli->npos). CLI_OK or CLI_USAGE (printed with usage). */
int cli_parse(cli_t *cli, const char *cmd, const char *usage, const struct option *own, cli_opt_fn on_opt,
              void *ctx, int min_pos, int max_pos);
/* Prints "airlock CMD: <message>" and the usage line; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A decimal integer in [min, max]; AL_EINVAL naming `what` otherwise. */
int cli_parse_int(const char *text, long min, long max, const char *what, long *out);

/* Opens the connection from the settings; prints the error and returns NULL on failure. */
client_t *cli_connect(cli_t *cli);
/* Exit code of a failed client_call (unreachable, not found, error). */
int cli_call_failed(const char *what, const char *code);
/* Exit code of a verdict. */
int cli_verdict_code(const char *verdict);

int cmd_submit(cli_t *cli);
int cmd_wait(cli_t *cli);
int cmd_status(cli_t *cli);
int cmd_cancel(cli_t *cli);
int cmd_list(cli_t *cli);
int cmd_workers(cli_t *cli);
int cmd_keygen(cli_t *cli);
int cmd_audit(cli_t *cli);
int cmd_env(cli_t *cli);
int cmd_token(cli_t *cli);
int cmd_sarif(cli_t *cli);
int cmd_checks(cli_t *cli);
/* cmd_sample.c: `airlock audit sample N [--since WHEN] [--seed S]`. */
int cli_audit_sample(cli_t *cli, const char *n, const char *since, const char *seed);
/* Opens the database named by --db / AIRLOCK_CLIENT_DB for `what`; prints why
 * and returns NULL when it cannot (exit code in *code). */
struct store_db;
struct store_db *cli_db_open(cli_t *cli, const char *what, int *code);

/* Waits for a job and prints progress; returns the verdict's exit code. */
int cli_wait_job(cli_t *cli, client_t *c, const char *job_id);

/* print.c */
/* Workload-chosen text made safe for a terminal: control characters as \xNN,
 * backslash doubled; at most ~4 KiB (then "..."). Lent: one of 8 static
 * buffers, valid until 16 more calls. */
const char *cli_esc(const char *text);
void print_job(const cli_t *cli, const void *job_info);            /* proto_job_info_t */
void print_worker(const cli_t *cli, const void *worker_info, int header);  /* proto_worker_info_t */
void print_event(const cli_t *cli, const void *c_event);           /* proto_c_event_t */
void print_result(const cli_t *cli, const void *c_result);         /* proto_c_result_t */

#endif
