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

#include <getopt.h>
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
    int prc = cli_parse(cli, "workers", "workers", NULL, NULL, NULL, 0, 0);
    if (prc != CLI_OK)
        return prc;
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

typedef struct {
    const char *role, *name, *dir, *tenant;
} keygen_args_t;

static int s_keygen_opt(void *ctx, int id, const char *arg)
{
    keygen_args_t *a = ctx;
    const char **dst = id == 'r' ? &a->role : id == 'n' ? &a->name : id == 'd' ? &a->dir : &a->tenant;
    *dst = arg;
    return AL_OK;
}

/* Writes `tenant = T` into both files of the new certificate. */
static int s_set_tenant(const char *dir, const char *name, const char *tenant)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.key_secret", dir, name);
    zcert_t *cert = NULL;
    int rc = curve_cert_load(path, &cert);
    if (rc != AL_OK)
        return rc;
    zcert_set_meta(cert, "tenant", "%s", tenant);
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    rc = zcert_save(cert, path) == 0 ? AL_OK : al_err_set(AL_EIO, "cannot write %s", path);
    zcert_destroy(&cert);
    return rc;
}

int cmd_keygen(cli_t *cli)
{
    static const char *usage = "keygen --role worker|client|server --name NAME [--dir DIR] [--tenant TENANT]";
    static const struct option opts[] = {
        { "role", required_argument, NULL, 'r' }, { "name", required_argument, NULL, 'n' },
        { "dir", required_argument, NULL, 'd' }, { "tenant", required_argument, NULL, 't' },
        { NULL, 0, NULL, 0 },
    };
    keygen_args_t a = { NULL, NULL, ".", NULL };
    int prc = cli_parse(cli, "keygen", usage, opts, s_keygen_opt, &a, 0, 0);
    if (prc != CLI_OK)
        return prc;
    if (!a.role || !a.name)
        return cli_usage_error("keygen", usage, "--role and --name are required");
    if (a.tenant && strcmp(a.role, CURVE_ROLE_CLIENT) != 0)
        return cli_usage_error("keygen", usage, "--tenant is for client certificates");
    int rc = curve_keygen(a.dir, a.name, a.role);
    if (rc == AL_OK && a.tenant)
        rc = s_set_tenant(a.dir, a.name, a.tenant);
    if (rc != AL_OK) {
        fprintf(stderr, "airlock keygen: %s\n", al_err_msg());
        return CLI_ERROR;
    }
    if (cli->json)
        printf("{\"public\":\"%s/%s.key\",\"secret\":\"%s/%s.key_secret\"}\n", a.dir, a.name, a.dir, a.name);
    else
        printf("wrote %s/%s.key (public: copy it into airlockd's certs_dir to allow this %s)\n"
               "wrote %s/%s.key_secret (secret: keep it on this machine, mode 0600)\n",
               a.dir, a.name, a.role, a.dir, a.name);
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

typedef struct {
    const char *public_key, *since, *seed;
} audit_args_t;

static int s_audit_opt(void *ctx, int id, const char *arg)
{
    audit_args_t *a = ctx;
    *(id == 'p' ? &a->public_key : id == 's' ? &a->since : &a->seed) = arg;
    return AL_OK;
}

int cmd_audit(cli_t *cli)
{
    static const char *usage = "audit verify [--public-key PEM] | audit sample N [--since WHEN] [--seed S]   "
                               "(database from --db or AIRLOCK_CLIENT_DB)";
    static const struct option opts[] = {
        { "public-key", required_argument, NULL, 'p' }, { "since", required_argument, NULL, 's' },
        { "seed", required_argument, NULL, 'S' }, { NULL, 0, NULL, 0 },
    };
    audit_args_t a = { NULL, NULL, NULL };
    int prc = cli_parse(cli, "audit", usage, opts, s_audit_opt, &a, 1, 2);
    if (prc != CLI_OK)
        return prc;
    if (strcmp(cli->pos[0], "sample") == 0) {
        if (a.public_key || cli->npos != 2)
            return cli_usage_error("audit", usage, "audit sample takes N and [--since] [--seed]");
        return cli_audit_sample(cli, cli->pos[1], a.since, a.seed);
    }
    if (strcmp(cli->pos[0], "verify") != 0 || cli->npos != 1 || a.since || a.seed)
        return cli_usage_error("audit", usage, "expected `verify` or `sample N`");
    const char *pubkey = a.public_key;
    int code = CLI_OK;
    store_db_t *db = cli_db_open(cli, "audit verify", &code);
    if (!db)
        return code;
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
