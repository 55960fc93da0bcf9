-- 0072_results_and_cancel.sql: a worker reports only on its own attempts;
-- airlock_cancel sees "no live attempt" (issue 12).
--
-- RESULT: before, a RESULT for an attempt held by another worker was stored
-- (never authoritative) under source 'worker', and the holder's real RESULT
-- then hit the unique key (task, attempt, source) and was dropped as a
-- duplicate: one worker could void another's work. Now a RESULT is refused
-- unless the attempt is assigned to the sender (tasks.worker_id): nothing is
-- stored but an audit row `result.refused`; the holder's RESULT decides as
-- before. A late RESULT of the sender's own lost attempt is still stored as
-- history, never authoritative. (EVENTs were already refused the same way,
-- airlock_store_event.)
--
-- CANCEL: 0010 tested FOUND after a PERFORM (which sets it), so a job without
-- a live attempt was flagged and never ended. Both functions are restated
-- whole (forward-only migrations).

CREATE OR REPLACE FUNCTION airlock_store_result(p_task text, p_attempt int, p_verdict text,
                                                p_reason text, p_summary jsonb, p_worker text)
    RETURNS TABLE (job_id text, authoritative boolean, duplicate boolean)
    LANGUAGE plpgsql
AS $$
DECLARE
    t tasks%ROWTYPE;
    j jobs%ROWTYPE;
    v_id bigint;
    v_auth boolean;
BEGIN
    SELECT * INTO t FROM tasks WHERE id = p_task AND attempt = p_attempt FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;   -- unknown attempt: nothing to attach it to
    END IF;
    SELECT * INTO j FROM jobs WHERE id = t.job_id FOR UPDATE;
    IF t.worker_id IS DISTINCT FROM p_worker THEN
        -- not the sender's attempt: refused (no row returned), kept as evidence
        PERFORM audit_append(COALESCE(p_worker, 'unknown'), 'result.refused', j.id, p_task, j.labels,
                             jsonb_build_object('attempt', p_attempt, 'verdict', p_verdict,
                                                'holder', t.worker_id,
                                                'reason', 'the attempt is not assigned to this worker'));
        RETURN;
    END IF;
    job_id := j.id;
    v_auth := t.state IN ('assigned', 'running') AND j.state IN ('queued', 'running')
              AND j.authoritative_attempt IS NULL;
    INSERT INTO results (job_id, task_id, attempt, verdict, reason, summary, worker_id, source,
                         authoritative)
    VALUES (j.id, p_task, p_attempt, p_verdict, p_reason, COALESCE(p_summary, '{}'), p_worker,
            'worker', v_auth)
    ON CONFLICT (task_id, attempt, source) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        SELECT r.authoritative INTO authoritative FROM results r
        WHERE r.task_id = p_task AND r.attempt = p_attempt AND r.source = 'worker';
        duplicate := true;
        RETURN NEXT;
        RETURN;
    END IF;
    duplicate := false;
    authoritative := v_auth;
    IF authoritative THEN
        UPDATE tasks SET state = 'done', verdict = p_verdict, reason = p_reason, finished_at = now()
        WHERE id = p_task AND attempt = p_attempt;
        UPDATE jobs SET state = CASE WHEN p_verdict = 'cancelled' THEN 'cancelled' ELSE 'finished' END,
                        verdict = p_verdict, reason = p_reason, finished_at = now(),
                        authoritative_attempt = p_attempt
        WHERE id = j.id;
    END IF;
    PERFORM audit_append(p_worker, 'result.stored', j.id, p_task, j.labels,
                         jsonb_build_object('attempt', p_attempt, 'verdict', p_verdict,
                                            'reason', p_reason, 'authoritative', authoritative));
    RETURN NEXT;
END
$$;

CREATE OR REPLACE FUNCTION airlock_cancel(p_job text, p_client text)
    RETURNS TABLE (job_state text, task_id text, attempt int, worker_id text)
    LANGUAGE plpgsql
AS $$
DECLARE
    j jobs%ROWTYPE;
    t tasks%ROWTYPE;
    v_live boolean;
BEGIN
    SELECT * INTO j FROM jobs WHERE id = p_job FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF j.state IN ('finished', 'cancelled') THEN
        job_state := j.state;
        RETURN NEXT;
        RETURN;
    END IF;
    UPDATE jobs SET cancel_requested = true WHERE id = p_job;
    SELECT * INTO t FROM tasks WHERE tasks.job_id = p_job AND state IN ('queued', 'assigned', 'running')
    FOR UPDATE;
    v_live := FOUND;   -- before the PERFORM below, which sets FOUND itself
    PERFORM audit_append('airlockd', 'job.cancel_requested', p_job, j.task_id, j.labels,
                         jsonb_build_object('client', p_client));
    IF NOT v_live OR t.state = 'queued' THEN
        UPDATE tasks SET state = 'cancelled', finished_at = now()
        WHERE tasks.job_id = p_job AND state = 'queued';
        UPDATE jobs SET state = 'cancelled', verdict = 'cancelled', finished_at = now(),
                        reason = CASE WHEN v_live THEN 'cancelled before it ran'
                                      ELSE 'cancelled (no live attempt)' END
        WHERE id = p_job;
        job_state := 'cancelled';
        RETURN NEXT;
        RETURN;
    END IF;
    job_state := j.state;
    task_id := t.id;
    attempt := t.attempt;
    worker_id := t.worker_id;
    RETURN NEXT;
END
$$;
