/*
 * main.c: airlock-signer's command line and loop. Settings come from
 * defaults, a config file (-c), AIRLOCK_* environment variables and --set
 * key=value (common/args.h). It signs at start, every interval_s, and once
 * more (final) when stopped with SIGINT/SIGTERM.
 */
#include "orchestrator/signer/signer.h"
#include "common/args.h"
#include "common/config.h"
#include "common/error.h"
#include "common/log.h"
#include "orchestrator/store/migrate.h"
#include "orchestrator/store/roles.h"

#include <czmq.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef AIRLOCK_SQL_DIR
#define AIRLOCK_SQL_DIR "/usr/share/airlock/sql"
#endif

static const al_config_def_t s_settings[] = {
    { "db", AL_CFG_STR, NULL, 0, 0, AL_CFG_REQUIRED | AL_CFG_SECRET,
      "PostgreSQL conninfo of a login role that is a member of airlock_signer (never printed)" },
    { "audit_key", AL_CFG_STR, NULL, 0, 0, AL_CFG_REQUIRED,
      "PEM private key signing the checkpoints (Ed25519 recommended); only this process reads it" },
    { "state_file", AL_CFG_STR, "/var/lib/airlock/signer/state", 0, 0, 0,
      "where the signer remembers its last checkpoint (outside the database)" },
    { "interval_s", AL_CFG_INT, "60", 1, 86400, 0, "seconds between checkpoints (signed into each one)" },
    { "sql_dir", AL_CFG_STR, AIRLOCK_SQL_DIR, 0, 0, 0, "the migrations (checked to be applied, never applied)" },
    { "log_level", AL_CFG_STR, "info", 0, 0, 0, "debug, info, warn, error" },
    { "log_format", AL_CFG_STR, "text", 0, 0, 0, "text or json" },
};
#define NSETTINGS (sizeof s_settings / sizeof s_settings[0])

static void s_usage(FILE *out)
{
    fprintf(out, "usage: airlock-signer [-c FILE] [--set KEY=VALUE]... [--print-config] [--version]\n\n"
                 "Signs numbered, chained checkpoints of Airlock's audit log every interval_s (and a final\n"
                 "one on SIGINT/SIGTERM), with a key airlockd never holds. Connects as a member of\n"
                 "airlock_signer (docs/OPERATIONS.md \"Audit chain\").\n\nsettings:\n");
    al_config_print_help(s_settings, NSETTINGS, out);
}

static int s_key_load(const char *path, EVP_PKEY **out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return al_err_set_errno(AL_ECONFIG, "audit_key %s", path);
    *out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return *out ? AL_OK : al_err_set(AL_ECONFIG, "audit_key %s is not a PEM private key", path);
}

static int s_on_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    signer_t *s = arg;
    int rc = signer_checkpoint(s, 0, NULL);
    if (rc == AL_EAGAIN)
        store_db_ensure(s->db, 0);
    if (rc != AL_OK) {
        char m[400];
        al_error("signer.failed", "error=%s", al_log_quote(m, sizeof m, al_err_msg()));
    }
    return 0;
}

static int s_run(const al_config_t *cfg)
{
    signer_t s = { NULL, NULL, al_config_str(cfg, "state_file"), (int)al_config_int(cfg, "interval_s") };
    int rc = s_key_load(al_config_str(cfg, "audit_key"), &s.key);
    if (rc == AL_OK)
        rc = store_db_connect(&s.db, al_config_str(cfg, "db"));
    if (rc == AL_OK)
        rc = store_migrate_check(s.db, al_config_str(cfg, "sql_dir"));
    if (rc == AL_OK)
        rc = store_db_privileges_check(s.db, "airlock-signer");
    if (rc == AL_OK)
        rc = signer_checkpoint(&s, 0, NULL);   /* refuses a foreign chain before looping */
    if (rc == AL_OK) {
        zloop_t *loop = zloop_new();
        zloop_timer(loop, (size_t)s.interval_s * 1000, 0, s_on_tick, &s);
        al_info("signer.started", "interval_s=%d state_file=%s", s.interval_s, s.state_file);
        zloop_start(loop);   /* until SIGINT/SIGTERM */
        zloop_destroy(&loop);
        if (store_db_ensure(s.db, 5) == AL_OK)
            rc = signer_checkpoint(&s, 1, NULL);
    }
    if (rc != AL_OK) {
        char m[600];
        al_error("signer.stopped", "error=%s", al_log_quote(m, sizeof m, al_err_msg()));
    }
    store_db_destroy(&s.db);
    EVP_PKEY_free(s.key);
    return rc == AL_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    al_config_t *cfg = al_config_new(s_settings, NSETTINGS);
    if (!cfg) {
        fprintf(stderr, "airlock-signer: out of memory\n");
        return 1;
    }
    int code = al_args_parse(cfg, argc, argv, "airlock-signer", NULL, 0, s_usage);
    if (code < 0 && al_args_log_init(cfg, "airlock-signer") != AL_OK) {
        fprintf(stderr, "airlock-signer: %s\n", al_err_msg());
        code = 2;
    }
    if (code < 0) {
        zsys_init();
        zsys_set_logstream(NULL);
        code = s_run(cfg);
        zsys_shutdown();
    }
    al_config_destroy(&cfg);
    return code;
}
