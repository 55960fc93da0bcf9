/*
 * main.c: airlockd command line. Settings come from defaults, an optional
 * config file (-c), AIRLOCK_* environment variables and --set key=value.
 */
#include "orchestrator/airlockd.h"
#include "common/config.h"
#include "common/error.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: airlockd [-c FILE] [--set KEY=VALUE]... [--print-config]\n"
            "\n"
            "Airlock's orchestrator: accepts jobs from clients, keeps them in PostgreSQL and\n"
            "dispatches them to workers over CurveZMQ. Stops cleanly on SIGINT/SIGTERM.\n"
            "\n"
            "settings (file `key = value`, env AIRLOCK_<KEY>, or --set):\n");
    al_config_print_help(airlockd_settings, airlockd_settings_count, out);
}

static int s_parse_args(int argc, char **argv, al_config_t *cfg, int *print_only)
{
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            file = argv[++i];
        } else if (strcmp(argv[i], "--print-config") == 0) {
            *print_only = 1;
        } else if (strcmp(argv[i], "--set") != 0 || i + 1 >= argc) {
            return al_err_set(AL_EINVAL, "unknown argument '%s' (see --help)", argv[i]);
        } else {
            i++;
        }
    }
    int rc = file ? al_config_load_file(cfg, file) : AL_OK;
    if (rc == AL_OK)
        rc = al_config_load_env(cfg);
    for (int i = 1; rc == AL_OK && i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0) {
            i++;
        } else if (strcmp(argv[i], "--set") == 0) {
            char *kv = argv[++i];
            char *eq = strchr(kv, '=');
            if (!eq)
                return al_err_set(AL_EINVAL, "--set needs KEY=VALUE, got '%s'", kv);
            *eq = '\0';
            rc = al_config_set(cfg, kv, eq + 1);
            *eq = '=';
        }
    }
    return rc == AL_OK ? al_config_validate(cfg) : rc;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_usage(stdout);
            return 0;
        }
    }
    al_config_t *cfg = al_config_new(airlockd_settings, airlockd_settings_count);
    int print_only = 0;
    int rc = cfg ? s_parse_args(argc, argv, cfg, &print_only) : AL_ENOMEM;
    if (rc != AL_OK) {
        fprintf(stderr, "airlockd: %s\n", al_err_msg());
        al_config_destroy(&cfg);
        return 2;
    }
    if (print_only) {
        al_config_print(cfg, stdout);
        al_config_destroy(&cfg);
        return 0;
    }
    al_log_level_t level = AL_LOG_INFO;
    al_log_level_parse(al_config_str(cfg, "log_level"), &level);
    al_log_init("airlockd", level, NULL);
    zsys_init();
    zsys_set_logstream(NULL);
    airlockd_settings_t set;
    airlockd_settings_read(cfg, &set);
    airlockd_t *d = NULL;
    rc = airlockd_new(&d, &set);
    if (rc != AL_OK) {
        char m[600];
        al_error("airlockd.start_failed", "error=%s", al_log_quote(m, sizeof m, al_err_msg()));
        al_config_destroy(&cfg);
        return 1;
    }
    airlockd_run(d);
    airlockd_destroy(&d);
    al_config_destroy(&cfg);
    zsys_shutdown();
    return 0;
}
