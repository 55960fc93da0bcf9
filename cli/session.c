/*
 * session.c: what every command that talks to airlockd shares: opening the
 * connection from the settings, and turning a failed call or a verdict into
 * the exit code (the table is in cli.h and `airlock --help`). A leaf below
 * the command files and main.c.
 */
#include "cli/cli.h"
#include "common/error.h"
#include "common/states.h"

#include <stdio.h>
#include <string.h>

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
    int v = al_state_find(al_verdicts, AL_VERDICT_COUNT, verdict);
    return v < 0 ? CLI_ERROR : al_verdicts[v].exit_code;
}
