/*
 * signer.h: airlock-signer, the one process that holds the audit signing key
 * (issue 12). airlockd writes the audit log but cannot sign it; the signer
 * reads the chain head as a member of airlock_signer (SELECT on the audit
 * tables, INSERT on audit_checkpoints, nothing else) and appends a numbered,
 * chained checkpoint (orchestrator/store/audit_checkpoint.h) every
 * interval_s, whether or not the head moved, and a final one when it stops.
 *
 * It remembers its last checkpoint in a state file OUTSIDE the database
 * (seq, chain hash, head id and hash). Every checkpoint chains to that, not
 * to whatever the database shows: when checkpoints were deleted or replaced,
 * the next one leaves a visible gap, and a head that went back is signed as
 * such (the verifier reports both); the signer also logs event=signer.tamper.
 * Without a state file (first start, or lost) it continues from the
 * database's last checkpoint when that one carries its own signature, and
 * refuses to start over a checkpoint of another key.
 *
 * Errors: AL_ESTATE (refused: foreign checkpoint, unreadable state),
 * AL_EIO (state file), AL_EDB / AL_EAGAIN, AL_ECRYPTO.
 */
#ifndef AIRLOCK_SIGNER_H
#define AIRLOCK_SIGNER_H

#include <openssl/evp.h>

#include "orchestrator/store/audit_checkpoint.h"
#include "orchestrator/store/db.h"

typedef struct {
    store_db_t *db;               /* lent; a member of airlock_signer */
    EVP_PKEY *key;                /* lent; the private signing key */
    const char *state_file;
    int interval_s;
} signer_t;

/* Signs and stores the next checkpoint (final: the signer is stopping) and
 * records it in the state file; *out (nullable) receives it. */
int signer_checkpoint(const signer_t *s, int final, store_checkpoint_t *out);

#endif
