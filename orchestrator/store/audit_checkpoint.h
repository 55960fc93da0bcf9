/*
 * audit_checkpoint.h: signed checkpoints of the audit chain head (table
 * audit_checkpoints, sql/0004_audit_checkpoints.sql).
 *
 * store_audit_checkpoint() reads the chain head (audit_head: last id and
 * hash), signs it with the orchestrator's private key and stores the
 * signature. store_audit_checkpoints_verify() checks, with the public key
 * only, that every checkpoint's signature is valid and that the row it names
 * still has the hash it had when signed. Together with store_audit_verify()
 * (which proves each row links to the one before) this shows that nothing up
 * to the last checkpoint was rewritten, even by a database superuser who
 * recomputed the chain: the private key never enters the database.
 *
 * Signed message (UTF-8, F() as in audit.h):
 *   "airlock-audit-checkpoint-v1|" F(head_id) F(lower-case hex of head_hash) F(signed_at_us)
 * Keys: any OpenSSL key that signs with EVP_DigestSign and a NULL digest
 * (Ed25519 recommended) or with SHA-256 (EC, RSA). key_id is the lower-case
 * hex SHA-256 of the public key's DER SubjectPublicKeyInfo.
 *
 * Ownership: keys are lent (EVP_PKEY reference counts are not touched).
 * Errors: AL_EINVAL (missing argument), AL_ECRYPTO (OpenSSL), AL_EDB /
 * AL_EAGAIN (database), AL_ESTATE (a checkpoint does not verify;
 * *first_bad_id names it). One signing key at a time: checkpoints signed by
 * another key (before a rotation) are reported as not verifying.
 */
#ifndef AIRLOCK_STORE_AUDIT_CHECKPOINT_H
#define AIRLOCK_STORE_AUDIT_CHECKPOINT_H

#include <openssl/evp.h>
#include <stdint.h>

#include "orchestrator/store/db.h"

/* Signs the current head; *checkpoint_id (nullable) receives the new row id. */
int store_audit_checkpoint(store_db_t *db, EVP_PKEY *private_key, int64_t *checkpoint_id);

/* Verifies every checkpoint with public_key. 0 with *first_bad_id = 0 when all
 * verify; AL_ESTATE with the id of the first checkpoint that is signed by
 * another key, has a bad signature, or names a row whose hash changed (or
 * that is gone). rows_out (nullable) receives the number checked. */
int store_audit_checkpoints_verify(store_db_t *db, EVP_PKEY *public_key, int64_t *first_bad_id,
                                   int64_t *rows_out);

/* Lower-case hex SHA-256 of the key's public DER encoding into out[65]. */
int store_audit_key_id(EVP_PKEY *key, char out[65]);

#endif
