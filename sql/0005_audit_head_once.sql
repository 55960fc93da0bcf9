-- 0005_audit_head_once.sql: advance audit_head once per transaction, not once
-- per appended row.
--
-- 0002 updated the one audit_head row for every append. PostgreSQL keeps every
-- version of a row that an open transaction updates, so n appends in one
-- transaction cost O(n^2) (50,000 took minutes). Now:
--   * the BEFORE INSERT trigger only LOCKS the head (SELECT ... FOR UPDATE, a
--     lock, no new row version) to serialize appends, and chains from the last
--     row this transaction appended (id > audit_head.last_id) or else from
--     audit_head.last_hash (so rows removed from the tail still show);
--   * a deferred constraint trigger moves the head to the transaction's last
--     row at commit (one update per transaction).
-- Same hashes, same canonical form, same verification (audit_verify() first
-- flushes its own transaction's pending head update). ENABLE ALWAYS as before.

CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    head audit_head%ROWTYPE;
    last_id bigint;
    last_hash bytea;
BEGIN
    SELECT * INTO head FROM audit_head WHERE one FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit_head row is missing';
    END IF;
    SELECT a.id, a.hash INTO last_id, last_hash FROM audit_log a ORDER BY a.id DESC LIMIT 1;
    NEW.prev_hash := CASE WHEN last_id > head.last_id THEN last_hash ELSE head.last_hash END;
    NEW.id := nextval('audit_log_id_seq');
    NEW.ts := clock_timestamp();   -- server time, in chain order; client values ignored
    NEW.labels := COALESCE(NEW.labels, '{}'::jsonb);
    NEW.detail := COALESCE(NEW.detail, '{}'::jsonb);
    NEW.hash := sha256(audit_canonical(NEW.id, NEW.ts, NEW.actor, NEW.action, NEW.job_id,
                                       NEW.task_id, NEW.labels, NEW.detail) || NEW.prev_hash);
    RETURN NEW;
END
$$;

-- At commit: the transaction's last appended row becomes the head.
CREATE FUNCTION audit_head_advance() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.id = (SELECT max(id) FROM audit_log) THEN
        UPDATE audit_head SET last_id = NEW.id, last_hash = NEW.hash
         WHERE one AND last_id < NEW.id;
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION audit_head_advance() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER audit_head_advance AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION audit_head_advance();
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_head_advance;

-- audit_verify() inside a transaction that has appended: fire this
-- transaction's pending head update first (SET CONSTRAINTS ... IMMEDIATE runs
-- the deferred triggers retroactively), then go back to deferred.
ALTER FUNCTION audit_verify() RENAME TO audit_verify_chain;
CREATE FUNCTION audit_verify() RETURNS bigint
    LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    SET CONSTRAINTS audit_head_advance IMMEDIATE;
    SET CONSTRAINTS audit_head_advance DEFERRED;
    RETURN audit_verify_chain();
END
$$;
