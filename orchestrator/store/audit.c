/*
 * audit.c: appends to the hash-chained audit_log and verifies the chain
 * independently of the database (OpenSSL SHA-256 over the canonical form
 * documented in audit.h and docs/DATA-MODEL.md).
 *
 * Owns nothing beyond one call: each PGresult and digest context is freed
 * before the function that made it returns.
 */
#include "orchestrator/store/audit.h"

#include "common/error.h"
#include "common/log.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_ROWS 1000
#define FETCH_SQL "FETCH 1000 FROM audit_verify_cur"   /* FETCH_ROWS rows */
#define ACTOR_MAX 256
#define ACTION_MAX 128
#define JSON_MAX (1024 * 1024)
/* PostgreSQL timestamps count from 2000-01-01; Unix time from 1970-01-01. */
#define PG_EPOCH_OFFSET_US INT64_C(946684800000000)

static const uint8_t ZERO_HASH[STORE_AUDIT_HASH_LEN];

int store_audit_append(store_db_t *db, const char *actor, const char *action,
                       const char *job_id, const char *task_id,
                       const char *labels_json, const char *detail_json)
{
    if (!db)
        return al_err_set(AL_EINVAL, "store_audit_append: no database");
    if (!actor || !*actor || strlen(actor) > ACTOR_MAX)
        return al_err_set(AL_EINVAL, "audit field actor: required, at most %d bytes", ACTOR_MAX);
    if (!action || !*action || strlen(action) > ACTION_MAX)
        return al_err_set(AL_EINVAL, "audit field action: required, at most %d bytes", ACTION_MAX);
    if ((labels_json && strlen(labels_json) > JSON_MAX) ||
        (detail_json && strlen(detail_json) > JSON_MAX))
        return al_err_set(AL_EINVAL, "audit fields labels/detail: at most %d bytes", JSON_MAX);
    const char *params[] = {actor, action, job_id, task_id, labels_json, detail_json};
    int rc = store_db_exec(db, NULL,
                           "INSERT INTO audit_log (actor, action, job_id, task_id, labels, detail) "
                           "VALUES ($1, $2, $3, $4, COALESCE($5::jsonb, '{}'), "
                           "COALESCE($6::jsonb, '{}'))", 6, params);
    const char *st = store_db_sqlstate(db);
    if (rc == AL_EDB && (strncmp(st, "22", 2) == 0 || strncmp(st, "23", 2) == 0))
        return al_err_wrap(AL_EINVAL, "audit append refused (action %s)", action);
    if (rc != 0)
        return al_err_wrap(rc, "audit append (action %s)", action);
    return 0;
}

static int s_field(EVP_MD_CTX *ctx, const char *v)
{
    if (!v)
        return EVP_DigestUpdate(ctx, "~", 1);
    char len[24];
    size_t n = strlen(v);
    int ln = snprintf(len, sizeof len, "%zu:", n);
    return EVP_DigestUpdate(ctx, len, (size_t)ln) && EVP_DigestUpdate(ctx, v, n) &&
           EVP_DigestUpdate(ctx, ",", 1);
}

/* canonical(row) into ctx. */
static int s_canonical(EVP_MD_CTX *ctx, const store_audit_row_t *row)
{
    char id[24], ts[24];
    snprintf(id, sizeof id, "%" PRId64, row->id);
    snprintf(ts, sizeof ts, "%" PRId64, row->ts_us);
    return EVP_DigestUpdate(ctx, "airlock-audit-v1|", 17) && s_field(ctx, id) && s_field(ctx, ts) &&
           s_field(ctx, row->actor) && s_field(ctx, row->action) && s_field(ctx, row->job_id) &&
           s_field(ctx, row->task_id) && s_field(ctx, row->labels) && s_field(ctx, row->detail);
}

/* SHA-256(canonical(row) [|| prev]) */
static int s_row_digest(const store_audit_row_t *row, const uint8_t *prev, uint8_t out[STORE_AUDIT_HASH_LEN])
{
    if (!row || !out || !row->actor || !row->action || !row->labels || !row->detail)
        return al_err_set(AL_EINVAL, "audit row hash: row, actor, action, labels, detail and out are "
                          "required");
    unsigned int len = 0;
    int ok = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && s_canonical(ctx, row) &&
        (!prev || EVP_DigestUpdate(ctx, prev, STORE_AUDIT_HASH_LEN)) &&
        EVP_DigestFinal_ex(ctx, out, &len) && len == STORE_AUDIT_HASH_LEN)
        ok = 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : al_err_set(AL_ECRYPTO, "SHA-256 of audit row %" PRId64 " failed", row->id);
}

int store_audit_row_hash(const store_audit_row_t *row,
                         const uint8_t prev_hash[STORE_AUDIT_HASH_LEN],
                         uint8_t out[STORE_AUDIT_HASH_LEN])
{
    if (!prev_hash)
        return al_err_set(AL_EINVAL, "store_audit_row_hash: prev_hash is required");
    return s_row_digest(row, prev_hash, out);
}

int store_audit_entry_hash(const store_audit_row_t *row, uint8_t out[STORE_AUDIT_HASH_LEN])
{
    return s_row_digest(row, NULL, out);
}

/* Big-endian int64 of a binary int8/timestamptz column. */
static int s_bin_i64(const PGresult *res, int r, int c, int64_t *out)
{
    if (PQgetisnull(res, r, c) || PQgetlength(res, r, c) != 8)
        return -1;
    const unsigned char *p = (const unsigned char *)PQgetvalue(res, r, c);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    *out = (int64_t)v;
    return 0;
}

/* Text of a binary text (skip = 0) or jsonb (skip = 1, version byte) column;
 * NULL for SQL NULL. *bad is set when the value is malformed. */
static const char *s_bin_text(const PGresult *res, int r, int c, int skip, int *bad)
{
    if (PQgetisnull(res, r, c))
        return NULL;
    const char *v = PQgetvalue(res, r, c);
    int len = PQgetlength(res, r, c);
    if (len < skip || (skip == 1 && v[0] != 1) || strlen(v + skip) != (size_t)(len - skip)) {
        *bad = 1;
        return "";
    }
    return v + skip;
}

static int s_bin_hash(const PGresult *res, int r, int c, const uint8_t **out)
{
    if (PQgetisnull(res, r, c) || PQgetlength(res, r, c) != STORE_AUDIT_HASH_LEN)
        return -1;
    *out = (const uint8_t *)PQgetvalue(res, r, c);
    return 0;
}

typedef struct {
    uint8_t prev[STORE_AUDIT_HASH_LEN];   /* the chain hash so far */
    int64_t last_id;
    int64_t rows;
    int64_t first_bad;
    EVP_MD_CTX *link;                     /* the open batch's link digest, NULL when none */
    int64_t b_first, b_n;                 /* the open batch: first row, entries so far */
} chain_state_t;

/* The columns a row is read with (binary), in this order. */
#define ROW_COLUMNS 14
#define ROWS_SQL "DECLARE audit_verify_cur NO SCROLL CURSOR FOR " \
    "SELECT a.id, a.ts, a.actor, a.action, a.job_id, a.task_id, a.labels, a.detail, " \
    "a.prev_hash, a.hash, l.first_id, l.n::int8, l.prev_hash, l.hash " \
    "FROM audit_log a LEFT JOIN audit_links l ON l.last_id = a.id ORDER BY a.id"

/* Decodes the row's fields; 1 when they are malformed. */
static int s_row_fields(const PGresult *res, int r, store_audit_row_t *row)
{
    int bad = 0;
    if (s_bin_i64(res, r, 1, &row->ts_us) != 0 || row->ts_us == INT64_MAX || row->ts_us == INT64_MIN)
        bad = 1;
    row->ts_us += PG_EPOCH_OFFSET_US;
    row->actor = s_bin_text(res, r, 2, 0, &bad);
    row->action = s_bin_text(res, r, 3, 0, &bad);
    row->job_id = s_bin_text(res, r, 4, 0, &bad);
    row->task_id = s_bin_text(res, r, 5, 0, &bad);
    row->labels = s_bin_text(res, r, 6, 1, &bad);
    row->detail = s_bin_text(res, r, 7, 1, &bad);
    return bad || !row->actor || !row->action || !row->labels || !row->detail;
}

/* A per-row link (before migration 0080): prev_hash is the chain so far,
 * hash = SHA-256(canonical || prev_hash). 1 when it does not verify. */
static int s_per_row_bad(const PGresult *res, int r, const store_audit_row_t *row, chain_state_t *st, int *err)
{
    const uint8_t *prev = NULL, *hash = NULL;
    uint8_t want[STORE_AUDIT_HASH_LEN];
    if (st->link || !PQgetisnull(res, r, 13) || s_bin_hash(res, r, 8, &prev) != 0 ||
        s_bin_hash(res, r, 9, &hash) != 0 || memcmp(prev, st->prev, STORE_AUDIT_HASH_LEN) != 0)
        return 1;
    if ((*err = store_audit_row_hash(row, prev, want)) != 0)
        return 1;
    if (memcmp(want, hash, STORE_AUDIT_HASH_LEN) != 0)
        return 1;
    memcpy(st->prev, hash, STORE_AUDIT_HASH_LEN);
    st->last_id = row->id;
    st->rows++;
    return 0;
}

static int s_dig_field(EVP_MD_CTX *ctx, int64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, v);
    return s_field(ctx, text);
}

/* The row closing a batch: its link must name the batch and hash it. */
static int s_link_bad(const PGresult *res, int r, int64_t last, chain_state_t *st)
{
    int64_t first = 0, n = 0;
    const uint8_t *prev = NULL, *hash = NULL;
    uint8_t want[STORE_AUDIT_HASH_LEN];
    unsigned int len = 0;
    if (s_bin_i64(res, r, 10, &first) != 0 || s_bin_i64(res, r, 11, &n) != 0 ||
        s_bin_hash(res, r, 12, &prev) != 0 || s_bin_hash(res, r, 13, &hash) != 0 ||
        first != st->b_first || n != st->b_n || memcmp(prev, st->prev, STORE_AUDIT_HASH_LEN) != 0)
        return 1;
    if (!s_dig_field(st->link, first) || !s_dig_field(st->link, last) || !s_dig_field(st->link, n) ||
        !EVP_DigestFinal_ex(st->link, want, &len) || len != STORE_AUDIT_HASH_LEN ||
        memcmp(want, hash, STORE_AUDIT_HASH_LEN) != 0)
        return 1;
    EVP_MD_CTX_free(st->link);
    st->link = NULL;
    memcpy(st->prev, hash, STORE_AUDIT_HASH_LEN);
    st->last_id = last;
    st->rows += st->b_n;
    return 0;
}

/* An entry of a batch (migration 0080): its hash goes into the open link. */
static int s_entry_bad(const PGresult *res, int r, const store_audit_row_t *row, chain_state_t *st, int *err)
{
    uint8_t entry[STORE_AUDIT_HASH_LEN];
    if (!PQgetisnull(res, r, 9))
        return 1;
    if (!st->link) {
        st->link = EVP_MD_CTX_new();
        if (!st->link || !EVP_DigestInit_ex(st->link, EVP_sha256(), NULL) ||
            !EVP_DigestUpdate(st->link, "airlock-audit-link-v1|", 22) ||
            !EVP_DigestUpdate(st->link, st->prev, STORE_AUDIT_HASH_LEN)) {
            *err = al_err_set(AL_ECRYPTO, "SHA-256 of an audit link failed");
            return 1;
        }
        st->b_first = row->id;
        st->b_n = 0;
    }
    if ((*err = store_audit_entry_hash(row, entry)) != 0)
        return 1;
    if (!EVP_DigestUpdate(st->link, entry, sizeof entry)) {
        *err = al_err_set(AL_ECRYPTO, "SHA-256 of an audit link failed");
        return 1;
    }
    st->b_n++;
    return PQgetisnull(res, r, 13) ? 0 : s_link_bad(res, r, row->id, st);
}

/* Checks one fetched row; on a bad row records it in st->first_bad (for a
 * batch: its first row). */
static int s_row_check(const PGresult *res, int r, chain_state_t *st)
{
    store_audit_row_t row = {0};
    int err = 0;
    if (s_bin_i64(res, r, 0, &row.id) != 0)
        return al_err_set(AL_EPROTO, "audit_log row %d: id is not an int8", r);
    int bad = s_row_fields(res, r, &row);
    if (!bad)
        bad = PQgetisnull(res, r, 8) ? s_entry_bad(res, r, &row, st, &err) : s_per_row_bad(res, r, &row, st, &err);
    if (err != 0)
        return err;
    if (bad)
        st->first_bad = st->link ? st->b_first : row.id;
    return 0;
}

/* The head must name the last verified row. */
static int s_head_check(store_db_t *db, chain_state_t *st)
{
    PGresult *res = NULL;
    int64_t last_id = -1;
    const uint8_t *last_hash = NULL;
    int rc = store_db_exec_binary(db, &res, "SELECT last_id, last_hash FROM audit_head WHERE one");
    if (rc != 0)
        return rc;
    if (PQntuples(res) != 1 || s_bin_i64(res, 0, 0, &last_id) != 0 ||
        s_bin_hash(res, 0, 1, &last_hash) != 0 || last_id != st->last_id ||
        memcmp(last_hash, st->prev, STORE_AUDIT_HASH_LEN) != 0)
        st->first_bad = st->last_id + 1;
    PQclear(res);
    return 0;
}

static int s_chain_walk(store_db_t *db, chain_state_t *st)
{
    int rc = store_db_run(db, ROWS_SQL);
    while (rc == 0 && st->first_bad == 0) {
        PGresult *res = NULL;
        rc = store_db_exec_binary(db, &res, FETCH_SQL);
        if (rc != 0)
            break;
        int n = PQntuples(res);
        if (PQnfields(res) != ROW_COLUMNS)
            rc = al_err_set(AL_EPROTO, "audit_log: expected %d columns, got %d", ROW_COLUMNS, PQnfields(res));
        for (int r = 0; rc == 0 && r < n && st->first_bad == 0; r++)
            rc = s_row_check(res, r, st);
        PQclear(res);
        if (n < FETCH_ROWS)
            break;
    }
    if (rc == 0 && st->first_bad == 0 && st->link)
        st->first_bad = st->b_first;   /* a batch without its link */
    if (rc == 0 && st->first_bad == 0)
        rc = s_head_check(db, st);
    EVP_MD_CTX_free(st->link);
    st->link = NULL;
    return rc;
}

int store_audit_verify_count(store_db_t *db, int64_t *first_bad_id, int64_t *rows_out)
{
    chain_state_t st = {.last_id = 0};
    if (first_bad_id)
        *first_bad_id = 0;
    if (rows_out)
        *rows_out = 0;
    if (!db || !first_bad_id)
        return al_err_set(AL_EINVAL, "store_audit_verify: db and first_bad_id are required");
    memcpy(st.prev, ZERO_HASH, sizeof st.prev);
    int rc = store_db_require_idle(db, "store_audit_verify");
    if (rc != 0)
        return rc;
    rc = store_db_run(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (rc != 0)
        return al_err_wrap(rc, "audit verify");
    rc = s_chain_walk(db, &st);
    if (rc != 0) {
        int saved = al_err_code();
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", al_err_msg());
        (void)store_db_run(db, "ROLLBACK");
        return al_err_set(saved, "audit verify: %s", msg);
    }
    rc = store_db_run(db, "COMMIT");
    if (rc != 0)
        return al_err_wrap(rc, "audit verify");
    if (rows_out)
        *rows_out = st.rows;
    if (st.first_bad != 0) {
        *first_bad_id = st.first_bad;
        al_warn("store.audit.broken", "first_bad_id=%" PRId64 " rows_ok=%" PRId64,
                st.first_bad, st.rows);
        return al_err_set(AL_ESTATE, "audit chain broken at id %" PRId64 " (%" PRId64
                          " rows before it verify)", st.first_bad, st.rows);
    }
    al_info("store.audit.verified", "rows=%" PRId64 " last_id=%" PRId64, st.rows, st.last_id);
    return 0;
}

int store_audit_verify(store_db_t *db, int64_t *first_bad_id)
{
    return store_audit_verify_count(db, first_bad_id, NULL);
}

int store_audit_verify_sql(store_db_t *db, int64_t *first_bad_id)
{
    PGresult *res = NULL;
    if (first_bad_id)
        *first_bad_id = 0;
    if (!db || !first_bad_id)
        return al_err_set(AL_EINVAL, "store_audit_verify_sql: db and first_bad_id are required");
    int rc = store_db_exec(db, &res, "SELECT audit_verify()", 0, NULL);
    if (rc != 0)
        return al_err_wrap(rc, "audit_verify()");
    if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
        *first_bad_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        rc = al_err_set(AL_ESTATE, "audit chain broken at id %" PRId64 " (SQL audit_verify)",
                        *first_bad_id);
    }
    PQclear(res);
    return rc;
}
