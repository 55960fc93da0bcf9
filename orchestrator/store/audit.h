/*
 * audit.h: the append-only, hash-chained audit log (table audit_log, created
 * by sql/0002_audit.sql).
 *
 The chain has two kinds of links (docs/DATA-MODEL.md "Audit log"):
 *   - per-row links (rows appended before migration 0080): prev_hash is the
 *     chain hash before the row (32 zero bytes for the first) and
 *     hash = SHA-256(canonical(row) || prev_hash);
 *   - batches (sql/0080): the rows one transaction appends (prev_hash and
 *     hash NULL) are closed at commit by ONE row of audit_links:
 *       link = SHA-256("airlock-audit-link-v1|" || prev || e_1 || ... || e_n
 *                      || F(first_id) F(last_id) F(n))
 *     with e_i = SHA-256(canonical(row_i)) in id order and prev the chain
 *     hash before the batch.
 * The chain hash after a row is its hash (per-row) or its link's (a batch's
 * last row); audit_head and the checkpoints name it. The database assigns ids
 * under the chain lock (audit_head, taken once per batch) and makes the links;
 * this module appends rows and re-verifies the whole chain independently with
 * OpenSSL. The canonical form (also in docs/DATA-MODEL.md):
 *
 *   "airlock-audit-v1|" F(id) F(ts) F(actor) F(action) F(job_id) F(task_id)
 *                       F(labels) F(detail)
 *   F(NULL) = "~"       F(v) = <decimal byte length of v> ":" v ","
 *
 * over UTF-8 bytes, where id is decimal, ts is the integer number of
 * microseconds since 1970-01-01 00:00:00 UTC (decimal, '-' if negative) and
 * labels/detail are PostgreSQL's jsonb text output (jsonb::text).
 *
 * Errors: AL_EINVAL (missing actor/action, malformed JSON, oversize values),
 * AL_EDB / AL_EAGAIN (database), AL_ECRYPTO (OpenSSL), AL_ESTATE (the chain
 * does not verify; *first_bad_id names the row).
 */
#ifndef AIRLOCK_STORE_AUDIT_H
#define AIRLOCK_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "orchestrator/store/db.h"

#define STORE_AUDIT_HASH_LEN 32

/* One row as hashed. Strings are NUL-terminated UTF-8 and lent;
 * job_id/task_id may be NULL (SQL NULL); labels/detail are jsonb text. */
typedef struct {
    int64_t id;
    int64_t ts_us;          /* microseconds since the Unix epoch, UTC */
    const char *actor;
    const char *action;
    const char *job_id;
    const char *task_id;
    const char *labels;
    const char *detail;
} store_audit_row_t;

/* Appends one row. actor is a worker's public key or "airlockd"; job_id and
 * task_id may be NULL; labels_json (an object) and detail_json (any JSON) may
 * be NULL for {}. id, ts and the hashes are assigned by the database. */
int store_audit_append(store_db_t *db, const char *actor, const char *action,
                       const char *job_id, const char *task_id,
                       const char *labels_json, const char *detail_json);

/* Recomputes the hash of one row from its fields and the previous hash:
 * usable offline (from a dump) without a database. */
int store_audit_row_hash(const store_audit_row_t *row,
                         const uint8_t prev_hash[STORE_AUDIT_HASH_LEN],
                         uint8_t out[STORE_AUDIT_HASH_LEN]);

/* SHA-256(canonical(row)): the entry hash of a row in a batch. */
int store_audit_entry_hash(const store_audit_row_t *row, uint8_t out[STORE_AUDIT_HASH_LEN]);

/* Reads the whole chain in id order (one REPEATABLE READ snapshot, in
 * batches) and checks every per-row link and every batch link with OpenSSL,
 * then that audit_head names the last row. Returns 0 with *first_bad_id = 0
 * when the chain verifies; AL_ESTATE with *first_bad_id = the first row that
 * does not verify (for a batch: its first row; last id + 1 when rows are
 * missing at the tail); other codes
 * when the check could not run. rows_out (nullable) receives the rows read. */
int store_audit_verify(store_db_t *db, int64_t *first_bad_id);
int store_audit_verify_count(store_db_t *db, int64_t *first_bad_id, int64_t *rows_out);

/* Runs the SQL verifier audit_verify(); same result convention. */
int store_audit_verify_sql(store_db_t *db, int64_t *first_bad_id);

#endif
