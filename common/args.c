/*
 * args.c: the daemons' command line (see args.h).
 */
#include "common/args.h"
#include "common/error.h"
#include "common/log.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#ifndef AIRLOCK_VERSION
#define AIRLOCK_VERSION "0.0.0"
#endif

#define MAX_FLAGS 8

const char *al_version(void) { return AIRLOCK_VERSION; }

enum { OPT_SET = 1000, OPT_PRINT, OPT_HELP, OPT_VERSION, OPT_FLAG0 };

/* Everything but -c and the flags; called after the file and environment. */
static int s_apply(al_config_t *cfg, int argc, char **argv, const struct option *opts,
                   const al_args_flag_t *flags)
{
    int c, idx = 0, rc = AL_OK;
    optind = 0;
    opterr = 0;
    while (rc == AL_OK && (c = getopt_long(argc, argv, "+c:h", opts, &idx)) != -1) {
        if (c == OPT_SET) {
            char *eq = strchr(optarg, '=');
            if (!eq)
                return al_err_set(AL_EINVAL, "--set needs KEY=VALUE, got '%s'", optarg);
            *eq = '\0';
            rc = al_config_set(cfg, optarg, eq + 1);
            *eq = '=';
        } else if (c >= OPT_FLAG0) {
            rc = al_config_set(cfg, flags[c - OPT_FLAG0].key, "true");
        }
    }
    return rc;
}

static int s_usage_error(const char *prog, int argc, char **argv, int c)
{
    const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
    if (c == ':')
        fprintf(stderr, "%s: option '%s' needs a value (see --help)\n", prog, arg);
    else
        fprintf(stderr, "%s: unknown option '%s' (see --help)\n", prog, arg);
    return 2;
}

int al_args_parse(al_config_t *cfg, int argc, char **argv, const char *prog,
                  const al_args_flag_t *flags, size_t nflags, void (*usage)(FILE *out))
{
    struct option opts[MAX_FLAGS + 8] = {
        { "config", required_argument, NULL, 'c' }, { "set", required_argument, NULL, OPT_SET },
        { "print-config", no_argument, NULL, OPT_PRINT }, { "help", no_argument, NULL, OPT_HELP },
        { "version", no_argument, NULL, OPT_VERSION },
    };
    for (size_t i = 0; i < nflags && i < MAX_FLAGS; i++)
        opts[5 + i] = (struct option){ flags[i].flag, no_argument, NULL, OPT_FLAG0 + (int)i };
    const char *file = NULL;
    int print = 0, c, idx = 0;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:c:h", opts, &idx)) != -1) {
        if (c == 'c')
            file = optarg;
        else if (c == OPT_PRINT)
            print = 1;
        else if (c == OPT_HELP || c == 'h') {
            usage(stdout);
            return 0;
        } else if (c == OPT_VERSION) {
            printf("%s %s\n", prog, al_version());
            return 0;
        } else if (c == '?' || c == ':')
            return s_usage_error(prog, argc, argv, c);
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s' (options only; see --help)\n", prog, argv[optind]);
        return 2;
    }
    int rc = file ? al_config_load_file(cfg, file) : AL_OK;
    if (rc == AL_OK)
        rc = al_config_load_env(cfg);
    if (rc == AL_OK)
        rc = s_apply(cfg, argc, argv, opts, flags);
    if (rc == AL_OK)
        rc = al_config_validate(cfg);
    if (rc != AL_OK) {
        fprintf(stderr, "%s: %s\n", prog, al_err_msg());
        return 2;
    }
    if (print) {
        al_config_print(cfg, stdout);
        return 0;
    }
    return -1;
}

int al_args_log_init(const al_config_t *cfg, const char *prog)
{
    al_log_level_t level = AL_LOG_INFO;
    al_log_format_t format = AL_LOG_TEXT;
    int rc = al_log_level_parse(al_config_str(cfg, "log_level"), &level);
    if (rc == AL_OK)
        rc = al_log_format_parse(al_config_str(cfg, "log_format"), &format);
    al_log_init(prog, level, NULL);
    al_log_set_format(format);
    return rc;
}
