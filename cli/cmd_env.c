/*
 * cmd_env.c: `airlock env build | import | list` (docs/ENVIRONMENTS.md).
 *
 * build and import make the image here (env_image.c) and upload it through
 * airlockd in 1 MiB chunks (ENV_BEGIN, ENV_CHUNK..., ENV_COMMIT): airlockd
 * checks the digest, the order of the chunks and the image's sha256 before
 * the name points at it. An image airlockd already holds is not sent again.
 */
#include "cli/cli.h"
#include "cli/env_image.h"
#include "common/envspec/envspec.h"
#include "common/error.h"
#include "common/rmtree.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1u << 20)

static const char s_usage[] =
    "usage: airlock env build SPEC.json [--name NAME] [--cache DIR] [--keep]\n"
    "       airlock env import DIR|TARBALL --name NAME [--env KEY=VALUE]... [--user NAME] [--source TEXT]\n"
    "       airlock env list\n";

typedef struct {
    int complete;
    uint64_t next;
} reply_t;

static int s_on_reply(void *ctx, const proto_msg_t *m)
{
    if (m->type != PROTO_C_ENV_REPLY)
        return 0;
    reply_t *r = ctx;
    r->complete = m->body.c_env_reply.complete;
    r->next = m->body.c_env_reply.next_offset;
    return 1;
}

static int s_send_chunks(client_t *c, const env_image_t *img, uint64_t from, char code[64])
{
    FILE *f = fopen(img->blob, "rb");
    if (!f)
        return al_err_set_errno(AL_EIO, "open %s", img->blob);
    unsigned char *buf = malloc(CHUNK);
    int rc = buf && fseek(f, (long)from, SEEK_SET) == 0 ? AL_OK : al_err_set(AL_EIO, "read %s", img->blob);
    uint64_t off = from;
    while (rc == AL_OK && off < img->blob_bytes) {
        size_t n = fread(buf, 1, CHUNK, f);
        if (n == 0) {
            rc = al_err_set(AL_EIO, "%s shrank while uploading", img->blob);
            break;
        }
        proto_msg_t *m = proto_msg_new(PROTO_C_ENV_CHUNK);
        reply_t r = { 0, 0 };
        rc = m ? AL_OK : AL_ENOMEM;
        if (rc == AL_OK) {
            proto_str_set(&m->body.c_env_chunk.digest, img->digest);
            m->body.c_env_chunk.offset = off;
            rc = proto_bin_set(&m->body.c_env_chunk.data, buf, n);
        }
        if (rc == AL_OK)
            rc = client_call(c, m, s_on_reply, &r, code);
        proto_msg_destroy(&m);
        if (rc == AL_OK && r.next != off + n)
            rc = al_err_set(AL_EPROTO, "airlockd is at offset %llu, expected %llu", (unsigned long long)r.next,
                            (unsigned long long)(off + n));
        off += n;
    }
    free(buf);
    fclose(f);
    return rc;
}

/* ENV_BEGIN, the chunks unless airlockd has the image, ENV_COMMIT. */
static int s_upload(client_t *c, const envspec_t *spec, const char *name, const env_image_t *img, int *sent,
                    char code[64])
{
    char *canon = envspec_canonical(spec, 1);
    proto_msg_t *m = canon ? proto_msg_new(PROTO_C_ENV_BEGIN) : NULL;
    reply_t r = { 0, 0 };
    int rc = m ? AL_OK : al_err_set(AL_ENOMEM, "out of memory");
    if (rc == AL_OK) {
        proto_c_env_begin_t *b = &m->body.c_env_begin;
        proto_str_set(&b->digest, img->digest);
        proto_str_set(&b->spec, canon);
        proto_str_set(&b->tree_sha256, img->tree_sha256);
        proto_str_set(&b->blob_sha256, img->blob_sha256);
        b->tree_bytes = img->tree_bytes;
        b->blob_bytes = img->blob_bytes;
        rc = client_call(c, m, s_on_reply, &r, code);
    }
    proto_msg_destroy(&m);
    free(canon);
    *sent = rc == AL_OK && !r.complete;
    if (*sent)
        rc = s_send_chunks(c, img, r.next, code);
    m = rc == AL_OK ? proto_msg_new(PROTO_C_ENV_COMMIT) : NULL;
    if (rc == AL_OK && !m)
        rc = al_err_set(AL_ENOMEM, "out of memory");
    if (rc == AL_OK) {
        proto_str_set(&m->body.c_env_commit.digest, img->digest);
        proto_str_set(&m->body.c_env_commit.name, name);
        rc = client_call(c, m, s_on_reply, &r, code);
    }
    proto_msg_destroy(&m);
    return rc;
}

static int s_register(cli_t *cli, const envspec_t *spec, const char *name, const env_image_t *img,
                      double build_s)
{
    client_t *c = cli_connect(cli);
    if (!c)
        return CLI_UNREACHABLE;
    char code[64] = "";
    int sent = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = s_upload(c, spec, name, img, &sent, code);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    client_destroy(&c);
    if (rc != AL_OK)
        return cli_call_failed("env", code);
    double up_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (cli->json)
        printf("{\"name\":\"%s\",\"digest\":\"%s\",\"size_bytes\":%llu,\"tree_bytes\":%llu,\"uploaded\":%s,"
               "\"build_s\":%.3f,\"upload_s\":%.3f}\n", name, img->digest, (unsigned long long)img->blob_bytes,
               (unsigned long long)img->tree_bytes, sent ? "true" : "false", build_s, up_s);
    else
        printf("%s -> %s (%.1f MiB image, %.1f MiB root; %s)\n", name, img->digest,
               (double)img->blob_bytes / (1 << 20), (double)img->tree_bytes / (1 << 20),
               sent ? "uploaded" : "airlockd already had it");
    return CLI_OK;
}

static char *s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(ENVSPEC_MAX_JSON + 1);
    *len = buf ? fread(buf, 1, ENVSPEC_MAX_JSON + 1, f) : 0;
    fclose(f);
    return buf;
}

/* Makes the image in a fresh work directory and registers it. */
static int s_make(cli_t *cli, envspec_t *spec, const char *source, const char *cache, int keep)
{
    char work[4096];
    const char *tmp = getenv("TMPDIR");
    snprintf(work, sizeof work, "%s/airlock-env-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(work)) {
        fprintf(stderr, "airlock env: mkdtemp %s: %s\n", work, strerror(errno));
        return CLI_ERROR;
    }
    env_image_t img;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = source ? env_image_import(spec, source, work, &img) : env_image_build(spec, work, cache, &img);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int code = CLI_ERROR;
    if (rc != AL_OK) {
        fprintf(stderr, "airlock env %s: %s\n", source ? "import" : "build", al_err_msg());
        keep = 1;   /* the log stays for the user */
    } else {
        code = s_register(cli, spec, spec->name, &img,
                          (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    }
    if (keep)
        fprintf(stderr, "airlock env: work directory kept: %s\n", work);
    else
        al_rm_tree(work);
    return code;
}

static int s_build(cli_t *cli)
{
    const char *file = NULL, *name = NULL, *cache = NULL;
    int keep = 0;
    for (int i = 1; i < cli->argc; i++) {
        if (!strcmp(cli->argv[i], "--name") && i + 1 < cli->argc)
            name = cli->argv[++i];
        else if (!strcmp(cli->argv[i], "--cache") && i + 1 < cli->argc)
            cache = cli->argv[++i];
        else if (!strcmp(cli->argv[i], "--keep"))
            keep = 1;
        else if (cli->argv[i][0] != '-' && !file)
            file = cli->argv[i];
        else
            return fprintf(stderr, "airlock env build: unexpected '%s'\n%s", cli->argv[i], s_usage), CLI_USAGE;
    }
    if (!file)
        return fputs(s_usage, stderr), CLI_USAGE;
    size_t len = 0;
    char *text = s_slurp(file, &len);
    envspec_t *spec = NULL;
    int rc = text ? envspec_parse(text, len, &spec) : al_err_set_errno(AL_EIO, "read %s", file);
    free(text);
    if (rc == AL_OK && name && !envspec_name_valid(name))
        rc = al_err_set(AL_EINVAL, "--name: must match [a-z0-9][a-z0-9._-]{0,63}");
    if (rc == AL_OK && name && (free(spec->name), !(spec->name = strdup(name))))
        rc = AL_ENOMEM;
    if (rc != AL_OK) {
        fprintf(stderr, "airlock env build: %s: %s\n", file, al_err_msg());
        envspec_destroy(&spec);
        return CLI_ERROR;
    }
    int code = s_make(cli, spec, NULL, cache, keep);
    envspec_destroy(&spec);
    return code;
}

/* The spec of an import, from the flags, as JSON for envspec_parse. */
static int s_import(cli_t *cli)
{
    const char *source = NULL, *name = NULL, *user = NULL, *desc = NULL;
    json_t *env = json_object();
    for (int i = 1; i < cli->argc && env; i++) {
        const char *a = cli->argv[i], *v = i + 1 < cli->argc ? cli->argv[i + 1] : NULL;
        const char *eq = v ? strchr(v, '=') : NULL;
        if (!strcmp(a, "--name") && v)
            name = v, i++;
        else if (!strcmp(a, "--user") && v)
            user = v, i++;
        else if (!strcmp(a, "--source") && v)
            desc = v, i++;
        else if (!strcmp(a, "--env") && eq) {
            char key[80];
            snprintf(key, sizeof key, "%.*s", (int)(eq - v), v);
            json_object_set_new(env, key, json_string(eq + 1));
            i++;
        } else if (a[0] != '-' && !source)
            source = a;
        else {
            fprintf(stderr, "airlock env import: unexpected '%s'\n%s", a, s_usage);
            json_decref(env);
            return CLI_USAGE;
        }
    }
    if (!source || !name) {
        json_decref(env);
        return fputs(s_usage, stderr), CLI_USAGE;
    }
    json_t *doc = json_pack("{s:s, s:o, s:{s:s}}", "name", name, "env", env, "import", "source", desc ? desc : source);
    if (doc && user)
        json_object_set_new(doc, "user", json_string(user));
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    envspec_t *spec = NULL;
    int rc = text ? envspec_parse(text, strlen(text), &spec) : AL_ENOMEM;
    free(text);
    if (rc != AL_OK) {
        fprintf(stderr, "airlock env import: %s\n", al_err_msg());
        return CLI_ERROR;
    }
    int code = s_make(cli, spec, source, NULL, 0);
    envspec_destroy(&spec);
    return code;
}

static int s_on_list(void *ctx, const proto_msg_t *m)
{
    if (m->type != PROTO_C_ENV_LIST_REPLY)
        return 0;
    const cli_t *cli = ctx;
    const proto_env_info_list_t *l = &m->body.c_env_list_reply.environments;
    if (!cli->json && l->count)
        printf("%-24s %-71s %10s\n", "NAME", "DIGEST", "SIZE");
    for (size_t i = 0; i < l->count; i++) {
        const proto_env_info_t *e = &l->items[i];
        if (cli->json) {
            json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:I}", "name", e->name, "digest", e->digest,
                                  "size_bytes", (json_int_t)e->size_bytes, "tree_bytes", (json_int_t)e->tree_bytes,
                                  "created_by", e->created_by, "created_us", (json_int_t)e->created_us);
            json_t *spec = o ? json_loads(e->spec, 0, NULL) : NULL;
            if (spec)
                json_object_set_new(o, "spec", spec);
            char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
            if (s)
                puts(s);
            free(s);
            json_decref(o);
        } else {
            printf("%-24s %-71s %8.1fMiB\n", e->name, e->digest, (double)e->size_bytes / (1 << 20));
        }
    }
    return 1;
}

static int s_list(cli_t *cli)
{
    if (cli->argc != 1)
        return fputs(s_usage, stderr), CLI_USAGE;
    client_t *c = cli_connect(cli);
    if (!c)
        return CLI_UNREACHABLE;
    proto_msg_t *m = proto_msg_new(PROTO_C_ENV_LIST);
    char code[64] = "";
    int rc = m ? client_call(c, m, s_on_list, cli, code) : AL_ENOMEM;
    proto_msg_destroy(&m);
    client_destroy(&c);
    return rc == AL_OK ? CLI_OK : cli_call_failed("env list", code);
}

int cmd_env(cli_t *cli)
{
    const char *sub = cli->argc ? cli->argv[0] : "";
    if (!strcmp(sub, "build"))
        return s_build(cli);
    if (!strcmp(sub, "import"))
        return s_import(cli);
    if (!strcmp(sub, "list"))
        return s_list(cli);
    fputs(s_usage, stderr);
    return CLI_USAGE;
}
