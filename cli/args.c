/*
 * args.c: the CLI's option parsing with getopt_long. Global options
 * (--json, --endpoint, --server-key, --cert, --db, --timeout-ms) may come
 * before the command or among its options; a command's own options come
 * after the command. An unknown option, a missing or malformed value, or a
 * wrong number of arguments is a usage error (exit code 2) that names it:
 * nothing is silently dropped.
 */
#include "cli/cli.h"
#include "common/error.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPTS 32

static const struct {
    const char *flag, *key;
} s_globals[] = {
    { "endpoint", "client_endpoint" }, { "server-key", "client_server_key" }, { "cert", "client_cert" },
    { "db", "client_db" }, { "timeout-ms", "client_timeout_ms" },
};
#define NGLOBALS (sizeof s_globals / sizeof s_globals[0])

/* Ids of global options; commands' own ids must stay below. */
enum { G_JSON = 900, G_FIRST = 901 };

static void s_global_opts(struct option *o, size_t *n)
{
    o[(*n)++] = (struct option){ "json", no_argument, NULL, G_JSON };
    for (size_t i = 0; i < NGLOBALS; i++)
        o[(*n)++] = (struct option){ s_globals[i].flag, required_argument, NULL, G_FIRST + (int)i };
}

static int s_global(cli_t *cli, int id, const char *arg)
{
    if (id == G_JSON) {
        cli->json = 1;
        return AL_OK;
    }
    return al_config_set(cli->cfg, s_globals[id - G_FIRST].key, arg);
}

int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "airlock%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nusage: airlock %s\n", usage);
    va_end(ap);
    return CLI_USAGE;
}

static int s_bad_option(const char *cmd, const char *usage, int c, const char *arg)
{
    if (c == ':')
        return cli_usage_error(cmd, usage, "option '%s' needs a value", arg);
    return cli_usage_error(cmd, usage, "unknown option '%s'", arg);
}

int cli_globals_parse(cli_t *cli, int argc, char **argv, int *command_at)
{
    struct option opts[MAX_OPTS];
    size_t n = 0;
    s_global_opts(opts, &n);
    opts[n++] = (struct option){ "version", no_argument, NULL, 'V' };
    opts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
    opts[n] = (struct option){ 0 };
    int c, idx = 0;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:h", opts, &idx)) != -1) {
        if (c == 'V' || c == 'h') {
            *command_at = -c;   /* -'V' or -'h': the caller prints */
            return CLI_OK;
        }
        if (c == '?' || c == ':')
            return cli_usage_error(NULL, "[global options] COMMAND [options] (see airlock --help)",
                                   c == ':' ? "option '%s' needs a value"
                                            : "unknown option '%s' (a command's options go after the command)",
                                   argv[optind - 1]);
        if (s_global(cli, c, optarg) != AL_OK)
            return cli_usage_error(NULL, "--help", "%s", al_err_msg());
    }
    *command_at = optind;
    return CLI_OK;
}

int cli_parse(cli_t *cli, const char *cmd, const char *usage, const struct option *own,
              cli_opt_fn on_opt, void *ctx, int min_pos, int max_pos)
{
    struct option opts[MAX_OPTS];
    size_t n = 0;
    for (; own && own[n].name && n < MAX_OPTS - NGLOBALS - 2; n++)
        opts[n] = own[n];
    s_global_opts(opts, &n);
    opts[n] = (struct option){ 0 };
    /* getopt wants argv[0]: the command name sits just before the arguments */
    int argc = cli->argc + 1, c, idx = 0;
    char **argv = cli->argv - 1;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, &idx)) != -1) {
        if (c == '?' || c == ':')
            return s_bad_option(cmd, usage, c, argv[optind - 1]);
        int rc = c >= G_JSON ? s_global(cli, c, optarg) : on_opt(ctx, c, optarg);
        if (rc != AL_OK)
            return cli_usage_error(cmd, usage, "%s", al_err_msg());
    }
    cli->pos = argv + optind;
    cli->npos = argc - optind;
    if (cli->npos < min_pos)
        return cli_usage_error(cmd, usage, "missing argument");
    if (cli->npos > max_pos)
        return cli_usage_error(cmd, usage, "unexpected argument '%s'", cli->pos[max_pos]);
    if (al_config_validate(cli->cfg) != AL_OK)
        return cli_usage_error(cmd, usage, "%s", al_err_msg());
    return CLI_OK;
}

int cli_parse_int(const char *text, long min, long max, const char *what, long *out)
{
    char *end = NULL;
    long v = text ? strtol(text, &end, 10) : 0;
    if (!text || end == text || *end || v < min || v > max)
        return al_err_set(AL_EINVAL, "%s must be a number from %ld to %ld, got '%s'", what, min, max,
                          text ? text : "");
    *out = v;
    return AL_OK;
}
