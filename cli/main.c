/*
 * main.c: `airlock COMMAND [options]`: the client of airlockd.
 * Global options (anywhere): --endpoint E, --server-key K, --cert F, --db C,
 * --timeout-ms N, --json. Environment: AIRLOCK_CLIENT_ENDPOINT,
 * AIRLOCK_CLIENT_SERVER_KEY, AIRLOCK_CLIENT_CERT, AIRLOCK_CLIENT_DB,
 * AIRLOCK_CLIENT_TIMEOUT_MS.
 */
#include "cli/cli.h"
#include "common/error.h"
#include "common/log.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

static const al_config_def_t s_settings[] = {
    { "client_endpoint", AL_CFG_STR, "tcp://127.0.0.1:7701", 0, 0, 0, "airlockd's client endpoint" },
    { "client_server_key", AL_CFG_STR, NULL, 0, 0, 0, "airlockd's public key (Z85) or its .key file" },
    { "client_cert", AL_CFG_STR, NULL, 0, 0, 0, "this client's certificate (.key_secret file)" },
    { "client_db", AL_CFG_STR, NULL, 0, 0, AL_CFG_SECRET, "PostgreSQL conninfo (audit verify)" },
    { "client_timeout_ms", AL_CFG_INT, "10000", 100, 86400000, 0, "wait this long for each reply" },
};
#define NSETTINGS (sizeof s_settings / sizeof s_settings[0])

static const cli_command_t s_commands[] = {
    { "submit", cmd_submit, "submit JOB.json [--wait] | submit --repo R --base B --test CMD [--run CMD]... "
      "[--patch FILE] [--label K=V]... [--egress HOST]... [--driver D] [--idempotency-key K] [--wait]",
      "submit a job; prints its id (with --wait, then its progress and verdict)" },
    { "wait", cmd_wait, "wait JOB_ID", "stream a job's progress, then its verdict (exit code = verdict)" },
    { "status", cmd_status, "status JOB_ID", "show one job (exit code = verdict, 5 while running)" },
    { "cancel", cmd_cancel, "cancel JOB_ID", "cancel a job" },
    { "list", cmd_list, "list [--state queued|running|finished|cancelled] [--limit N]", "list jobs, newest first" },
    { "workers", cmd_workers, "workers", "list workers" },
    { "keygen", cmd_keygen, "keygen --role worker|client|server --name NAME [--dir DIR]",
      "make a CurveZMQ certificate pair" },
    { "env", cmd_env, "env build SPEC.json [--name N] [--cache DIR] [--keep] | env import DIR|TARBALL --name N "
      "[--env K=V]... [--user U] [--source TEXT] | env list",
      "build (mmdebstrap) or import a job environment and register it with airlockd; list them" },
    { "audit", cmd_audit, "audit verify [--public-key PEM]",
      "recompute the audit hash chain from PostgreSQL and check airlockd's signed checkpoints; "
      "names the first bad row" },
};
#define NCOMMANDS (sizeof s_commands / sizeof s_commands[0])

static void s_help(FILE *out)
{
    fprintf(out, "usage: airlock [--json] [--endpoint E] [--server-key K] [--cert F] [--db C] COMMAND ...\n\n"
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

static const struct { const char *flag, *key; } s_globals[] = {
    { "--endpoint", "client_endpoint" }, { "--server-key", "client_server_key" },
    { "--cert", "client_cert" }, { "--db", "client_db" }, { "--timeout-ms", "client_timeout_ms" },
};

/* Takes global options out of argv; what is left is COMMAND ARGS... */
static int s_globals_take(cli_t *cli, int *argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            cli->json = 1;
            continue;
        }
        int taken = 0;
        for (size_t g = 0; g < sizeof s_globals / sizeof s_globals[0]; g++) {
            if (strcmp(argv[i], s_globals[g].flag) == 0 && i + 1 < *argc) {
                if (al_config_set(cli->cfg, s_globals[g].key, argv[++i]) != AL_OK)
                    return AL_EINVAL;
                taken = 1;
            }
        }
        if (!taken)
            argv[out++] = argv[i];
    }
    *argc = out;
    return al_config_validate(cli->cfg);
}

client_t *cli_connect(cli_t *cli)
{
    client_opts_t o = {
        .endpoint = al_config_str(cli->cfg, "client_endpoint"),
        .server_key = al_config_str(cli->cfg, "client_server_key"),
        .cert = al_config_str(cli->cfg, "client_cert"),
        .timeout_ms = (int)al_config_int(cli->cfg, "client_timeout_ms"),
    };
    client_t *c = NULL;
    if (client_new(&c, &o) != AL_OK)
        fprintf(stderr, "airlock: %s\n", al_err_msg());
    return c;
}

int cli_call_failed(const char *what, const char *code)
{
    fprintf(stderr, "airlock %s: %s\n", what, al_err_msg());
    if (al_err_code() == AL_ETIMEOUT || al_err_code() == AL_EIO)
        return CLI_UNREACHABLE;
    return strcmp(code, "NOT_FOUND") == 0 ? CLI_NOT_FOUND : CLI_ERROR;
}

int cli_verdict_code(const char *verdict)
{
    static const char *const v[] = { "rejected", "apply_failed", "policy_violation", "tests_failed",
                                     "timeout", "resource_exceeded", "sandbox_error", "cancelled" };
    if (strcmp(verdict, "accepted") == 0)
        return CLI_OK;
    for (int i = 0; i < 8; i++) {
        if (strcmp(verdict, v[i]) == 0)
            return 10 + i;
    }
    return CLI_ERROR;
}

int main(int argc, char **argv)
{
    cli_t cli = { 0 };
    cli.cfg = al_config_new(s_settings, NSETTINGS);
    al_log_init("airlock", AL_LOG_WARN, NULL);
    if (!cli.cfg || al_config_load_env(cli.cfg) != AL_OK || s_globals_take(&cli, &argc, argv) != AL_OK) {
        fprintf(stderr, "airlock: %s\n", al_err_msg());
        al_config_destroy(&cli.cfg);
        return CLI_USAGE;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        s_help(argc < 2 ? stderr : stdout);
        al_config_destroy(&cli.cfg);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const cli_command_t *cmd = NULL;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(argv[1], s_commands[i].name) == 0)
            cmd = &s_commands[i];
    }
    int rc = CLI_USAGE;
    if (!cmd) {
        fprintf(stderr, "airlock: unknown command '%s' (see airlock --help)\n", argv[1]);
    } else if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        printf("usage: airlock %s\n\n%s\n", cmd->usage, cmd->help);
        rc = CLI_OK;
    } else {
        zsys_init();
        zsys_set_logstream(NULL);
        cli.argc = argc - 2;
        cli.argv = argv + 2;
        rc = cmd->run(&cli);
        zsys_shutdown();
    }
    al_config_destroy(&cli.cfg);
    return rc;
}
