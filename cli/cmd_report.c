/*
 * cmd_report.c: commands that read PostgreSQL directly (a read-only role is
 * enough): `airlock sarif JOB`, `airlock checks JOB` (the report builders of
 * orchestrator/api/report.h, the same as the HTTP API's), and `airlock
 * token`, which makes an HTTP API bearer token and its api_tokens line.
 */
#include "cli/cli.h"
#include "common/error.h"
#include "orchestrator/api/report.h"
#include "orchestrator/store/db.h"
#include "common/digest.h"

#include <getopt.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

store_db_t *cli_db_open(cli_t *cli, const char *what, int *code)
{
    const char *conninfo = al_config_str(cli->cfg, "client_db");
    store_db_t *db = NULL;
    if (!conninfo || !*conninfo) {
        fprintf(stderr, "airlock %s: no database (--db CONNINFO or AIRLOCK_CLIENT_DB)\n", what);
        *code = CLI_USAGE;
        return NULL;
    }
    if (store_db_connect(&db, conninfo) != AL_OK) {
        fprintf(stderr, "airlock %s: %s\n", what, al_err_msg());
        *code = CLI_UNREACHABLE;
        return NULL;
    }
    return db;
}

static int s_print_json(json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text)
        return CLI_ERROR;
    printf("%s\n", text);
    free(text);
    return CLI_OK;
}

/* Loads the job and prints what build() makes of it. */
static int s_report(cli_t *cli, const char *what, json_t *(*build)(const report_job_t *), const char *head_sha)
{
    int code = CLI_OK;
    store_db_t *db = cli_db_open(cli, what, &code);
    if (!db)
        return code;
    report_job_t *job = NULL;
    int rc = report_job_load(db, cli->pos[0], &job);
    store_db_destroy(&db);
    if (rc != AL_OK) {
        fprintf(stderr, "airlock %s: %s\n", what, al_err_msg());
        return rc == AL_ENOTFOUND ? CLI_NOT_FOUND : CLI_ERROR;
    }
    if (head_sha) {
        free(job->head_sha);
        job->head_sha = strdup(head_sha);
    }
    code = s_print_json(build(job));
    report_job_destroy(&job);
    return code;
}

static int s_sha_opt(void *ctx, int id, const char *arg)
{
    (void)id;
    size_t n = strlen(arg);
    if (n != 40 || strspn(arg, "0123456789abcdef") != n)
        return al_err_set(AL_EINVAL, "--head-sha must be a 40-digit lower-case commit id");
    *(const char **)ctx = arg;
    return AL_OK;
}

int cmd_sarif(cli_t *cli)
{
    int rc = cli_parse(cli, "sarif", "sarif JOB_ID [--db CONNINFO]", NULL, NULL, NULL, 1, 1);
    return rc == CLI_OK ? s_report(cli, "sarif", report_sarif, NULL) : rc;
}

int cmd_checks(cli_t *cli)
{
    static const struct option opts[] = { { "head-sha", required_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *sha = NULL;
    int rc = cli_parse(cli, "checks", "checks JOB_ID [--head-sha SHA] [--db CONNINFO]", opts, s_sha_opt, &sha, 1, 1);
    return rc == CLI_OK ? s_report(cli, "checks", report_checks, sha) : rc;
}

typedef struct {
    const char *name, *identity, *scopes;
} token_args_t;

static int s_token_opt(void *ctx, int id, const char *arg)
{
    token_args_t *a = ctx;
    *(id == 'n' ? &a->name : id == 'i' ? &a->identity : &a->scopes) = arg;
    for (const char *c = arg; *c; c++)
        if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') && !(*c >= '0' && *c <= '9') &&
            !strchr("._-,", *c))
            return al_err_set(AL_EINVAL, "'%s': letters, digits, '.', '_', '-' (and ',' between scopes) only", arg);
    return AL_OK;
}

int cmd_token(cli_t *cli)
{
    static const char *usage = "token --name NAME --identity CLIENT_CERT_NAME --scopes SCOPE[,SCOPE...]";
    static const struct option opts[] = {
        { "name", required_argument, NULL, 'n' }, { "identity", required_argument, NULL, 'i' },
        { "scopes", required_argument, NULL, 's' }, { NULL, 0, NULL, 0 },
    };
    token_args_t a = { NULL, NULL, NULL };
    int rc = cli_parse(cli, "token", usage, opts, s_token_opt, &a, 0, 0);
    if (rc != CLI_OK)
        return rc;
    if (!a.name || !a.identity || !a.scopes)
        return cli_usage_error("token", usage, "--name, --identity and --scopes are required");
    unsigned char raw[32];
    char token[64] = "alk_", hex[65];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return CLI_ERROR;
    EVP_EncodeBlock((unsigned char *)token + 4, raw, 30);   /* 40 characters */
    for (char *c = token + 4; *c; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    al_sha256_hex(token, strlen(token), hex);
    if (cli->json)
        printf("{\"token\":\"%s\",\"line\":\"%s %s %s %s\"}\n", token, a.name, hex, a.identity, a.scopes);
    else
        printf("token (shown once; give it to the client, keep it secret):\n  %s\n"
               "line for airlockd's api_tokens file:\n  %s %s %s %s\n",
               token, a.name, hex, a.identity, a.scopes);
    return CLI_OK;
}
