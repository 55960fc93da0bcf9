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
} cli_t;

typedef struct {
    const char *name;
    int (*run)(cli_t *cli);
    const char *usage;
    const char *help;
} cli_command_t;

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

/* Waits for a job and prints progress; returns the verdict's exit code. */
int cli_wait_job(cli_t *cli, client_t *c, const char *job_id);

/* print.c */
void print_job(const cli_t *cli, const void *job_info);            /* proto_job_info_t */
void print_worker(const cli_t *cli, const void *worker_info, int header);  /* proto_worker_info_t */
void print_event(const cli_t *cli, const void *c_event);           /* proto_c_event_t */
void print_result(const cli_t *cli, const void *c_result);         /* proto_c_result_t */

#endif
