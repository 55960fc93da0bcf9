/*
 * audit_checkpoint_verify.c: store_audit_checkpoints_check(), the verifier of
 * the signed checkpoints (audit_checkpoint.h): signatures and key, the rows
 * they name, numbering without gaps, the chain of previous hashes, heads
 * that never go back, freshness (a checkpoint every interval_s + grace unless
 * the last is final), rows no checkpoint covers although one was due, and an
 * exported head the database must still hold. Version-1 checkpoints (before
 * migration 0071) are checked as they always were.
 *
 * Owns the PGresults of one call.
 */
#include "orchestrator/store/audit_checkpoint_internal.h"

#include "common/error.h"
#include "common/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MSG_MAX 512

/* Columns: 0 id, 1 version, 2.. STORE_CHECKPOINT_COLUMNS (9), 11 the chain
 * hash at the row the checkpoint names now (NULL when gone). */
static const char LIST_SQL[] =
    "SELECT c.id, c.version, " STORE_CHECKPOINT_COLUMNS ", encode(" STORE_AUDIT_CHAIN_HASH ", 'hex') "
    "FROM audit_checkpoints c " STORE_AUDIT_CHAIN_JOIN("c.head_id") " ORDER BY c.version, c.seq, c.id";
#define COL_ROW_HASH 11

typedef struct {
    EVP_PKEY *key;
    char key_id[65];
    store_checkpoints_report_t *rep;
    store_checkpoint_t prev;      /* the last v2 checkpoint verified */
    int have_prev;
} check_ctx_t;

static int64_t s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void s_time(int64_t us, char out[32])
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A checkpoint made by airlockd before 0071: key, row, signature. 1 = bad. */
static int s_v1_bad(const PGresult *res, int r, check_ctx_t *x)
{
    static const char zero[] = "0000000000000000000000000000000000000000000000000000000000000000";
    const char *head = PQgetvalue(res, r, 3), *hash = PQgetvalue(res, r, 4), *at = PQgetvalue(res, r, 5);
    uint8_t sig[STORE_CHECKPOINT_SIG_MAX];
    size_t siglen = 0;
    char msg[MSG_MAX];
    if (strcmp(PQgetvalue(res, r, 9), x->key_id) != 0)
        return 1;
    if (strcmp(head, "0") == 0 ? strcmp(hash, zero) != 0
                               : PQgetisnull(res, r, COL_ROW_HASH) || strcmp(PQgetvalue(res, r, COL_ROW_HASH), hash))
        return 1;
    int len = snprintf(msg, sizeof msg, "airlock-audit-checkpoint-v1|%zu:%s,%zu:%s,%zu:%s,", strlen(head), head,
                       strlen(hash), hash, strlen(at), at);
    if (len < 0 || (size_t)len >= sizeof msg || store_unhex(PQgetvalue(res, r, 10), sig, sizeof sig, &siglen) != 0)
        return 1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int id = EVP_PKEY_get_id(x->key);
    const EVP_MD *md = id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? NULL : EVP_sha256();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, x->key) == 1 &&
             EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)msg, (size_t)len) == 1;
    EVP_MD_CTX_free(ctx);
    return !ok;
}

/* The checks of one v2 checkpoint against the one before it. */
static int s_v2_check(const PGresult *res, int r, check_ctx_t *x, const store_checkpoint_t *c)
{
    static const uint8_t zero[32];
    uint8_t want_prev[32], row[32];
    size_t n = 0;
    int64_t expect_seq = x->have_prev ? x->prev.seq + 1 : 1;
    if (c->seq != expect_seq)
        return al_err_set(AL_ESTATE, "audit checkpoint seq %" PRId64 " is missing (the next one stored is seq %"
                          PRId64 "): checkpoints were removed", expect_seq, c->seq);
    if (x->have_prev && store_checkpoint_chain_hash(&x->prev, want_prev) != 0)
        return al_err_code();
    if (memcmp(c->prev, x->have_prev ? want_prev : zero, 32) != 0)
        return al_err_set(AL_ESTATE, "audit checkpoint seq %" PRId64 " does not chain to seq %" PRId64
                          ": checkpoints were replaced", c->seq, c->seq - 1);
    if (!store_checkpoint_signature_ok(c, x->key))
        return al_err_set(AL_ESTATE, "audit checkpoint seq %" PRId64 " is not signed by key %.16s... "
                          "(forged, altered, or another key)", c->seq, x->key_id);
    if (x->have_prev && c->head_id < x->prev.head_id)
        return al_err_set(AL_ESTATE, "audit checkpoint seq %" PRId64 " names row %" PRId64 ", below row %" PRId64
                          " of seq %" PRId64 ": the log was rolled back", c->seq, c->head_id, x->prev.head_id,
                          x->prev.seq);
    int gone = c->head_id == 0 ? memcmp(c->head_hash, zero, 32) != 0
               : PQgetisnull(res, r, COL_ROW_HASH) ||
                     store_unhex(PQgetvalue(res, r, COL_ROW_HASH), row, 32, &n) != 0 ||
                     memcmp(row, c->head_hash, 32) != 0;
    if (gone)
        return al_err_set(AL_ESTATE, "audit checkpoint seq %" PRId64 " names row %" PRId64 ", which is gone or "
                          "was rewritten", c->seq, c->head_id);
    return 0;
}

/* Walks every checkpoint; fills the report's counts. */
static int s_walk(const PGresult *res, check_ctx_t *x)
{
    store_checkpoints_report_t *rep = x->rep;
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t id = strtoll(PQgetvalue(res, r, 0), NULL, 10), head = strtoll(PQgetvalue(res, r, 3), NULL, 10);
        int rc = 0;
        store_checkpoint_t c;
        if (atoi(PQgetvalue(res, r, 1)) == 1) {
            if (s_v1_bad(res, r, x))
                rc = al_err_set(AL_ESTATE, "audit checkpoint %" PRId64 " (version 1, head row %" PRId64 ") does "
                                "not verify with key %.16s...", id, head, x->key_id);
        } else if ((rc = store_checkpoint_from_row(res, r, 2, &c)) == 0 && (rc = s_v2_check(res, r, x, &c)) == 0) {
            x->prev = c;
            x->have_prev = 1;
            rep->v2++;
            rep->last_seq = c.seq;
            rep->last_signed_at_us = c.signed_at_us;
            rep->last_final = c.final;
        }
        if (rc != 0) {
            rep->first_bad_id = id;
            return rc;
        }
        rep->checkpoints++;
        if (head > rep->covered_id)
            rep->covered_id = head;
    }
    return 0;
}

/* A checkpoint due and missing: the last is stale, or old rows are uncovered. */
static int s_freshness(store_db_t *db, check_ctx_t *x, int64_t now, int64_t grace)
{
    store_checkpoints_report_t *rep = x->rep;
    int64_t due = (x->have_prev ? (int64_t)x->prev.interval_s * 1000000 : 0) + grace;
    char when[32], cov[24];
    if (x->have_prev && !x->prev.final && now - x->prev.signed_at_us > due) {
        s_time(x->prev.signed_at_us, when);
        return al_err_set(AL_ESTATE, "no audit checkpoint since seq %" PRId64 " at %s, although one is due every "
                          "%d s: the signer stopped, or later checkpoints were removed", x->prev.seq, when,
                          x->prev.interval_s);
    }
    PGresult *res = NULL;
    snprintf(cov, sizeof cov, "%" PRId64, rep->covered_id);
    const char *params[] = { cov };
    int rc = store_db_exec(db, &res, "SELECT id, (extract(epoch FROM ts) * 1000000)::bigint FROM audit_log "
                           "WHERE id > $1 ORDER BY id LIMIT 1", 1, params);
    if (rc == 0 && PQntuples(res) == 1 && now - strtoll(PQgetvalue(res, 0, 1), NULL, 10) > due) {
        s_time(strtoll(PQgetvalue(res, 0, 1), NULL, 10), when);
        rc = al_err_set(AL_ESTATE, "audit rows from id %s (appended %s) are covered by no checkpoint, although "
                        "one was due (%" PRId64 " checkpoints; the last covers row %" PRId64 ")",
                        PQgetvalue(res, 0, 0), when, rep->checkpoints, rep->covered_id);
    }
    PQclear(res);
    return rc;
}

/* The exported head must still be in the log, exactly. */
static int s_expected(const PGresult *res, check_ctx_t *x, const store_checkpoint_t *want)
{
    char when[32];
    s_time(want->signed_at_us, when);
    if (!store_checkpoint_signature_ok(want, x->key))
        return al_err_set(AL_ESTATE, "the exported head (seq %" PRId64 ") is not signed by key %.16s...",
                          want->seq, x->key_id);
    for (int r = 0; r < PQntuples(res); r++) {
        store_checkpoint_t c;
        if (atoi(PQgetvalue(res, r, 1)) != 2 || strtoll(PQgetvalue(res, r, 2), NULL, 10) != want->seq ||
            store_checkpoint_from_row(res, r, 2, &c) != 0)
            continue;
        if (c.sig_len == want->sig_len && memcmp(c.sig, want->sig, c.sig_len) == 0 &&
            c.head_id == want->head_id && memcmp(c.head_hash, want->head_hash, 32) == 0 &&
            c.signed_at_us == want->signed_at_us)
            return 0;
        break;
    }
    return al_err_set(AL_ESTATE, "the exported head (seq %" PRId64 ", row %" PRId64 ", signed %s) is not in the "
                      "database: the log was rolled back or its checkpoints removed", want->seq, want->head_id, when);
}

int store_audit_checkpoints_check(store_db_t *db, EVP_PKEY *key, const store_checkpoints_opts_t *opts,
                                  store_checkpoints_report_t *rep)
{
    check_ctx_t x = { .key = key, .rep = rep };
    PGresult *res = NULL;
    if (!db || !key || !opts || !rep)
        return al_err_set(AL_EINVAL, "store_audit_checkpoints_check: db, key, opts and report are required");
    memset(rep, 0, sizeof *rep);
    int rc = store_audit_key_id(key, x.key_id);
    if (rc == 0)
        rc = store_db_exec(db, &res, LIST_SQL, 0, NULL);
    if (rc != 0)
        return al_err_wrap(rc, "audit checkpoints");
    int64_t now = opts->now_us ? opts->now_us : s_now_us();
    rc = s_walk(res, &x);
    if (rc == 0)
        rc = s_freshness(db, &x, now, opts->grace_us);
    if (rc == 0 && opts->expect)
        rc = s_expected(res, &x, opts->expect);
    PQclear(res);
    if (rc == AL_ESTATE)
        al_warn("store.audit.checkpoints_bad", "checkpoint=%" PRId64 " reason=\"%.300s\"", rep->first_bad_id,
                al_err_msg());
    return rc;
}
