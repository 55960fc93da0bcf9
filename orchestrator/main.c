/*
 * main.c: airlockd command line. Settings come from defaults, an optional
 * config file (-c), AIRLOCK_* environment variables and --set key=value.
 * `airlockd migrate [options]` applies the migrations of sql_dir and exits:
 * run it as the schema owner (its own `db`); the daemon itself runs as a
 * member of airlock_app and only checks that nothing is pending.
 */
#include "orchestrator/airlockd.h"
#include "common/args.h"
#include "common/config.h"
#include "common/error.h"
#include "common/log.h"
#include "orchestrator/store/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: airlockd [-c FILE] [--set KEY=VALUE]... [--print-config] [--version]\n"
            "       airlockd migrate [-c FILE] [--set KEY=VALUE]...\n"
            "\n"
            "Airlock's orchestrator: accepts jobs from clients, keeps them in PostgreSQL and\n"
            "dispatches them to workers over CurveZMQ. Stops cleanly on SIGINT/SIGTERM.\n"
            "Several may run on one database: one is active (it holds the database's leader lock),\n"
            "the others stand by, bound to nothing, and take over when it dies. An active airlockd\n"
            "that lost its database session to another's takeover exits with status 75.\n"
            "It connects as a member of airlock_app and refuses a role that could rewrite the\n"
            "audit log (superuser, schema owner). `airlockd migrate` applies the migrations of\n"
            "sql_dir as the schema owner (give it the owner's `db`) and exits.\n"
            "\n"
            "settings (file `key = value`, env AIRLOCK_<KEY>, or --set):\n");
    al_config_print_help(airlockd_settings, airlockd_settings_count, out);
}

/* `airlockd migrate`: the settings it reads (the rest of airlockd's are not
 * needed to migrate), taken from the same table. */
static const char *const s_migrate_keys[] = { "db", "sql_dir", "log_level", "log_format" };
#define NMIGRATE (sizeof s_migrate_keys / sizeof s_migrate_keys[0])

static void s_migrate_usage(FILE *out)
{
    fprintf(out, "usage: airlockd migrate [-c FILE] [--set KEY=VALUE]...\n\n"
                 "Applies the migrations of sql_dir (forward only, in one transaction) and exits. Run it as\n"
                 "the schema owner: `db` is the owner's conninfo, not airlockd's.\n\nsettings:\n");
    for (size_t i = 0; i < airlockd_settings_count; i++)
        for (size_t k = 0; k < NMIGRATE; k++)
            if (strcmp(airlockd_settings[i].key, s_migrate_keys[k]) == 0)
                al_config_print_help(&airlockd_settings[i], 1, out);
}

/* The schema owner applies what is pending. */
static int s_migrate(int argc, char **argv)
{
    al_config_def_t defs[NMIGRATE];
    size_t n = 0;
    for (size_t i = 0; i < airlockd_settings_count; i++)
        for (size_t k = 0; k < NMIGRATE; k++)
            if (strcmp(airlockd_settings[i].key, s_migrate_keys[k]) == 0)
                defs[n++] = airlockd_settings[i];
    al_config_t *cfg = al_config_new(defs, n);
    int code = cfg ? al_args_parse(cfg, argc, argv, "airlockd migrate", NULL, 0, s_migrate_usage) : 1;
    if (code < 0 && al_args_log_init(cfg, "airlockd") != AL_OK)
        code = 2;
    if (code >= 0) {
        al_config_destroy(&cfg);
        return code;
    }
    store_db_t *db = NULL;
    const char *dir = al_config_str(cfg, "sql_dir");
    int version = 0, rc = store_db_connect(&db, al_config_str(cfg, "db"));
    if (rc == AL_OK)
        rc = store_migrate(db, dir);
    if (rc == AL_OK)
        rc = store_migrate_version(db, &version);
    store_db_destroy(&db);
    if (rc != AL_OK)
        fprintf(stderr, "airlockd migrate: %s\n", al_err_msg());
    else
        printf("airlockd migrate: schema at version %04d (%s)\n", version, dir);
    al_config_destroy(&cfg);
    return rc == AL_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "migrate") == 0) {   /* the rest are options */
        argv[1] = argv[0];
        return s_migrate(argc - 1, argv + 1);
    }
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
    airlockd_settings_t set;
    airlockd_settings_read(cfg, &set);
    zsys_init();
    zsys_set_logstream(NULL);
    airlockd_t *d = NULL;
    int rc = airlockd_new(&d, &set);
    if (rc == AL_ECANCELLED) {   /* stopped while standing by */
        al_info("airlockd.stopping", "server=%s state=standby", set.server_id);
        al_config_destroy(&cfg);
        return 0;
    }
    if (rc != AL_OK) {
        char m[600];
        al_error("airlockd.start_failed", "error=%s", al_log_quote(m, sizeof m, al_err_msg()));
        al_config_destroy(&cfg);
        return 1;
    }
    airlockd_run(d);
    int superseded = d->leadership_lost;
    airlockd_destroy(&d);
    al_config_destroy(&cfg);
    zsys_shutdown();
    return superseded ? AIRLOCKD_EXIT_SUPERSEDED : 0;
}
