-- 0080_audit_batch_links.sql: one chain link per transaction (issue 15;
-- docs/DATA-MODEL.md "Audit log", orchestrator/store/audit.h).
--
-- Before, every audit row was a link of the chain: its BEFORE INSERT trigger
-- locked audit_head, looked up the previous row, hashed the row with it, and a
-- deferred trigger ran once per row at commit. A dispatch turn that assigned
-- N tasks paid all of that N times. Now the rows a transaction appends are one
-- BATCH closed by one LINK:
--   * each row of a batch (an "entry") gets id and ts from the trigger as
--     before, prev_hash and hash stay NULL; the trigger takes the chain lock
--     (audit_head FOR UPDATE) once, at the batch's first row;
--   * at commit (a deferred constraint trigger queued only for the batch's
--     first row) the batch is closed: one row in audit_links with
--       link = SHA-256("airlock-audit-link-v1|" || prev || e_1 || ... || e_n
--                      || F(first_id) F(last_id) F(n))
--     where prev is the chain hash before the batch (the previous link, or
--     the last per-row link of 0002), e_i = SHA-256(canonical(row_i)) in id
--     order, F() as in 0002; audit_head moves to (last_id, link).
-- A modified, inserted, deleted or reordered entry changes e_1..e_n, n, or
-- the id range, so the link no longer verifies; a removed link leaves its
-- entries unclosed. Rows appended before this migration keep their per-row
-- links and verify as before (a mixed chain). Checkpoints name
-- (last_id, link hash) of the head as before: the chain hash of a row is its
-- link's hash when it ends a batch, its own hash when it is a per-row link.
-- audit_verify() (SQL) and store_audit_verify() (C) check both kinds.

ALTER TABLE audit_log ALTER COLUMN prev_hash DROP NOT NULL,
                      ALTER COLUMN hash DROP NOT NULL,
                      ADD CONSTRAINT audit_log_link_kind CHECK ((prev_hash IS NULL) = (hash IS NULL));

-- One row per closed batch, append-only like audit_log.
CREATE TABLE audit_links (
    last_id    bigint PRIMARY KEY,          -- the batch's last row (the chain position)
    first_id   bigint NOT NULL CHECK (first_id <= last_id),
    n          integer NOT NULL CHECK (n >= 1),
    prev_hash  bytea NOT NULL CHECK (octet_length(prev_hash) = 32),
    hash       bytea NOT NULL CHECK (octet_length(hash) = 32),
    closed_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TRIGGER audit_links_no_update_delete BEFORE UPDATE OR DELETE ON audit_links
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER audit_links_no_truncate BEFORE TRUNCATE ON audit_links
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
ALTER TABLE audit_links ENABLE ALWAYS TRIGGER audit_links_no_update_delete;
ALTER TABLE audit_links ENABLE ALWAYS TRIGGER audit_links_no_truncate;
REVOKE ALL ON audit_links FROM PUBLIC, airlock_app;
GRANT SELECT ON audit_links TO airlock_app, airlock_signer, airlock_reader;

-- The link of a batch: prev, the entry hashes in id order, and the range.
CREATE FUNCTION audit_link_hash(p_prev bytea, p_entries bytea, p_first bigint, p_last bigint,
                                p_n bigint) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN sha256(convert_to('airlock-audit-link-v1|', 'UTF8') || p_prev || p_entries
                  || convert_to(audit_field(p_first::text) || audit_field(p_last::text)
                                || audit_field(p_n::text), 'UTF8'));

-- BEFORE INSERT, per row: the batch's first row takes the chain lock; every
-- row gets id (under the lock, so ids follow chain order) and server time.
-- The open batch is remembered in a transaction-local setting that a rolled
-- back subtransaction also rolls back (with its rows, its lock and its queued
-- close).
CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF current_setting('airlock.audit_batch', true) IS DISTINCT FROM pg_current_xact_id()::text THEN
        PERFORM 1 FROM audit_head WHERE one FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'audit_head row is missing';
        END IF;
        NEW.id := nextval('audit_log_id_seq');
        PERFORM set_config('airlock.audit_batch', pg_current_xact_id()::text, true);
        PERFORM set_config('airlock.audit_batch_first', NEW.id::text, true);
    ELSE
        NEW.id := nextval('audit_log_id_seq');
    END IF;
    NEW.ts := clock_timestamp();   -- server time, in chain order; client values ignored
    NEW.labels := COALESCE(NEW.labels, '{}'::jsonb);
    NEW.detail := COALESCE(NEW.detail, '{}'::jsonb);
    NEW.prev_hash := NULL;         -- an entry of a batch: the link is made at commit
    NEW.hash := NULL;
    RETURN NEW;
END
$$;

-- At commit (queued for the batch's first row only): close the batch.
CREATE FUNCTION audit_link_close() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    head audit_head%ROWTYPE;
    v_n bigint;
    v_first bigint;
    v_last bigint;
    v_entries bytea;
    v_link bytea;
BEGIN
    SELECT * INTO head FROM audit_head WHERE one FOR UPDATE;
    SELECT count(*), min(a.id), max(a.id),
           string_agg(sha256(audit_canonical(a.id, a.ts, a.actor, a.action, a.job_id, a.task_id,
                                             a.labels, a.detail)), ''::bytea ORDER BY a.id)
      INTO v_n, v_first, v_last, v_entries
      FROM audit_log a WHERE a.id > head.last_id;
    PERFORM set_config('airlock.audit_batch', '', true);
    IF v_n = 0 THEN
        RETURN NULL;
    END IF;
    v_link := audit_link_hash(head.last_hash, v_entries, v_first, v_last, v_n);
    INSERT INTO audit_links (last_id, first_id, n, prev_hash, hash)
    VALUES (v_last, v_first, v_n, head.last_hash, v_link);
    UPDATE audit_head SET last_id = v_last, last_hash = v_link WHERE one;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION audit_link_close() FROM PUBLIC;

DROP TRIGGER audit_head_advance ON audit_log;
DROP FUNCTION audit_head_advance();
CREATE CONSTRAINT TRIGGER audit_link_close AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.id::text = current_setting('airlock.audit_batch_first', true))
    EXECUTE FUNCTION audit_link_close();
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_link_close;

CREATE OR REPLACE FUNCTION audit_append(p_actor text, p_action text, p_job_id text, p_task_id text,
                                        p_labels jsonb DEFAULT '{}', p_detail jsonb DEFAULT '{}')
    RETURNS bigint
    LANGUAGE sql
AS $$
    INSERT INTO audit_log (actor, action, job_id, task_id, labels, detail)
    VALUES (p_actor, p_action, p_job_id, p_task_id, COALESCE(p_labels, '{}'), COALESCE(p_detail, '{}'))
    RETURNING id;
$$;

-- The chain in id order, per-row links (0002) and batches alike. Same result
-- convention as before: the id of the first row that does not verify (for a
-- batch: its first row), last id + 1 when the head does not name the last
-- row, NULL when the whole chain verifies.
CREATE OR REPLACE FUNCTION audit_verify_chain() RETURNS bigint
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    r       record;
    prev    bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
    last_id bigint := 0;
    b_first bigint;             -- first row of the open batch, NULL when none
    b_n     bigint := 0;
    b_ent   bytea := ''::bytea;
    head    audit_head%ROWTYPE;
BEGIN
    FOR r IN SELECT a.*, l.first_id AS l_first, l.n AS l_n, l.prev_hash AS l_prev, l.hash AS l_hash
             FROM audit_log a LEFT JOIN audit_links l ON l.last_id = a.id ORDER BY a.id LOOP
        IF r.prev_hash IS NOT NULL THEN            -- a per-row link
            IF b_first IS NOT NULL OR r.l_hash IS NOT NULL OR r.prev_hash IS DISTINCT FROM prev
               OR r.hash IS DISTINCT FROM sha256(audit_canonical(r.id, r.ts, r.actor, r.action,
                       r.job_id, r.task_id, r.labels, r.detail) || r.prev_hash) THEN
                RETURN COALESCE(b_first, r.id);
            END IF;
            prev := r.hash;
            last_id := r.id;
            CONTINUE;
        END IF;
        b_first := COALESCE(b_first, r.id);         -- an entry of a batch
        b_n := b_n + 1;
        b_ent := b_ent || sha256(audit_canonical(r.id, r.ts, r.actor, r.action, r.job_id,
                                                 r.task_id, r.labels, r.detail));
        IF r.l_hash IS NOT NULL THEN
            IF r.l_first <> b_first OR r.l_n <> b_n OR r.l_prev IS DISTINCT FROM prev
               OR r.l_hash IS DISTINCT FROM audit_link_hash(prev, b_ent, b_first, r.id, b_n) THEN
                RETURN b_first;
            END IF;
            prev := r.l_hash;
            last_id := r.id;
            b_first := NULL;
            b_n := 0;
            b_ent := ''::bytea;
        END IF;
    END LOOP;
    IF b_first IS NOT NULL THEN
        RETURN b_first;                             -- a batch without its link
    END IF;
    SELECT * INTO head FROM audit_head WHERE one;
    IF NOT FOUND OR head.last_id <> last_id OR head.last_hash <> prev THEN
        RETURN last_id + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION audit_verify() RETURNS bigint
    LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    SET CONSTRAINTS audit_link_close IMMEDIATE;
    SET CONSTRAINTS audit_link_close DEFERRED;
    RETURN audit_verify_chain();
END
$$;
