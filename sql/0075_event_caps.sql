-- 0075_event_caps.sql: per-attempt caps on stored events (issue 12;
-- docs/DATA-MODEL.md "Event caps", airlockd settings max_events_per_task and
-- max_event_mb_per_task).
--
-- Before, every EVENT a worker sent was stored (task_events, its typed table
-- and, for exec/egress/..., an audit row serialized on the audit head): a
-- workload looping over exec or connect wrote without bound. Now each
-- (task, attempt) stores at most event_limits.max_events events and
-- max_bytes bytes of event data. Beyond that, events are counted
-- (task_event_counts.dropped_*) and acknowledged but not stored; the first
-- dropped one is replaced by ONE summary event `events.capped` (and one
-- audit row), so the loss is on record. stage.start, stage.end, finding and
-- artifact events are never dropped (they are bounded by the pipeline and
-- carry the evidence); they count towards the caps.

CREATE TABLE event_limits (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    max_events bigint NOT NULL CHECK (max_events >= 1),
    max_bytes  bigint NOT NULL CHECK (max_bytes >= 1024)
);
INSERT INTO event_limits (max_events, max_bytes) VALUES (10000, 64 * 1024 * 1024);

CREATE TABLE task_event_counts (
    task_id        text NOT NULL,
    attempt        integer NOT NULL,
    events         bigint NOT NULL DEFAULT 0,
    bytes          bigint NOT NULL DEFAULT 0,
    dropped_events bigint NOT NULL DEFAULT 0,
    dropped_bytes  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (task_id, attempt),
    FOREIGN KEY (task_id, attempt) REFERENCES tasks (id, attempt) ON DELETE CASCADE
);

-- airlockd sets the caps from its settings at start.
CREATE FUNCTION airlock_event_limits_set(p_max_events bigint, p_max_bytes bigint)
    RETURNS void
    LANGUAGE sql
AS $$
    UPDATE event_limits SET max_events = p_max_events, max_bytes = p_max_bytes;
$$;

-- Counts one event of (task, attempt); true when it may be stored.
CREATE FUNCTION airlock_event_admit(p_task text, p_attempt int, p_kind text, p_size bigint)
    RETURNS boolean
    LANGUAGE plpgsql
AS $$
DECLARE
    l event_limits%ROWTYPE;
    v_ok boolean;
BEGIN
    SELECT * INTO l FROM event_limits;
    INSERT INTO task_event_counts AS c (task_id, attempt, events, bytes)
    VALUES (p_task, p_attempt, 1, p_size)
    ON CONFLICT (task_id, attempt) DO UPDATE SET events = c.events + 1, bytes = c.bytes + p_size
        WHERE (c.events < l.max_events AND c.bytes + p_size <= l.max_bytes)
           OR p_kind IN ('stage.start', 'stage.end', 'finding', 'artifact')
    RETURNING true INTO v_ok;
    RETURN COALESCE(v_ok, false);
END
$$;

-- EVENT (as 0010) under the caps: a dropped event returns false (ACKed, not
-- stored); the first one leaves the summary event `events.capped`.
CREATE OR REPLACE FUNCTION airlock_store_event(p_task text, p_attempt int, p_seq bigint, p_kind text,
                                               p_ts_us bigint, p_data jsonb, p_worker text)
    RETURNS boolean
    LANGUAGE plpgsql
AS $$
DECLARE
    v_id bigint;
    v_job text;
    v_dropped bigint;
    v_size bigint := octet_length(p_data::text);
    v_ts timestamptz := to_timestamp(p_ts_us::double precision / 1e6);
BEGIN
    SELECT t.job_id INTO v_job FROM tasks t
    WHERE t.id = p_task AND t.attempt = p_attempt AND t.worker_id = p_worker;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM 1 FROM task_events WHERE task_id = p_task AND attempt = p_attempt AND seq = p_seq;
    IF FOUND THEN
        RETURN false;   -- a retransmission (not counted twice)
    END IF;
    IF NOT airlock_event_admit(p_task, p_attempt, p_kind, v_size) THEN
        UPDATE task_event_counts SET dropped_events = dropped_events + 1, dropped_bytes = dropped_bytes + v_size
        WHERE task_id = p_task AND attempt = p_attempt
        RETURNING dropped_events INTO v_dropped;
        UPDATE tasks SET acked_seq = GREATEST(acked_seq, p_seq) WHERE id = p_task AND attempt = p_attempt;
        IF v_dropped = 1 THEN
            INSERT INTO task_events (task_id, attempt, seq, kind, ts, data)
            SELECT p_task, p_attempt, p_seq, 'events.capped', v_ts,
                   jsonb_build_object('max_events', l.max_events, 'max_bytes', l.max_bytes,
                                      'first_dropped_seq', p_seq, 'first_dropped_kind', p_kind)
            FROM event_limits l
            ON CONFLICT (task_id, attempt, seq) DO NOTHING;
            PERFORM audit_append('airlockd', 'events.capped', v_job, p_task, airlock_job_labels(v_job),
                                 jsonb_build_object('attempt', p_attempt, 'first_dropped_seq', p_seq,
                                                    'first_dropped_kind', p_kind));
            RETURN true;   -- the summary is new: waiters see it
        END IF;
        RETURN false;
    END IF;
    INSERT INTO task_events (task_id, attempt, seq, kind, ts, data)
    VALUES (p_task, p_attempt, p_seq, p_kind, v_ts, p_data)
    ON CONFLICT (task_id, attempt, seq) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RETURN false;   -- a retransmission
    END IF;
    UPDATE tasks SET acked_seq = GREATEST(acked_seq, p_seq) WHERE id = p_task AND attempt = p_attempt;
    BEGIN
        PERFORM airlock_project_event(p_task, p_attempt, p_kind, v_ts, p_data);
    EXCEPTION WHEN others THEN
        UPDATE task_events SET data = data || jsonb_build_object('projection_error', SQLERRM)
        WHERE id = v_id;
    END;
    IF p_kind IN ('stage.end', 'finding', 'file_change', 'exec', 'egress', 'artifact') THEN
        PERFORM audit_append(p_worker, 'event.' || p_kind, v_job, p_task, airlock_job_labels(v_job),
                             jsonb_build_object('attempt', p_attempt, 'seq', p_seq)
                             || (p_data - 'output' - 'content'));
    END IF;
    RETURN true;
END
$$;

GRANT SELECT, UPDATE ON event_limits TO airlock_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON task_event_counts TO airlock_app;
GRANT EXECUTE ON FUNCTION airlock_event_limits_set(bigint, bigint),
    airlock_event_admit(text, int, text, bigint) TO airlock_app;
