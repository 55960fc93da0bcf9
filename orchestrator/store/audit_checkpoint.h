/*
 * audit_checkpoint.h: signed, numbered and chained checkpoints of the audit
 * chain head (table audit_checkpoints, sql/0004 and 0071), written by
 * airlock-signer (orchestrator/signer) and checked by `airlock audit verify`.
 *
 * The hash chain (audit.h) shows that a row was altered unless whoever altered
 * it recomputed every later hash (an owner or superuser can). A checkpoint is
 * the head (row id, hash) signed with a key that neither the database nor
 * airlockd holds. Version 2 checkpoints are also NUMBERED (seq 1, 2, 3, ...)
 * and CHAINED (each signs the SHA-256 of the previous one's message), and say
 * when the next one is due (interval_s; `final` when the signer stopped), so
 * that REMOVAL shows too:
 *   - a missing number is a gap (checkpoints deleted);
 *   - a head_id lower than the previous checkpoint's is a rollback;
 *   - a checkpoint naming a row that is gone or whose hash changed is a
 *     rewritten or truncated log;
 *   - no checkpoint for longer than interval_s + grace (unless the last is
 *     final), or rows older than that which no checkpoint covers, means one
 *     was due and is missing (signer stopped, or recent ones removed);
 *   - an exported head (`airlock audit head`, kept outside the database)
 *     that the database no longer holds is a rollback below it.
 * What stays undetectable: rows removed after the last checkpoint within its
 * grace window (interval_s + grace), and, without an exported head, a whole
 * database rolled back to an earlier clean stop (final checkpoint).
 *
 * Signed message (UTF-8, F() as in audit.h):
 *   v1 "airlock-audit-checkpoint-v1|" F(head_id) F(hex head_hash) F(signed_at_us)
 *   v2 "airlock-audit-checkpoint-v2|" F(seq) F(head_id) F(hex head_hash) F(signed_at_us)
 *                                     F(interval_s) F(final 0|1) F(hex prev)
 * where prev is the chain hash of checkpoint seq - 1 (32 zero bytes for seq
 * 1) and a checkpoint's chain hash is SHA-256 of its v2 message. Keys: any
 * OpenSSL key that signs with EVP_DigestSign and a NULL digest (Ed25519
 * recommended) or with SHA-256 (EC, RSA); key_id is the lower-case hex
 * SHA-256 of the public key's DER SubjectPublicKeyInfo. v1 checkpoints (made
 * by airlockd before 0071) are still verified, as before.
 *
 * Ownership: keys are lent (EVP_PKEY reference counts are not touched).
 * Errors: AL_EINVAL (missing argument, malformed head file), AL_ECRYPTO
 * (OpenSSL), AL_EDB / AL_EAGAIN (database), AL_ESTATE (a checkpoint or the
 * log does not verify: the message says what and where, the report names it).
 * One signing key at a time: checkpoints of another key are reported.
 */
#ifndef AIRLOCK_STORE_AUDIT_CHECKPOINT_H
#define AIRLOCK_STORE_AUDIT_CHECKPOINT_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "orchestrator/store/db.h"

#define STORE_CHECKPOINT_SIG_MAX 1024

/* One version-2 checkpoint. */
typedef struct {
    int64_t seq;                  /* 1, 2, 3, ... */
    int64_t head_id;              /* audit row it covers up to (0 = empty chain) */
    uint8_t head_hash[32];
    int64_t signed_at_us;         /* microseconds since the Unix epoch */
    int interval_s;               /* the next checkpoint is due within this */
    int final;                    /* the signer stopped: none is due after it */
    uint8_t prev[32];             /* chain hash of seq - 1; zeros for seq 1 */
    char key_id[65];
    uint8_t sig[STORE_CHECKPOINT_SIG_MAX];
    size_t sig_len;
} store_checkpoint_t;

/* The v2 message of c into buf (NUL-terminated); its length, or -1 when it
 * does not fit. */
int store_checkpoint_message(const store_checkpoint_t *c, char *buf, size_t size);
/* SHA-256 of the message: what the next checkpoint's prev must be. */
int store_checkpoint_chain_hash(const store_checkpoint_t *c, uint8_t out[32]);
/* Signs c with the private key (fills key_id, sig). */
int store_checkpoint_sign(store_checkpoint_t *c, EVP_PKEY *private_key);
/* 1 when c carries key's id and a valid signature over its message. */
int store_checkpoint_signature_ok(const store_checkpoint_t *c, EVP_PKEY *key);

/* Stores c (role airlock_signer); *id (nullable) receives the row id. */
int store_checkpoint_insert(store_db_t *db, const store_checkpoint_t *c, int64_t *id);
/* The v2 checkpoint with the highest seq: 0 with *found set (0 when none). */
int store_checkpoint_last(store_db_t *db, store_checkpoint_t *out, int *found);
/* audit_head: the last row's id and hash. */
int store_audit_head_read(store_db_t *db, int64_t *id, uint8_t hash[32]);
/* The chain hash at row `id` now (its link's hash when it ends a batch, its own
 * when it is a per-row link): 0 with *found (0 when there is no such position). */
int store_audit_row_hash_read(store_db_t *db, int64_t id, uint8_t hash[32], int *found);

/* An exported head (`airlock audit head`): one JSON object
 * {"format":"airlock-audit-head-v1","seq":..,"head_id":..,"head_hash":hex,
 *  "signed_at_us":..,"interval_s":..,"final":bool,"prev":hex,"key_id":hex,
 *  "signature":hex}. to_json returns malloc'd text (NULL: out of memory). */
char *store_checkpoint_to_json(const store_checkpoint_t *c);
int store_checkpoint_from_json(const char *text, store_checkpoint_t *out);

typedef struct {
    int64_t now_us;               /* the verification time; 0 = the clock now */
    int64_t grace_us;             /* slack for a due checkpoint to arrive */
    const store_checkpoint_t *expect;  /* an exported head the log must still hold, or NULL */
} store_checkpoints_opts_t;

typedef struct {
    int64_t checkpoints;          /* checkpoints that verified (v1 and v2) */
    int64_t v2;                   /* of which numbered and chained */
    int64_t last_seq;             /* 0 when no v2 checkpoint */
    int64_t covered_id;           /* highest audit row a checkpoint covers */
    int64_t last_signed_at_us;
    int last_final;
    int64_t first_bad_id;         /* audit_checkpoints.id of the first bad one, 0 when the
                                     problem is not one row (gap before it, freshness) */
} store_checkpoints_report_t;

/* Verifies every checkpoint with public_key as above. 0 when all is well;
 * AL_ESTATE with the reason in al_err_msg() and in the report otherwise. */
int store_audit_checkpoints_check(store_db_t *db, EVP_PKEY *public_key, const store_checkpoints_opts_t *opts,
                                  store_checkpoints_report_t *report);

/* Lower-case hex SHA-256 of the key's public DER encoding into out[65]. */
int store_audit_key_id(EVP_PKEY *key, char out[65]);

/* Hex helpers shared with the verifier and the signer's state file. */
void store_hex(const uint8_t *in, size_t len, char *out);          /* out: 2 * len + 1 */
int store_unhex(const char *hex, uint8_t *out, size_t cap, size_t *len);

#endif
