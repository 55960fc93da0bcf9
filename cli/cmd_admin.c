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

/* Certificate metadata keygen can write, and for which role: a client's
 * tenancy (orchestrator/tenancy/tenancy.h), a worker's pinned capabilities
 * (orchestrator/worker_caps.h). */
static const struct {
    int id;
    const char *option, *meta, *role;
} s_meta[] = {
    { 't', "tenant", "tenant", CURVE_ROLE_CLIENT },
    { 'a', "access", "access", CURVE_ROLE_CLIENT },
    { 'D', "drivers", "drivers", CURVE_ROLE_WORKER },
    { 'S', "max-slots", "max_slots", CURVE_ROLE_WORKER },
    { 'L', "labels", "labels", CURVE_ROLE_WORKER },
};
#define NMETA (sizeof s_meta / sizeof s_meta[0])

typedef struct {
    const char *role, *name, *dir;
    const char *meta[NMETA];
    int any_meta;
} keygen_args_t;

static int s_keygen_opt(void *ctx, int id, const char *arg)
{
    keygen_args_t *a = ctx;
    for (size_t i = 0; i < NMETA; i++)
        if (s_meta[i].id == id) {
            a->meta[i] = arg;
            a->any_meta = 1;
        }
    if (id == 'r' || id == 'n' || id == 'd')
        *(id == 'r' ? &a->role : id == 'n' ? &a->name : &a->dir) = arg;
    return AL_OK;
}

/* Writes the metadata given into both files of the new certificate. */
static int s_set_meta(const keygen_args_t *a)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.key_secret", a->dir, a->name);
    zcert_t *cert = NULL;
    int rc = curve_cert_load(path, &cert);
    if (rc != AL_OK)
        return rc;
    for (size_t i = 0; i < NMETA; i++)
        if (a->meta[i])
            zcert_set_meta(cert, s_meta[i].meta, "%s", a->meta[i]);
    snprintf(path, sizeof path, "%s/%s.key", a->dir, a->name);
    rc = zcert_save(cert, path) == 0 ? AL_OK : al_err_set(AL_EIO, "cannot write %s", path);
    zcert_destroy(&cert);
    return rc;
}

/* The usage error for metadata that does not fit the role, or NULL. */
static const char *s_meta_misfit(const keygen_args_t *a)
{
    static char why[128];
    for (size_t i = 0; i < NMETA; i++)
        if (a->meta[i] && strcmp(a->role, s_meta[i].role) != 0) {
            snprintf(why, sizeof why, "--%s is for %s certificates", s_meta[i].option, s_meta[i].role);
            return why;
        }
    const char *access = a->meta[1], *slots = a->meta[3];
    if (access && strcmp(access, "reader") != 0 && strcmp(access, "admin") != 0)
        return "--access is reader (sees every tenant's jobs) or admin (also cancels them)";
    if (slots && (!*slots || strspn(slots, "0123456789") != strlen(slots)))
        return "--max-slots is a number";
    return NULL;
}

int cmd_keygen(cli_t *cli)
{
    static const char *usage = "keygen --role worker|client|server --name NAME [--dir DIR] [--tenant TENANT] "
                               "[--access reader|admin] [--drivers D,D] [--max-slots N] [--labels K=V,K=V]";
    static const struct option opts[] = {
        { "role", required_argument, NULL, 'r' }, { "name", required_argument, NULL, 'n' },
        { "dir", required_argument, NULL, 'd' }, { "tenant", required_argument, NULL, 't' },
        { "access", required_argument, NULL, 'a' }, { "drivers", required_argument, NULL, 'D' },
        { "max-slots", required_argument, NULL, 'S' }, { "labels", required_argument, NULL, 'L' },
        { NULL, 0, NULL, 0 },
    };
    keygen_args_t a = { .dir = "." };
    int prc = cli_parse(cli, "keygen", usage, opts, s_keygen_opt, &a, 0, 0);
    if (prc != CLI_OK)
        return prc;
    if (!a.role || !a.name)
        return cli_usage_error("keygen", usage, "--role and --name are required");
    const char *misfit = s_meta_misfit(&a);
    if (misfit)
        return cli_usage_error("keygen", usage, "%s", misfit);
    int rc = curve_keygen(a.dir, a.name, a.role);
    if (rc == AL_OK && a.any_meta)
        rc = s_set_meta(&a);
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
