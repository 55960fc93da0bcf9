-- 0004_audit_checkpoints.sql: signed checkpoints of the audit chain head.
--
-- The hash chain alone shows that rows were altered, unless whoever altered
-- them also recomputed every later hash (the table owner can). A checkpoint is
-- the head (id, hash) signed with the orchestrator's private key, which the
-- database never sees: history up to a checkpoint cannot be rewritten without
-- breaking its signature or its link to the row it names. Written and checked
-- by orchestrator/store/audit_checkpoint.c; message format in
-- docs/DATA-MODEL.md.

CREATE TABLE audit_checkpoints (
    id            bigserial PRIMARY KEY,
    head_id       bigint NOT NULL CHECK (head_id >= 0),       -- 0 = empty chain
    head_hash     bytea NOT NULL CHECK (octet_length(head_hash) = 32),
    signed_at_us  bigint NOT NULL,                            -- microseconds since the Unix epoch
    key_id        text NOT NULL CHECK (key_id ~ '^[0-9a-f]{64}$'),  -- sha256 of the public key (DER)
    signature     bytea NOT NULL CHECK (octet_length(signature) BETWEEN 1 AND 1024),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_checkpoints_head_idx ON audit_checkpoints (head_id);

CREATE FUNCTION airlock_append_only() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION airlock_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION airlock_append_only();
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_update_delete;
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_truncate;

REVOKE ALL ON audit_checkpoints FROM PUBLIC, airlock_app;
GRANT SELECT, INSERT ON audit_checkpoints TO airlock_app;
GRANT USAGE ON SEQUENCE audit_checkpoints_id_seq TO airlock_app;
