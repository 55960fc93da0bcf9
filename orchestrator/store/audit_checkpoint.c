/*
 * audit_checkpoint.c: signs the audit chain head with the orchestrator's key
 * and verifies the stored checkpoints with the public key (OpenSSL EVP).
 *
 * Owns nothing beyond one call: PGresults, digest contexts and signature
 * buffers are freed before each function returns. See audit_checkpoint.h.
 */
#include "orchestrator/store/audit_checkpoint.h"

#include "common/error.h"
#include "common/log.h"

#include <inttypes.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIG_MAX 1024
#define MSG_MAX 256

static void s_hex(const unsigned char *in, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", in[i]);
    out[2 * len] = '\0';
}

static int s_unhex(const char *hex, unsigned char *out, size_t cap, size_t *len)
{
    size_t n = strlen(hex);
    if (n % 2 != 0 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    *len = n / 2;
    return 0;
}

/* The signed message; see audit_checkpoint.h. */
static int s_message(char *buf, size_t size, const char *head_id, const char *hash_hex,
                     const char *signed_at_us)
{
    int n = snprintf(buf, size, "airlock-audit-checkpoint-v1|%zu:%s,%zu:%s,%zu:%s,",
                     strlen(head_id), head_id, strlen(hash_hex), hash_hex,
                     strlen(signed_at_us), signed_at_us);
    return n > 0 && (size_t)n < size ? n : -1;
}

/* Ed25519/Ed448 sign the message itself; other key types sign its SHA-256. */
static const EVP_MD *s_md(EVP_PKEY *key)
{
    int id = EVP_PKEY_get_id(key);
    return id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? NULL : EVP_sha256();
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
    s_hex(md, 32, out);
    return 0;
}

static int s_sign(EVP_PKEY *key, const char *msg, size_t len, unsigned char *sig, size_t *siglen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t need = 0;
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, s_md(key), NULL, key) == 1 &&
             EVP_DigestSign(ctx, NULL, &need, (const unsigned char *)msg, len) == 1 &&
             need <= SIG_MAX;
    *siglen = need;
    ok = ok && EVP_DigestSign(ctx, sig, siglen, (const unsigned char *)msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : al_err_set(AL_ECRYPTO, "signing the audit checkpoint failed "
                               "(is this a private key?)");
}

static int s_verify(EVP_PKEY *key, const char *msg, size_t len, const unsigned char *sig,
                    size_t siglen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, s_md(key), NULL, key) == 1 &&
             EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

int store_audit_checkpoint(store_db_t *db, EVP_PKEY *private_key, int64_t *checkpoint_id)
{
    PGresult *res = NULL;
    unsigned char sig[SIG_MAX];
    char msg[MSG_MAX], key_id[65], now_us[24], sig_hex[2 * SIG_MAX + 1];
    size_t siglen = 0;
    if (checkpoint_id)
        *checkpoint_id = 0;
    if (!db || !private_key)
        return al_err_set(AL_EINVAL, "store_audit_checkpoint: db and private_key are required");
    int rc = store_audit_key_id(private_key, key_id);
    if (rc == 0)
        rc = store_db_exec(db, &res, "SELECT last_id, encode(last_hash, 'hex') FROM audit_head "
                           "WHERE one", 0, NULL);
    if (rc != 0)
        goto done;
    if (PQntuples(res) != 1) {
        rc = al_err_set(AL_ESTATE, "audit_head has no row");
        goto done;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(now_us, sizeof now_us, "%" PRId64, (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
    const char *head_id = PQgetvalue(res, 0, 0), *hash = PQgetvalue(res, 0, 1);
    int len = s_message(msg, sizeof msg, head_id, hash, now_us);
    rc = len < 0 ? al_err_set(AL_EINVAL, "audit checkpoint message too long")
                 : s_sign(private_key, msg, (size_t)len, sig, &siglen);
    if (rc != 0)
        goto done;
    s_hex(sig, siglen, sig_hex);
    const char *params[] = {head_id, hash, now_us, key_id, sig_hex};
    PGresult *ins = NULL;
    rc = store_db_exec(db, &ins, "INSERT INTO audit_checkpoints (head_id, head_hash, signed_at_us, "
                       "key_id, signature) VALUES ($1, decode($2, 'hex'), $3, $4, decode($5, 'hex')) "
                       "RETURNING id", 5, params);
    if (rc == 0 && checkpoint_id)
        *checkpoint_id = strtoll(PQgetvalue(ins, 0, 0), NULL, 10);
    PQclear(ins);
    if (rc == 0)
        al_info("store.audit.checkpoint", "head_id=%s key_id=%.16s", head_id, key_id);
done:
    PQclear(res);
    return rc;
}

/* One checkpoint row: 0 = verifies, 1 = bad. */
static int s_checkpoint_bad(const PGresult *res, int r, EVP_PKEY *key, const char *key_id)
{
    static const char zero_hex[] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    const char *head_id = PQgetvalue(res, r, 1), *hash = PQgetvalue(res, r, 2);
    unsigned char sig[SIG_MAX];
    size_t siglen = 0;
    char msg[MSG_MAX];
    if (strcmp(PQgetvalue(res, r, 4), key_id) != 0)
        return 1;                                   /* signed by another key */
    if (strcmp(head_id, "0") == 0 ? strcmp(hash, zero_hex) != 0
                                  : PQgetisnull(res, r, 6) || strcmp(PQgetvalue(res, r, 6), hash) != 0)
        return 1;                                   /* the row changed or is gone */
    int len = s_message(msg, sizeof msg, head_id, hash, PQgetvalue(res, r, 3));
    if (len < 0 || s_unhex(PQgetvalue(res, r, 5), sig, sizeof sig, &siglen) != 0)
        return 1;
    return !s_verify(key, msg, (size_t)len, sig, siglen);
}

int store_audit_checkpoints_verify(store_db_t *db, EVP_PKEY *public_key, int64_t *first_bad_id,
                                   int64_t *rows_out)
{
    PGresult *res = NULL;
    char key_id[65];
    if (first_bad_id)
        *first_bad_id = 0;
    if (rows_out)
        *rows_out = 0;
    if (!db || !public_key || !first_bad_id)
        return al_err_set(AL_EINVAL, "store_audit_checkpoints_verify: db, public_key and "
                          "first_bad_id are required");
    int rc = store_audit_key_id(public_key, key_id);
    if (rc == 0)
        rc = store_db_exec(db, &res, "SELECT c.id, c.head_id, encode(c.head_hash, 'hex'), "
                           "c.signed_at_us, c.key_id, encode(c.signature, 'hex'), "
                           "encode(a.hash, 'hex') FROM audit_checkpoints c "
                           "LEFT JOIN audit_log a ON a.id = c.head_id ORDER BY c.id", 0, NULL);
    if (rc != 0)
        return al_err_wrap(rc, "audit checkpoints");
    int n = PQntuples(res);
    for (int r = 0; r < n; r++) {
        if (s_checkpoint_bad(res, r, public_key, key_id)) {
            *first_bad_id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
            rc = al_err_set(AL_ESTATE, "audit checkpoint %" PRId64 " (head id %s) does not verify "
                            "with key %.16s...", *first_bad_id, PQgetvalue(res, r, 1), key_id);
            break;
        }
        if (rows_out)
            (*rows_out)++;
    }
    PQclear(res);
    return rc;
}
