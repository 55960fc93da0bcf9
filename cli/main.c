/*
 * main.c: `airlock COMMAND [options]`: the client of airlockd.
 * Global options (before the command or among its options): --endpoint E,
 * --server-key K, --cert F, --db C, --timeout-ms N, --json; --version, --help. Environment: AIRLOCK_CLIENT_ENDPOINT,
 * AIRLOCK_CLIENT_SERVER_KEY, AIRLOCK_CLIENT_CERT, AIRLOCK_CLIENT_DB,
 * AIRLOCK_CLIENT_TIMEOUT_MS.
 */
#include "cli/cli.h"
#include "common/args.h"
#include "common/error.h"
#include "common/log.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

static const al_config_def_t s_settings[] = {
    { "client_endpoint", AL_CFG_STR, "tcp://127.0.0.1:7701", 0, 0, 0, "airlockd's client endpoint, or a comma-separated list (several airlockd, one active: a request with no answer in client_timeout_ms is sent again to the next)" },
    { "client_server_key", AL_CFG_STR, NULL, 0, 0, 0, "airlockd's public key (Z85) or its .key file" },
    { "client_cert", AL_CFG_STR, NULL, 0, 0, 0, "this client's certificate (.key_secret file)" },
    { "client_db", AL_CFG_STR, NULL, 0, 0, AL_CFG_SECRET,
      "PostgreSQL conninfo (audit verify, audit sample, sarif, checks); a read-only role is enough" },
    { "client_timeout_ms", AL_CFG_INT, "10000", 100, 86400000, 0, "wait this long for each reply" },
};
#define NSETTINGS (sizeof s_settings / sizeof s_settings[0])

static const cli_command_t s_commands[] = {
    { "submit", cmd_submit, "submit [JOB.json|-] [--repo R] [--base B] [--ref REF] [--test CMD] [--run CMD]... "
      "[--patch FILE] [--label K=V]... [--egress HOST]... [--driver D] [--idempotency-key K] [--wait]",
      "submit a job (a file, flags, or a file with flags applied on top); prints its id "
      "(with --wait, then its progress and verdict)" },
    { "wait", cmd_wait, "wait JOB_ID", "stream a job's progress, then its verdict (exit code = verdict)" },
    { "status", cmd_status, "status JOB_ID", "show one job (exit code = verdict, 5 while running)" },
    { "cancel", cmd_cancel, "cancel JOB_ID", "cancel a job" },
    { "list", cmd_list, "list [--state queued|running|finished|cancelled] [--limit N]", "list jobs, newest first" },
    { "workers", cmd_workers, "workers", "list workers" },
    { "keygen", cmd_keygen,
      "keygen --role worker|client|server --name NAME [--dir DIR] [--tenant TENANT] [--access reader|admin] "
      "[--drivers D,D] [--max-slots N] [--labels K=V,K=V]",
      "make a CurveZMQ certificate pair (a client's tenant and access, a worker's allowed drivers, slots and "
      "labels go into its metadata)" },
    { "token", cmd_token, "token --name NAME --identity CLIENT_CERT_NAME --scopes SCOPE[,SCOPE...]",
      "make an HTTP API bearer token: prints the token once and its line for api_tokens" },
    { "env", cmd_env, "env build SPEC.json [--name N] [--cache DIR] [--keep] | env import DIR|TARBALL --name N "
      "[--env K=V]... [--user U] [--source TEXT] | env list",
      "build (mmdebstrap) or import a job environment and register it with airlockd; list them" },
    { "sarif", cmd_sarif, "sarif JOB_ID [--db CONNINFO]",
      "print the job as SARIF 2.1.0 (findings, policy violations, verdict) from PostgreSQL" },
    { "checks", cmd_checks, "checks JOB_ID [--head-sha SHA] [--db CONNINFO]",
      "print GitHub check-run request bodies for the job (at most 50 annotations each)" },
    { "audit", cmd_audit, "audit verify [--public-key PEM [--expect-head FILE] [--grace S]] | audit head [--out FILE] "
      "| audit sample N [--since WHEN] [--seed S]",
      "verify: recompute the audit hash chain and check the signed checkpoints: gaps, rollbacks, rows cut, "
      "no checkpoint when one was due, an exported head still present (names what is wrong); head: the last "
      "signed checkpoint as JSON, to keep outside the database; sample: N finished jobs at random "
      "(reproducible with --seed), each with its full history" },
};
#define NCOMMANDS (sizeof s_commands / sizeof s_commands[0])

static void s_help(FILE *out)
{
    fprintf(out, "usage: airlock [--json] [--endpoint E] [--server-key K] [--cert F] [--db C] [--timeout-ms N]\n"
                 "               COMMAND [options]      (airlock --version, airlock COMMAND --help)\n\n"
                 "commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-8s %s\n           airlock %s\n", s_commands[i].name, s_commands[i].help,
                s_commands[i].usage);
    fprintf(out, "\nexit codes: 0 accepted/success, 10 rejected, 11 apply_failed, 12 policy_violation,\n"
                 "  13 tests_failed, 14 timeout, 15 resource_exceeded, 16 sandbox_error, 17 cancelled,\n"
                 "  1 error, 2 usage, 3 airlockd unreachable, 4 not found, 5 still running, 130 interrupted\n\n"
                 "settings (env AIRLOCK_<KEY>):\n");
    al_config_print_help(s_settings, NSETTINGS, out);
}

static const cli_command_t *s_find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, s_commands[i].name) == 0)
            return &s_commands[i];
    return NULL;
}

static int s_command_help(const cli_t *cli, const cli_command_t *cmd)
{
    for (int i = 0; i < cli->argc; i++)
        if (strcmp(cli->argv[i], "--help") == 0 || strcmp(cli->argv[i], "-h") == 0) {
            printf("usage: airlock %s\n\n%s\n", cmd->usage, cmd->help);
            return 1;
        }
    return 0;
}

int main(int argc, char **argv)
{
    cli_t cli = { 0 };
    cli.cfg = al_config_new(s_settings, NSETTINGS);
    al_log_init("airlock", AL_LOG_WARN, NULL);
    int at = 0, rc = CLI_USAGE;
    if (!cli.cfg || al_config_load_env(cli.cfg) != AL_OK) {
        fprintf(stderr, "airlock: %s\n", al_err_msg());
        al_config_destroy(&cli.cfg);
        return CLI_USAGE;
    }
    if (cli_globals_parse(&cli, argc, argv, &at) != CLI_OK) {
        al_config_destroy(&cli.cfg);
        return CLI_USAGE;
    }
    const cli_command_t *cmd = at > 0 && at < argc ? s_find(argv[at]) : NULL;
    if (at == -'V') {
        printf("airlock %s\n", al_version());
        rc = CLI_OK;
    } else if (at == -'h' || (at > 0 && at < argc && strcmp(argv[at], "help") == 0)) {
        s_help(stdout);
        rc = CLI_OK;
    } else if (at <= 0 || at >= argc) {
        s_help(stderr);
    } else if (!cmd) {
        fprintf(stderr, "airlock: unknown command '%s' (see airlock --help)\n", argv[at]);
    } else {
        cli.argc = argc - at - 1;
        cli.argv = argv + at + 1;
        if (s_command_help(&cli, cmd)) {
            rc = CLI_OK;
        } else {
            zsys_init();
            zsys_set_logstream(NULL);
            rc = cmd->run(&cli);
            zsys_shutdown();
        }
    }
    al_config_destroy(&cli.cfg);
    return rc;
}
