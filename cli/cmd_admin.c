/*
 * cmd_admin.c: workers, keygen (audit: cmd_audit.c).
 */
#include "cli/cli.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/proto/proto.h"

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
    const char *role, *name, *dir, *tenant, *access;
} keygen_args_t;

static int s_keygen_opt(void *ctx, int id, const char *arg)
{
    keygen_args_t *a = ctx;
    const char **dst = id == 'r' ? &a->role : id == 'n' ? &a->name : id == 'd' ? &a->dir
                       : id == 'a' ? &a->access : &a->tenant;
    *dst = arg;
    return AL_OK;
}

/* Writes `tenant = T` and `access = A` (each when not NULL) into both files
 * of the new certificate (orchestrator/tenancy.h). */
static int s_set_meta(const char *dir, const char *name, const char *tenant, const char *access)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.key_secret", dir, name);
    zcert_t *cert = NULL;
    int rc = curve_cert_load(path, &cert);
    if (rc != AL_OK)
        return rc;
    if (tenant)
        zcert_set_meta(cert, "tenant", "%s", tenant);
    if (access)
        zcert_set_meta(cert, "access", "%s", access);
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    rc = zcert_save(cert, path) == 0 ? AL_OK : al_err_set(AL_EIO, "cannot write %s", path);
    zcert_destroy(&cert);
    return rc;
}

int cmd_keygen(cli_t *cli)
{
    static const char *usage = "keygen --role worker|client|server --name NAME [--dir DIR] [--tenant TENANT] "
                               "[--access reader|admin]";
    static const struct option opts[] = {
        { "role", required_argument, NULL, 'r' }, { "name", required_argument, NULL, 'n' },
        { "dir", required_argument, NULL, 'd' }, { "tenant", required_argument, NULL, 't' },
        { "access", required_argument, NULL, 'a' }, { NULL, 0, NULL, 0 },
    };
    keygen_args_t a = { NULL, NULL, ".", NULL, NULL };
    int prc = cli_parse(cli, "keygen", usage, opts, s_keygen_opt, &a, 0, 0);
    if (prc != CLI_OK)
        return prc;
    if (!a.role || !a.name)
        return cli_usage_error("keygen", usage, "--role and --name are required");
    if ((a.tenant || a.access) && strcmp(a.role, CURVE_ROLE_CLIENT) != 0)
        return cli_usage_error("keygen", usage, "--tenant and --access are for client certificates");
    if (a.access && strcmp(a.access, "reader") != 0 && strcmp(a.access, "admin") != 0)
        return cli_usage_error("keygen", usage, "--access is reader (sees every tenant's jobs) or admin "
                               "(also cancels them)");
    int rc = curve_keygen(a.dir, a.name, a.role);
    if (rc == AL_OK && (a.tenant || a.access))
        rc = s_set_meta(a.dir, a.name, a.tenant, a.access);
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
