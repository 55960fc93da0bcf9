-- 0090_exec_lost.sql: exec events lost to a proc connector overflow are on
-- record (issue 12; docs/DATA-MODEL.md "Exec events lost").
--
-- Exec events come from the kernel's proc connector (the worker's on ns,
-- airlock-init's in a microVM guest). When its socket overflows (ENOBUFS: an
-- exec burst faster than the reader) the kernel drops events. The sandbox
-- drivers count the overflows and, after the command, the worker sends one
-- event of kind `exec.lost` (data: `stage`, `overflows`, `ts_us`). Here it
-- gets an audit row `event.exec.lost` like an `exec` event does, and the event
-- caps never drop it (one per command at most, like `stage.end`): a workload
-- that first fills the caps cannot then blind the exec audit silently.

-- as 0075, with 'exec.lost' among the kinds that are counted but never dropped
CREATE OR REPLACE FUNCTION airlock_event_admit(p_task text, p_attempt int, p_kind text, p_size bigint)
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
           OR p_kind IN ('stage.start', 'stage.end', 'finding', 'artifact', 'exec.lost')
    RETURNING true INTO v_ok;
    RETURN COALESCE(v_ok, false);
END
$$;

-- The audit row of a stored `exec.lost` event, written by the worker holding
-- the attempt (the one airlock_store_event accepted it from).
CREATE FUNCTION airlock_exec_lost_audit() RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    v_job text;
    v_worker text;
BEGIN
    SELECT t.job_id, t.worker_id INTO v_job, v_worker FROM tasks t
    WHERE t.id = NEW.task_id AND t.attempt = NEW.attempt;
    PERFORM audit_append(COALESCE(v_worker, 'airlockd'), 'event.exec.lost', v_job, NEW.task_id,
                         airlock_job_labels(v_job),
                         jsonb_build_object('attempt', NEW.attempt, 'seq', NEW.seq) || NEW.data);
    RETURN NULL;
END
$$;

CREATE TRIGGER task_events_exec_lost_audit AFTER INSERT ON task_events
    FOR EACH ROW WHEN (NEW.kind = 'exec.lost') EXECUTE FUNCTION airlock_exec_lost_audit();
