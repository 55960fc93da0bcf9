/*
 * cmd_audit.c: `airlock audit verify|head|sample` over the database (a member
 * of airlock_reader is enough).
 *
 *   verify [--public-key PEM [--expect-head FILE] [--grace S]]
 *       recomputes the hash chain; with the signer's public key also checks
 *       the numbered, chained checkpoints: gaps, rollbacks, rows cut from the
 *       tail, no checkpoint when one was due (interval + --grace), and, with
 *       --expect-head, that an exported head is still in the log. Without a
 *       key, removal cannot be detected and the output says so.
 *   head [--out FILE]
 *       prints the last signed checkpoint as JSON (keep copies outside the
 *       database: they anchor the log for `verify --expect-head`).
 */
#include "cli/cli.h"
#include "common/error.h"
#include "orchestrator/store/audit.h"
#include "orchestrator/store/audit_checkpoint.h"
#include "orchestrator/store/db.h"

#include <getopt.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GRACE_DEFAULT_S 120
#define HEAD_FILE_MAX 16384

typedef struct {
    const char *public_key, *since, *seed, *expect, *out;
    long grace_s;
} audit_args_t;

static int s_audit_opt(void *ctx, int id, const char *arg)
{
    audit_args_t *a = ctx;
    switch (id) {
    case 'p': a->public_key = arg; return AL_OK;
    case 's': a->since = arg; return AL_OK;
    case 'S': a->seed = arg; return AL_OK;
    case 'e': a->expect = arg; return AL_OK;
    case 'o': a->out = arg; return AL_OK;
    default: return cli_parse_int(arg, 0, 86400, "--grace", &a->grace_s);
    }
}

static EVP_PKEY *s_public_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *key = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    if (!key)
        fprintf(stderr, "airlock audit verify: %s is not a PEM public key\n", path);
    return key;
}

static int s_read_head(const char *path, store_checkpoint_t *out)
{
    char buf[HEAD_FILE_MAX + 1];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, HEAD_FILE_MAX, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    if (!f || n == 0 || n == HEAD_FILE_MAX) {
        fprintf(stderr, "airlock audit verify: cannot read the exported head %s\n", path);
        return CLI_USAGE;
    }
    if (store_checkpoint_from_json(buf, out) != AL_OK) {
        fprintf(stderr, "airlock audit verify: %s: %s\n", path, al_err_msg());
        return CLI_USAGE;
    }
    return CLI_OK;
}

static void s_time(int64_t us, char out[32])
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The checkpoints, with the public key at a->public_key. */
static int s_checkpoints(cli_t *cli, store_db_t *db, const audit_args_t *a)
{
    store_checkpoint_t expect;
    int code = a->expect ? s_read_head(a->expect, &expect) : CLI_OK;
    EVP_PKEY *key = code == CLI_OK ? s_public_key(a->public_key) : NULL;
    if (!key)
        return code == CLI_OK ? CLI_USAGE : code;
    store_checkpoints_opts_t o = { 0, (int64_t)a->grace_s * 1000000, a->expect ? &expect : NULL };
    store_checkpoints_report_t r;
    int rc = store_audit_checkpoints_check(db, key, &o, &r);
    EVP_PKEY_free(key);
    char when[32] = "-";
    if (r.last_signed_at_us)
        s_time(r.last_signed_at_us, when);
    if (rc == AL_OK && cli->json)
        printf("{\"checkpoints_ok\":true,\"checkpoints\":%lld,\"last_seq\":%lld,\"covered_id\":%lld,"
               "\"expect_head\":%s}\n", (long long)r.checkpoints, (long long)r.last_seq, (long long)r.covered_id,
               a->expect ? "true" : "false");
    else if (rc == AL_OK)
        printf("audit checkpoints verified: %lld signed checkpoints, the last (seq %lld, %s%s) covers row %lld%s\n",
               (long long)r.checkpoints, (long long)r.last_seq, when, r.last_final ? ", final" : "",
               (long long)r.covered_id, a->expect ? "; the exported head is in the log" : "");
    else if (rc == AL_ESTATE && cli->json)
        printf("{\"checkpoints_ok\":false,\"first_bad_checkpoint\":%lld}\n", (long long)r.first_bad_id);
    else if (rc == AL_ESTATE)
        printf("audit checkpoints BROKEN: %s\n", al_err_msg());
    else
        fprintf(stderr, "airlock audit verify: %s\n", al_err_msg());
    return rc == AL_OK ? CLI_OK : CLI_ERROR;
}

static int s_verify(cli_t *cli, const audit_args_t *a)
{
    int code = CLI_OK;
    store_db_t *db = cli_db_open(cli, "audit verify", &code);
    if (!db)
        return code;
    int64_t bad = 0, rows = 0;
    int rc = store_audit_verify_count(db, &bad, &rows);
    if (rc == AL_OK && cli->json)
        printf("{\"ok\":true,\"rows\":%lld}\n", (long long)rows);
    else if (rc == AL_OK)
        printf("audit chain verified: %lld rows, no break\n", (long long)rows);
    else if (rc == AL_ESTATE && cli->json)
        printf("{\"ok\":false,\"rows\":%lld,\"first_bad_id\":%lld}\n", (long long)rows, (long long)bad);
    else if (rc == AL_ESTATE)
        printf("audit chain BROKEN: first bad row id %lld (%s)\n", (long long)bad, al_err_msg());
    else
        fprintf(stderr, "airlock audit verify: %s\n", al_err_msg());
    if (rc == AL_OK && a->public_key)
        code = s_checkpoints(cli, db, a);
    else if (rc == AL_OK && !cli->json)
        fprintf(stderr, "airlock audit verify: checkpoints not checked (no --public-key): rows removed from the "
                        "log, or a rollback, cannot be detected without them\n");
    store_db_destroy(&db);
    return rc != AL_OK ? CLI_ERROR : code;
}

static int s_head(cli_t *cli, const audit_args_t *a)
{
    int code = CLI_OK, found = 0;
    store_db_t *db = cli_db_open(cli, "audit head", &code);
    if (!db)
        return code;
    store_checkpoint_t c;
    int rc = store_checkpoint_last(db, &c, &found);
    store_db_destroy(&db);
    char *json = rc == AL_OK && found ? store_checkpoint_to_json(&c) : NULL;
    if (!json) {
        fprintf(stderr, "airlock audit head: %s\n", rc != AL_OK ? al_err_msg()
                        : found ? "out of memory" : "no signed checkpoint yet (is airlock-signer running?)");
        return CLI_ERROR;
    }
    FILE *f = a->out ? fopen(a->out, "w") : stdout;
    int ok = f && fprintf(f, "%s\n", json) > 0;
    if (f && f != stdout)
        ok = fclose(f) == 0 && ok;
    free(json);
    if (!ok) {
        fprintf(stderr, "airlock audit head: cannot write %s\n", a->out);
        return CLI_ERROR;
    }
    return CLI_OK;
}

int cmd_audit(cli_t *cli)
{
    static const char *usage = "audit verify [--public-key PEM [--expect-head FILE] [--grace S]] | audit head "
                               "[--out FILE] | audit sample N [--since WHEN] [--seed S]   (database from --db "
                               "or AIRLOCK_CLIENT_DB)";
    static const struct option opts[] = {
        { "public-key", required_argument, NULL, 'p' }, { "since", required_argument, NULL, 's' },
        { "seed", required_argument, NULL, 'S' }, { "expect-head", required_argument, NULL, 'e' },
        { "grace", required_argument, NULL, 'g' }, { "out", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 },
    };
    audit_args_t a = { NULL, NULL, NULL, NULL, NULL, GRACE_DEFAULT_S };
    int prc = cli_parse(cli, "audit", usage, opts, s_audit_opt, &a, 1, 2);
    if (prc != CLI_OK)
        return prc;
    const char *what = cli->pos[0];
    int verify_opts = a.public_key || a.expect || a.grace_s != GRACE_DEFAULT_S;
    if (strcmp(what, "sample") == 0) {
        if (verify_opts || a.out || cli->npos != 2)
            return cli_usage_error("audit", usage, "audit sample takes N and [--since] [--seed]");
        return cli_audit_sample(cli, cli->pos[1], a.since, a.seed);
    }
    if (cli->npos != 1 || a.since || a.seed)
        return cli_usage_error("audit", usage, "expected `verify`, `head` or `sample N`");
    if (strcmp(what, "head") == 0)
        return verify_opts ? cli_usage_error("audit", usage, "audit head takes only --out") : s_head(cli, &a);
    if (strcmp(what, "verify") != 0 || a.out)
        return cli_usage_error("audit", usage, "expected `verify`, `head` or `sample N`");
    if ((a.expect || a.grace_s != GRACE_DEFAULT_S) && !a.public_key)
        return cli_usage_error("audit", usage, "--expect-head and --grace need --public-key");
    return s_verify(cli, &a);
}
