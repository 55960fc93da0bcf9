/*
 * audit_checkpoint.c: version-2 checkpoints of the audit chain head: the
 * signed message, the chain hash, signing (OpenSSL EVP), storing, reading
 * the last one, and the exported head (JSON). The verifier is in
 * audit_checkpoint_verify.c. See audit_checkpoint.h.
 *
 * Owns nothing beyond one call: PGresults, digest contexts and JSON objects
 * are freed before each function returns.
 */
#include "orchestrator/store/audit_checkpoint_internal.h"

#include "common/error.h"
#include "common/log.h"

#include <inttypes.h>
#include <jansson.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_MAX 512
#define HEAD_FORMAT "airlock-audit-head-v1"

void store_hex(const uint8_t *in, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", in[i]);
    out[2 * len] = '\0';
}

int store_unhex(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = hex ? strlen(hex) : 1;
    if (n % 2 != 0 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (!strchr("0123456789abcdef", hex[2 * i]) || !strchr("0123456789abcdef", hex[2 * i + 1]) ||
            sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    *len = n / 2;
    return 0;
}

/* F(v) of audit.h appended at buf + *at. */
static void s_field(char *buf, size_t size, size_t *at, const char *v)
{
    int n = snprintf(buf + *at, *at < size ? size - *at : 0, "%zu:%s,", strlen(v), v);
    *at += n > 0 ? (size_t)n : 0;
}

/* The fields of a checkpoint as text, as they are signed and stored. */
typedef struct {
    char seq[24], head[24], at_us[24], interval[16], hash[65], prev[65];
} ck_text_t;

static void s_text(const store_checkpoint_t *c, ck_text_t *t)
{
    snprintf(t->seq, sizeof t->seq, "%" PRId64, c->seq);
    snprintf(t->head, sizeof t->head, "%" PRId64, c->head_id);
    snprintf(t->at_us, sizeof t->at_us, "%" PRId64, c->signed_at_us);
    snprintf(t->interval, sizeof t->interval, "%d", c->interval_s);
    store_hex(c->head_hash, 32, t->hash);
    store_hex(c->prev, 32, t->prev);
}

int store_checkpoint_message(const store_checkpoint_t *c, char *buf, size_t size)
{
    ck_text_t t;
    s_text(c, &t);
    size_t at = (size_t)snprintf(buf, size, "airlock-audit-checkpoint-v2|");
    s_field(buf, size, &at, t.seq);
    s_field(buf, size, &at, t.head);
    s_field(buf, size, &at, t.hash);
    s_field(buf, size, &at, t.at_us);
    s_field(buf, size, &at, t.interval);
    s_field(buf, size, &at, c->final ? "1" : "0");
    s_field(buf, size, &at, t.prev);
    return at < size ? (int)at : -1;
}

int store_checkpoint_chain_hash(const store_checkpoint_t *c, uint8_t out[32])
{
    char msg[MSG_MAX];
    unsigned len = 0;
    int n = store_checkpoint_message(c, msg, sizeof msg);
    if (n < 0 || EVP_Digest(msg, (size_t)n, out, &len, EVP_sha256(), NULL) != 1 || len != 32)
        return al_err_set(AL_ECRYPTO, "SHA-256 of checkpoint %" PRId64 " failed", c->seq);
    return 0;
}

int store_audit_key_id(EVP_PKEY *key, char out[65])
{
    unsigned char *der = NULL, md[32];
    unsigned int mdlen = 0;
    if (!key || !out)
        return al_err_set(AL_EINVAL, "store_audit_key_id: key and out are required");
    int len = i2d_PUBKEY(key, &der);
    int ok = len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) == 1;
    OPENSSL_free(der);
    if (!ok || mdlen != 32)
        return al_err_set(AL_ECRYPTO, "cannot encode the audit checkpoint public key");
    store_hex(md, 32, out);
    return 0;
}

/* Ed25519/Ed448 sign the message itself; other key types sign its SHA-256. */
static const EVP_MD *s_md(EVP_PKEY *key)
{
    int id = EVP_PKEY_get_id(key);
    return id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? NULL : EVP_sha256();
}

int store_checkpoint_sign(store_checkpoint_t *c, EVP_PKEY *key)
{
    char msg[MSG_MAX];
    if (!c || !key)
        return al_err_set(AL_EINVAL, "store_checkpoint_sign: checkpoint and key are required");
    int len = store_checkpoint_message(c, msg, sizeof msg);
    int rc = len < 0 ? al_err_set(AL_EINVAL, "checkpoint message too long") : store_audit_key_id(key, c->key_id);
    if (rc != 0)
        return rc;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t need = 0;
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, s_md(key), NULL, key) == 1 &&
             EVP_DigestSign(ctx, NULL, &need, (const unsigned char *)msg, (size_t)len) == 1 &&
             need <= sizeof c->sig;
    c->sig_len = need;
    ok = ok && EVP_DigestSign(ctx, c->sig, &c->sig_len, (const unsigned char *)msg, (size_t)len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : al_err_set(AL_ECRYPTO, "signing the audit checkpoint failed (is this a private key?)");
}

int store_checkpoint_signature_ok(const store_checkpoint_t *c, EVP_PKEY *key)
{
    char msg[MSG_MAX], id[65];
    int len = store_checkpoint_message(c, msg, sizeof msg);
    if (len < 0 || store_audit_key_id(key, id) != 0 || strcmp(id, c->key_id) != 0)
        return 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, s_md(key), NULL, key) == 1 &&
             EVP_DigestVerify(ctx, c->sig, c->sig_len, (const unsigned char *)msg, (size_t)len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

int store_checkpoint_insert(store_db_t *db, const store_checkpoint_t *c, int64_t *id)
{
    char sig[2 * STORE_CHECKPOINT_SIG_MAX + 1];
    ck_text_t t;
    PGresult *res = NULL;
    s_text(c, &t);
    store_hex(c->sig, c->sig_len, sig);
    const char *params[] = { t.seq, t.head, t.hash, t.at_us, t.interval, c->final ? "true" : "false", t.prev,
                             c->key_id, sig };
    int rc = store_db_exec(db, &res, "INSERT INTO audit_checkpoints (version, seq, head_id, head_hash, "
                           "signed_at_us, interval_s, final, prev_hash, key_id, signature) VALUES (2, $1, $2, "
                           "decode($3, 'hex'), $4, $5, $6, decode($7, 'hex'), $8, decode($9, 'hex')) RETURNING id",
                           9, params);
    if (rc == 0 && id)
        *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return rc == 0 ? 0 : al_err_wrap(rc, "storing audit checkpoint %" PRId64, c->seq);
}

/* Fills c from the columns of CHECKPOINT_COLUMNS at row r, starting at col. */
int store_checkpoint_from_row(const PGresult *res, int r, int col, store_checkpoint_t *c)
{
    size_t n = 0;
    memset(c, 0, sizeof *c);
    c->seq = strtoll(PQgetvalue(res, r, col), NULL, 10);
    c->head_id = strtoll(PQgetvalue(res, r, col + 1), NULL, 10);
    c->signed_at_us = strtoll(PQgetvalue(res, r, col + 3), NULL, 10);
    c->interval_s = atoi(PQgetvalue(res, r, col + 4));
    c->final = PQgetvalue(res, r, col + 5)[0] == 't';
    snprintf(c->key_id, sizeof c->key_id, "%s", PQgetvalue(res, r, col + 7));
    if (store_unhex(PQgetvalue(res, r, col + 2), c->head_hash, 32, &n) != 0 || n != 32 ||
        store_unhex(PQgetvalue(res, r, col + 6), c->prev, 32, &n) != 0 || n != 32 ||
        store_unhex(PQgetvalue(res, r, col + 8), c->sig, sizeof c->sig, &c->sig_len) != 0)
        return al_err_set(AL_ESTATE, "audit checkpoint seq %" PRId64 " is malformed", c->seq);
    return 0;
}

int store_checkpoint_last(store_db_t *db, store_checkpoint_t *out, int *found)
{
    PGresult *res = NULL;
    *found = 0;
    int rc = store_db_exec(db, &res, "SELECT " STORE_CHECKPOINT_COLUMNS " FROM audit_checkpoints c "
                           "WHERE c.version = 2 ORDER BY c.seq DESC LIMIT 1", 0, NULL);
    if (rc == 0 && PQntuples(res) == 1) {
        rc = store_checkpoint_from_row(res, 0, 0, out);
        *found = rc == 0;
    }
    PQclear(res);
    return rc;
}

int store_audit_head_read(store_db_t *db, int64_t *id, uint8_t hash[32])
{
    PGresult *res = NULL;
    size_t n = 0;
    int rc = store_db_exec(db, &res, "SELECT last_id, encode(last_hash, 'hex') FROM audit_head WHERE one", 0, NULL);
    if (rc == 0 && (PQntuples(res) != 1 || store_unhex(PQgetvalue(res, 0, 1), hash, 32, &n) != 0 || n != 32))
        rc = al_err_set(AL_ESTATE, "audit_head has no (valid) row");
    if (rc == 0)
        *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return rc;
}

int store_audit_row_hash_read(store_db_t *db, int64_t id, uint8_t hash[32], int *found)
{
    PGresult *res = NULL;
    char sid[24];
    size_t n = 0;
    snprintf(sid, sizeof sid, "%" PRId64, id);
    const char *params[] = { sid };
    *found = 0;
    int rc = store_db_exec(db, &res, "SELECT encode(" STORE_AUDIT_CHAIN_HASH ", 'hex') FROM (SELECT $1::int8 AS id) x "
                           STORE_AUDIT_CHAIN_JOIN("x.id") " WHERE a.id IS NOT NULL", 1, params);
    if (rc == 0 && PQntuples(res) == 1 && store_unhex(PQgetvalue(res, 0, 0), hash, 32, &n) == 0 && n == 32)
        *found = 1;
    PQclear(res);
    return rc;
}

char *store_checkpoint_to_json(const store_checkpoint_t *c)
{
    char hash[65], prev[65], sig[2 * STORE_CHECKPOINT_SIG_MAX + 1];
    store_hex(c->head_hash, 32, hash);
    store_hex(c->prev, 32, prev);
    store_hex(c->sig, c->sig_len, sig);
    json_t *o = json_pack("{s:s, s:I, s:I, s:s, s:I, s:i, s:b, s:s, s:s, s:s}", "format", HEAD_FORMAT,
                          "seq", (json_int_t)c->seq, "head_id", (json_int_t)c->head_id, "head_hash", hash,
                          "signed_at_us", (json_int_t)c->signed_at_us, "interval_s", c->interval_s,
                          "final", c->final, "prev", prev, "key_id", c->key_id, "signature", sig);
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return text;
}

int store_checkpoint_from_json(const char *text, store_checkpoint_t *out)
{
    json_error_t e;
    json_t *o = json_loads(text ? text : "", JSON_REJECT_DUPLICATES, &e);
    const char *format = NULL, *hash = NULL, *prev = NULL, *key_id = NULL, *sig = NULL;
    json_int_t seq = 0, head = 0, at = 0, interval = 0;
    int final = 0;
    size_t n1 = 0, n2 = 0;
    memset(out, 0, sizeof *out);
    int ok = o && json_unpack_ex(o, &e, JSON_STRICT, "{s:s, s:I, s:I, s:s, s:I, s:I, s:b, s:s, s:s, s:s}",
                                 "format", &format, "seq", &seq, "head_id", &head, "head_hash", &hash,
                                 "signed_at_us", &at, "interval_s", &interval, "final", &final, "prev", &prev,
                                 "key_id", &key_id, "signature", &sig) == 0;
    ok = ok && strcmp(format, HEAD_FORMAT) == 0 && seq >= 1 && head >= 0 && interval >= 1 &&
         interval <= 86400 && strlen(key_id) == 64 && strspn(key_id, "0123456789abcdef") == 64 &&
         store_unhex(hash, out->head_hash, 32, &n1) == 0 && n1 == 32 &&
         store_unhex(prev, out->prev, 32, &n2) == 0 && n2 == 32 &&
         store_unhex(sig, out->sig, sizeof out->sig, &out->sig_len) == 0 && out->sig_len > 0;
    if (ok) {
        out->seq = seq;
        out->head_id = head;
        out->signed_at_us = at;
        out->interval_s = (int)interval;
        out->final = final;
        snprintf(out->key_id, sizeof out->key_id, "%s", key_id);
    }
    json_decref(o);
    return ok ? 0 : al_err_set(AL_EINVAL, "not an exported audit head (%s): expected the JSON object "
                               "`airlock audit head` prints", o ? "fields" : e.text);
}
