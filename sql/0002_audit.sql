-- 0002_audit.sql: the append-only, hash-chained audit log.
--
-- Every row carries prev_hash (the hash of the row before it, 32 zero bytes
-- for the first row) and hash = sha256(audit_canonical(row) || prev_hash).
-- The canonical form is specified in docs/DATA-MODEL.md and recomputed
-- independently in C by store_audit_verify() (orchestrator/store/audit.c).
--
-- Appends are serialized by locking the one row of audit_head FOR UPDATE;
-- the trigger assigns id, ts (clock_timestamp()), prev_hash and hash itself (client values are
-- ignored), so ids follow chain order and the chain never forks.
-- UPDATE, DELETE and TRUNCATE are refused by statement triggers that are
-- ENABLE ALWAYS (session_replication_role = replica does not skip them) and
-- by grants (airlock_app: INSERT and SELECT only).

CREATE TABLE audit_log (
    id         bigint PRIMARY KEY,   -- from audit_log_id_seq, assigned by the trigger
    ts         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL CHECK (length(actor) BETWEEN 1 AND 256),  -- worker key or 'airlockd'
    action     text NOT NULL CHECK (length(action) BETWEEN 1 AND 128),
    job_id     text,                 -- no FK: the audit trail outlives jobs
    task_id    text,
    labels     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(labels) = 'object'),
    detail     jsonb NOT NULL DEFAULT '{}',
    prev_hash  bytea NOT NULL CHECK (octet_length(prev_hash) = 32),
    hash       bytea NOT NULL CHECK (octet_length(hash) = 32)
);
-- A bigserial without the column default: a default would draw an id before the
-- trigger takes the chain lock, so ids could disagree with chain order.
CREATE SEQUENCE audit_log_id_seq AS bigint OWNED BY audit_log.id;
CREATE INDEX audit_log_job_idx ON audit_log (job_id, id);
CREATE INDEX audit_log_ts_idx ON audit_log (ts);

-- The chain head: exactly one row, the id and hash of the last appended row.
CREATE TABLE audit_head (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    last_id    bigint NOT NULL DEFAULT 0,
    last_hash  bytea NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000'
               CHECK (octet_length(last_hash) = 32)
);
INSERT INTO audit_head DEFAULT VALUES;

-- One field of the canonical form: "~" for NULL, else "<octets>:<text>,".
CREATE FUNCTION audit_field(v text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN v IS NULL THEN '~' ELSE octet_length(v)::text || ':' || v || ',' END;

-- canonical(row) as UTF-8 bytes. ts is integer microseconds since the Unix
-- epoch; labels and detail are PostgreSQL's jsonb text output.
CREATE FUNCTION audit_canonical(p_id bigint, p_ts timestamptz, p_actor text, p_action text,
                                p_job_id text, p_task_id text, p_labels jsonb, p_detail jsonb)
    RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN convert_to('airlock-audit-v1|'
        || audit_field(p_id::text)
        || audit_field(((extract(epoch FROM p_ts) * 1000000)::numeric(30, 0))::text)
        || audit_field(p_actor)
        || audit_field(p_action)
        || audit_field(p_job_id)
        || audit_field(p_task_id)
        || audit_field(p_labels::text)
        || audit_field(p_detail::text), 'UTF8');

CREATE FUNCTION audit_log_chain() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    head audit_head%ROWTYPE;
BEGIN
    SELECT * INTO head FROM audit_head WHERE one FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit_head row is missing';
    END IF;
    NEW.id := nextval('audit_log_id_seq');
    NEW.ts := clock_timestamp();   -- server time, in chain order; client values ignored
    NEW.labels := COALESCE(NEW.labels, '{}'::jsonb);
    NEW.detail := COALESCE(NEW.detail, '{}'::jsonb);
    NEW.prev_hash := head.last_hash;
    NEW.hash := sha256(audit_canonical(NEW.id, NEW.ts, NEW.actor, NEW.action, NEW.job_id,
                                       NEW.task_id, NEW.labels, NEW.detail) || NEW.prev_hash);
    UPDATE audit_head SET last_id = NEW.id, last_hash = NEW.hash WHERE one;
    RETURN NEW;
END
$$;

CREATE FUNCTION audit_log_refuse() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_chain;
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_update_delete;
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_truncate;

-- The head is written only by the trigger; nobody updates or deletes it by hand.
CREATE FUNCTION audit_head_guard() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN
        RETURN NEW;          -- the chain trigger advancing the head
    END IF;
    RAISE EXCEPTION 'audit_head is maintained by the audit_log trigger: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_guard();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
ALTER TABLE audit_head ENABLE ALWAYS TRIGGER audit_head_guard;
ALTER TABLE audit_head ENABLE ALWAYS TRIGGER audit_head_no_truncate;

-- Convenience for SQL callers; returns the new row's id.
CREATE FUNCTION audit_append(p_actor text, p_action text, p_job_id text, p_task_id text,
                             p_labels jsonb DEFAULT '{}', p_detail jsonb DEFAULT '{}')
    RETURNS bigint
    LANGUAGE sql
AS $$
    INSERT INTO audit_log (actor, action, job_id, task_id, labels, detail)
    VALUES (p_actor, p_action, p_job_id, p_task_id, p_labels, p_detail)
    RETURNING id;
$$;

-- Recomputes the chain in id order. Returns the id of the first row whose
-- prev_hash or hash is wrong; when every row is right but the head does not
-- match the last row (rows removed from the tail), returns the last row's id
-- + 1 (the first position that is missing); NULL when the whole chain verifies.
CREATE FUNCTION audit_verify() RETURNS bigint
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    r       record;
    prev    bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
    last_id bigint := 0;
    head    audit_head%ROWTYPE;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        IF r.prev_hash IS DISTINCT FROM prev
           OR r.hash IS DISTINCT FROM sha256(audit_canonical(r.id, r.ts, r.actor, r.action,
                   r.job_id, r.task_id, r.labels, r.detail) || r.prev_hash) THEN
            RETURN r.id;
        END IF;
        prev := r.hash;
        last_id := r.id;
    END LOOP;
    SELECT * INTO head FROM audit_head WHERE one;
    IF NOT FOUND OR head.last_id <> last_id OR head.last_hash <> prev THEN
        RETURN last_id + 1;
    END IF;
    RETURN NULL;
END
$$;

REVOKE ALL ON audit_log, audit_head FROM PUBLIC;
REVOKE ALL ON audit_log, audit_head FROM airlock_app;
GRANT SELECT, INSERT ON audit_log TO airlock_app;
GRANT SELECT ON audit_head TO airlock_app;
REVOKE ALL ON SEQUENCE audit_log_id_seq FROM PUBLIC, airlock_app;  -- only the trigger draws ids
REVOKE ALL ON FUNCTION audit_log_chain() FROM PUBLIC;
