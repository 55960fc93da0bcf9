-- 0071_audit_checkpoints_v2.sql: numbered, chained checkpoints signed by
-- airlock-signer (issue 12; orchestrator/store/audit_checkpoint.h,
-- docs/DATA-MODEL.md "Checkpoints").
--
-- Version 1 rows (airlockd signed the head alone) stay as they are and are
-- still verified. Version 2 rows carry seq (1, 2, 3, ... without gaps), the
-- hash of the previous checkpoint's message (prev_hash: deleting or replacing
-- one breaks the chain), the signer's interval (when the next is due) and
-- final (the signer stopped cleanly: none is due after it). All of it is in
-- the signed message. The table stays append-only (0004).

ALTER TABLE audit_checkpoints
    ADD COLUMN version smallint NOT NULL DEFAULT 1 CHECK (version IN (1, 2)),
    ADD COLUMN seq bigint CHECK (seq >= 1),
    ADD COLUMN prev_hash bytea CHECK (octet_length(prev_hash) = 32),
    ADD COLUMN interval_s integer CHECK (interval_s BETWEEN 1 AND 86400),
    ADD COLUMN final boolean,
    ADD CONSTRAINT audit_checkpoints_v2_fields
        CHECK (version = 1 OR (seq IS NOT NULL AND prev_hash IS NOT NULL AND interval_s IS NOT NULL
                               AND final IS NOT NULL)),
    ADD CONSTRAINT audit_checkpoints_seq_key UNIQUE (seq);
