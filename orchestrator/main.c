/*
 * main.c: airlockd command line. Settings come from defaults, an optional
 * config file (-c), AIRLOCK_* environment variables and --set key=value.
 */
#include "orchestrator/airlockd.h"
#include "common/args.h"
#include "common/config.h"
#include "common/error.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: airlockd [-c FILE] [--set KEY=VALUE]... [--print-config] [--version]\n"
            "\n"
            "Airlock's orchestrator: accepts jobs from clients, keeps them in PostgreSQL and\n"
            "dispatches them to workers over CurveZMQ. Stops cleanly on SIGINT/SIGTERM.\n"
            "\n"
            "settings (file `key = value`, env AIRLOCK_<KEY>, or --set):\n");
    al_config_print_help(airlockd_settings, airlockd_settings_count, out);
}

int main(int argc, char **argv)
{
    al_config_t *cfg = al_config_new(airlockd_settings, airlockd_settings_count);
    if (!cfg) {
        fprintf(stderr, "airlockd: out of memory\n");
        return 1;
    }
    int exit_code = al_args_parse(cfg, argc, argv, "airlockd", NULL, 0, s_usage);
    if (exit_code < 0 && al_args_log_init(cfg, "airlockd") != AL_OK) {
        fprintf(stderr, "airlockd: %s\n", al_err_msg());
        exit_code = 2;
    }
    if (exit_code >= 0) {
        al_config_destroy(&cfg);
        return exit_code;
    }
    zsys_init();
    zsys_set_logstream(NULL);
    airlockd_settings_t set;
    airlockd_settings_read(cfg, &set);
    airlockd_t *d = NULL;
    int rc = airlockd_new(&d, &set);
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
