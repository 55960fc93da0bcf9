/*
 * cmd_admin.c: workers, keygen, audit verify.
 */
#include "cli/cli.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/proto/proto.h"
#include "orchestrator/store/audit.h"
#include "orchestrator/store/audit_checkpoint.h"

#include <openssl/pem.h>
#include "orchestrator/store/db.h"

#include <stdlib.h>
#include <string.h>

static int s_on_workers(void *ctx, const proto_msg_t *m)
{
    if (m->type != PROTO_C_WORKERS_REPLY)
        return 0;
    const proto_worker_info_list_t *list = &m->body.c_workers_reply.workers;
    for (size_t i = 0; i < list->count; i++)
        print_worker(ctx, &list->items[i], i == 0);
    return 1;
}

int cmd_workers(cli_t *cli)
{
    if (cli->argc != 0) {
        fprintf(stderr, "usage: airlock workers\n");
        return CLI_USAGE;
    }
    client_t *c = cli_connect(cli);
    if (!c)
        return CLI_UNREACHABLE;
    proto_msg_t *m = proto_msg_new(PROTO_C_WORKERS);
    char code[64] = "";
    int rc = client_call(c, m, s_on_workers, cli, code);
    proto_msg_destroy(&m);
    client_destroy(&c);
    return rc == AL_OK ? CLI_OK : cli_call_failed("workers", code);
}

int cmd_keygen(cli_t *cli)
{
    const char *role = NULL, *name = NULL, *dir = ".";
    for (int i = 0; i + 1 < cli->argc; i += 2) {
        if (strcmp(cli->argv[i], "--role") == 0)
            role = cli->argv[i + 1];
        else if (strcmp(cli->argv[i], "--name") == 0)
            name = cli->argv[i + 1];
        else if (strcmp(cli->argv[i], "--dir") == 0)
            dir = cli->argv[i + 1];
        else
            role = NULL, i = cli->argc;
    }
    if (!role || !name || cli->argc % 2) {
        fprintf(stderr, "usage: airlock keygen --role worker|client|server --name NAME [--dir DIR]\n");
        return CLI_USAGE;
    }
    if (curve_keygen(dir, name, role) != AL_OK) {
        fprintf(stderr, "airlock keygen: %s\n", al_err_msg());
        return CLI_ERROR;
    }
    if (cli->json)
        printf("{\"public\":\"%s/%s.key\",\"secret\":\"%s/%s.key_secret\"}\n", dir, name, dir, name);
    else
        printf("wrote %s/%s.key (public: copy it into airlockd's certs_dir to allow this %s)\n"
               "wrote %s/%s.key_secret (secret: keep it on this machine, mode 0600)\n",
               dir, name, role, dir, name);
    return CLI_OK;
}

/* Verifies the signed checkpoints with the public key at `path`. */
static int s_verify_checkpoints(cli_t *cli, store_db_t *db, const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *key = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    if (!key) {
        fprintf(stderr, "airlock audit verify: %s is not a PEM public key\n", path);
        return CLI_USAGE;
    }
    int64_t bad = 0, rows = 0;
    int rc = store_audit_checkpoints_verify(db, key, &bad, &rows);
    EVP_PKEY_free(key);
    if (rc == AL_OK) {
        if (cli->json)
            printf("{\"checkpoints_ok\":true,\"checkpoints\":%lld}\n", (long long)rows);
        else
            printf("audit checkpoints verified: %lld signed checkpoints\n", (long long)rows);
        return CLI_OK;
    }
    if (cli->json)
        printf("{\"checkpoints_ok\":false,\"first_bad_checkpoint\":%lld}\n", (long long)bad);
    else
        printf("audit checkpoints BROKEN: first bad checkpoint id %lld (%s)\n", (long long)bad,
               al_err_msg());
    return CLI_ERROR;
}

int cmd_audit(cli_t *cli)
{
    const char *pubkey = NULL;
    if (cli->argc == 3 && strcmp(cli->argv[1], "--public-key") == 0)
        pubkey = cli->argv[2];
    if (cli->argc < 1 || strcmp(cli->argv[0], "verify") != 0 || (cli->argc != 1 && !pubkey)) {
        fprintf(stderr, "usage: airlock audit verify [--public-key PEM]   (database from --db or "
                        "AIRLOCK_CLIENT_DB)\n");
        return CLI_USAGE;
    }
    const char *conninfo = al_config_str(cli->cfg, "client_db");
    if (!conninfo || !*conninfo) {
        fprintf(stderr, "airlock audit verify: no database (--db CONNINFO or AIRLOCK_CLIENT_DB)\n");
        return CLI_USAGE;
    }
    store_db_t *db = NULL;
    if (store_db_connect(&db, conninfo) != AL_OK) {
        fprintf(stderr, "airlock audit verify: %s\n", al_err_msg());
        return CLI_UNREACHABLE;
    }
    int64_t bad = 0, rows = 0;
    int rc = store_audit_verify_count(db, &bad, &rows);
    int checkpoints = (rc == AL_OK && pubkey) ? s_verify_checkpoints(cli, db, pubkey) : CLI_OK;
    store_db_destroy(&db);
    if (rc == AL_OK && checkpoints != CLI_OK)
        return checkpoints;
    if (rc == AL_OK) {
        if (cli->json)
            printf("{\"ok\":true,\"rows\":%lld}\n", (long long)rows);
        else
            printf("audit chain verified: %lld rows, no break\n", (long long)rows);
        return CLI_OK;
    }
    if (rc == AL_ESTATE) {
        if (cli->json)
            printf("{\"ok\":false,\"rows\":%lld,\"first_bad_id\":%lld}\n", (long long)rows, (long long)bad);
        else
            printf("audit chain BROKEN: first bad row id %lld (%s)\n", (long long)bad, al_err_msg());
        return CLI_ERROR;
    }
    fprintf(stderr, "airlock audit verify: %s\n", al_err_msg());
    return CLI_ERROR;
}
