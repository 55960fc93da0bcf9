/*
 * audit_checkpoint_internal.h: what audit_checkpoint.c and
 * audit_checkpoint_verify.c share (internal to orchestrator/store).
 */
#ifndef AIRLOCK_STORE_AUDIT_CHECKPOINT_INTERNAL_H
#define AIRLOCK_STORE_AUDIT_CHECKPOINT_INTERNAL_H

#include "orchestrator/store/audit_checkpoint.h"

/* The columns store_checkpoint_from_row() reads, in order (table alias c). */
#define STORE_CHECKPOINT_COLUMNS                                                                      \
    "c.seq, c.head_id, encode(c.head_hash, 'hex'), c.signed_at_us, c.interval_s, c.final, "          \
    "encode(c.prev_hash, 'hex'), c.key_id, encode(c.signature, 'hex')"

/* The chain hash at audit row ID now (sql/0080): the link's hash when the row
 * ends a batch, the row's own hash when it is a per-row link, NULL when the
 * row is gone or is not a chain position. Joins aliases a (audit_log) and l
 * (audit_links). */
#define STORE_AUDIT_CHAIN_JOIN(ID)                                                                    \
    "LEFT JOIN audit_log a ON a.id = " ID " LEFT JOIN audit_links l ON l.last_id = a.id"
#define STORE_AUDIT_CHAIN_HASH "COALESCE(l.hash, a.hash)"

/* A v2 checkpoint from the STORE_CHECKPOINT_COLUMNS of row r, from column col. */
int store_checkpoint_from_row(const PGresult *res, int r, int col, store_checkpoint_t *c);

#endif
