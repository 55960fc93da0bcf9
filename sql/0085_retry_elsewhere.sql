-- 0085_retry_elsewhere.sql: a retry after a lost attempt prefers another
-- worker (issue 15).
--
-- Found by a user: a worker that died with its attempt, came back and asked
-- for work got the retry, died again, and after three attempts the job ended
-- sandbox_error although other workers were free. Now every attempt after the
-- first remembers the workers of the job's earlier attempts (avoid_workers,
-- set when the retry row is inserted) and a claim by one of them skips the row
-- while another worker that can run the job is free: connected, seen within
-- one lease, fewer live attempts than slots, and fitting the job's driver,
-- isolation (airlock_worker_fits, 0030) and worker labels. A retry that has
-- waited one lease in the queue is taken by anyone (a free worker that never
-- asks, e.g. one another airlockd does not serve, cannot hold it back).
--
-- Done with triggers on tasks, so that the claim functions (0011/0030, and
-- whatever replaces them) stay as they are: a BEFORE UPDATE trigger that
-- returns NULL skips the row, and the claim's UPDATE ... RETURNING goes on
-- without it (the row is neither assigned nor audited).

ALTER TABLE tasks ADD COLUMN avoid_workers text[] NOT NULL DEFAULT '{}';

CREATE FUNCTION airlock_task_remember_workers() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    SELECT COALESCE(array_agg(DISTINCT t.worker_id) FILTER (WHERE t.worker_id IS NOT NULL), '{}')
    INTO NEW.avoid_workers
    FROM tasks t WHERE t.id = NEW.id AND t.attempt < NEW.attempt;
    RETURN NEW;
END
$$;

CREATE TRIGGER tasks_remember_workers BEFORE INSERT ON tasks
    FOR EACH ROW WHEN (NEW.attempt > 1) EXECUTE FUNCTION airlock_task_remember_workers();

-- Is a worker outside p_avoid free to run p_job now?
CREATE FUNCTION airlock_other_worker_free(p_job text, p_avoid text[], p_window interval)
    RETURNS boolean
    LANGUAGE sql STABLE
AS $$
    SELECT EXISTS (
        SELECT 1 FROM workers w JOIN jobs j ON j.id = p_job
        WHERE w.state = 'connected' AND w.last_seen > now() - p_window
          AND NOT (w.id = ANY (p_avoid))
          AND airlock_worker_fits(w.drivers, w.accel, j.spec)
          AND (j.spec->'worker_labels' IS NULL OR w.labels @> (j.spec->'worker_labels'))
          AND w.slots > (SELECT count(*) FROM tasks t
                         WHERE t.worker_id = w.id AND t.state IN ('assigned', 'running')))
$$;

CREATE FUNCTION airlock_task_claim_elsewhere() RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    v_lease interval := NEW.lease_expires_at - now();   -- the claim's lease_ms
BEGIN
    IF v_lease IS NULL OR OLD.queued_at < now() - v_lease THEN
        RETURN NEW;   -- waited a lease already: anyone may take it
    END IF;
    IF airlock_other_worker_free(NEW.job_id, OLD.avoid_workers, v_lease) THEN
        RETURN NULL;  -- skipped: left queued for the free worker
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER tasks_claim_elsewhere BEFORE UPDATE ON tasks
    FOR EACH ROW
    WHEN (OLD.state = 'queued' AND NEW.state = 'assigned' AND NEW.worker_id = ANY (OLD.avoid_workers))
    EXECUTE FUNCTION airlock_task_claim_elsewhere();
