-- 0011_dispatch_batch.sql: several protocol steps in one round trip and one
-- transaction, for airlockd's busy loop turns (many SUBMITs, many RESULTs).
--
-- Each batch function applies the single-step function of 0010 to every
-- element, in order, inside the caller's one transaction: the same rows, the
-- same audit rows (one per step, chained as before), the same answers; only
-- the commit (WAL flush) and the round trip are shared. `ord` is the 1-based
-- position of the element the row answers. Elements are read with unnest (a
-- subscript p[i] of a large array re-reads the array: O(n^2)). A failing element fails the whole
-- batch (nothing of it is kept); airlockd then retries the elements one by one.

-- Refuses arrays of different lengths (unnest would pad the short ones with NULL).
CREATE FUNCTION airlock_batch_check(p_what text, VARIADIC p_lens int[]) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
    IF (SELECT count(DISTINCT COALESCE(l, 0)) FROM unnest(p_lens) l) > 1 THEN
        RAISE EXCEPTION '%: arrays of different lengths', p_what;
    END IF;
END
$$;

-- SUBMIT x n: rows (ord, job_id, existing).
CREATE FUNCTION airlock_submit_batch(p_keys text[], p_specs jsonb[], p_labels jsonb[],
                                     p_max_attempts int, p_clients text[])
    RETURNS TABLE (ord int, job_id text, existing boolean)
    LANGUAGE plpgsql
AS $$
DECLARE
    e record;
    r record;
BEGIN
    PERFORM airlock_batch_check('airlock_submit_batch', cardinality(p_keys), cardinality(p_specs),
                                cardinality(p_labels), cardinality(p_clients));
    FOR e IN SELECT * FROM unnest(p_keys, p_specs, p_labels, p_clients)
                          WITH ORDINALITY AS u(k, spec, labels, client, i) LOOP
        SELECT s.job_id, s.existing INTO r
        FROM airlock_submit(e.k, e.spec, e.labels, p_max_attempts, e.client) s;
        ord := e.i;
        job_id := r.job_id;
        existing := r.existing;
        RETURN NEXT;
    END LOOP;
END
$$;

-- RESULT x n: rows (ord, job_id, authoritative, duplicate); no row for an
-- element whose attempt is unknown (as airlock_store_result).
CREATE FUNCTION airlock_store_result_batch(p_tasks text[], p_attempts int[], p_verdicts text[],
                                           p_reasons text[], p_summaries jsonb[],
                                           p_workers text[])
    RETURNS TABLE (ord int, job_id text, authoritative boolean, duplicate boolean)
    LANGUAGE plpgsql
AS $$
DECLARE
    e record;
    r record;
BEGIN
    PERFORM airlock_batch_check('airlock_store_result_batch', cardinality(p_tasks),
                                cardinality(p_attempts), cardinality(p_verdicts),
                                cardinality(p_reasons), cardinality(p_summaries),
                                cardinality(p_workers));
    FOR e IN SELECT * FROM unnest(p_tasks, p_attempts, p_verdicts, p_reasons, p_summaries, p_workers)
                          WITH ORDINALITY AS u(task, attempt, verdict, reason, summary, worker, i) LOOP
        FOR r IN SELECT s.job_id, s.authoritative, s.duplicate
                 FROM airlock_store_result(e.task, e.attempt, e.verdict, e.reason, e.summary,
                                           e.worker) s LOOP
            ord := e.i;
            job_id := r.job_id;
            authoritative := r.authoritative;
            duplicate := r.duplicate;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END
$$;

-- EVENT x n: rows (ord, is_new), one per element.
CREATE FUNCTION airlock_store_event_batch(p_tasks text[], p_attempts int[], p_seqs bigint[],
                                          p_kinds text[], p_ts_us bigint[], p_data jsonb[],
                                          p_workers text[])
    RETURNS TABLE (ord int, is_new boolean)
    LANGUAGE plpgsql
AS $$
DECLARE
    e record;
BEGIN
    PERFORM airlock_batch_check('airlock_store_event_batch', cardinality(p_tasks),
                                cardinality(p_attempts), cardinality(p_seqs), cardinality(p_kinds),
                                cardinality(p_ts_us), cardinality(p_data), cardinality(p_workers));
    FOR e IN SELECT * FROM unnest(p_tasks, p_attempts, p_seqs, p_kinds, p_ts_us, p_data, p_workers)
                          WITH ORDINALITY AS u(task, attempt, seq, kind, ts_us, data, worker, i) LOOP
        ord := e.i;
        is_new := airlock_store_event(e.task, e.attempt, e.seq, e.kind, e.ts_us, e.data, e.worker);
        RETURN NEXT;
    END LOOP;
END
$$;

GRANT EXECUTE ON FUNCTION airlock_batch_check(text, int[]), airlock_submit_batch(text[], jsonb[], jsonb[], int, text[]),
    airlock_store_result_batch(text[], int[], text[], text[], jsonb[], text[]),
    airlock_store_event_batch(text[], int[], bigint[], text[], bigint[], jsonb[], text[])
    TO airlock_app;

-- Cheaper single steps (same rows, same audit rows, same answers as 0010):
-- SUBMIT without a subtransaction per call (ON CONFLICT instead of an
-- EXCEPTION block); CLAIM audits from the labels it already joined; RESULT
-- inserts the result with its final `authoritative` instead of updating it.
CREATE OR REPLACE FUNCTION airlock_submit(p_key text, p_spec jsonb, p_labels jsonb,
                                          p_max_attempts int, p_client text)
    RETURNS TABLE (job_id text, existing boolean)
    LANGUAGE plpgsql
AS $$
DECLARE
    v_job text := gen_random_uuid()::text;
    v_task text := gen_random_uuid()::text;
    v_id text;
BEGIN
    INSERT INTO jobs (id, idempotency_key, spec, labels, max_attempts, task_id, submitted_by)
    VALUES (v_job, p_key, p_spec, COALESCE(p_labels, '{}'), p_max_attempts, v_task, p_client)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        -- This key is taken (also by a concurrent SUBMIT that committed first).
        SELECT j.id INTO job_id FROM jobs j WHERE j.idempotency_key = p_key;
        existing := true;
        RETURN NEXT;
        RETURN;
    END IF;
    INSERT INTO tasks (id, attempt, job_id, state) VALUES (v_task, 1, v_job, 'queued');
    PERFORM audit_append('airlockd', 'job.submitted', v_job, v_task, COALESCE(p_labels, '{}'),
                         jsonb_build_object('client', p_client, 'idempotency_key', p_key,
                                            'spec_sha256', encode(sha256(convert_to(p_spec::text, 'UTF8')), 'hex')));
    job_id := v_job;
    existing := false;
    RETURN NEXT;
END
$$;

CREATE OR REPLACE FUNCTION airlock_claim(p_worker text, p_drivers text[], p_labels jsonb, p_n int,
                                         p_lease_ms int)
    RETURNS TABLE (task_id text, attempt int, job_id text, spec text)
    LANGUAGE plpgsql
AS $$
DECLARE
    r record;
BEGIN
    FOR r IN
        WITH c AS (
            SELECT t.id, t.attempt
            FROM tasks t JOIN jobs j ON j.id = t.job_id
            WHERE t.state = 'queued' AND NOT j.cancel_requested
              AND (COALESCE(j.spec->>'driver', 'any') = 'any' OR j.spec->>'driver' = ANY (p_drivers))
              AND (j.spec->'worker_labels' IS NULL OR p_labels @> (j.spec->'worker_labels'))
            ORDER BY t.priority DESC, t.queued_at, t.id
            FOR UPDATE OF t SKIP LOCKED
            LIMIT p_n
        ), a AS (
            UPDATE tasks t SET state = 'assigned', worker_id = p_worker, assigned_at = now(),
                   lease_expires_at = now() + p_lease_ms * interval '1 millisecond'
            FROM c WHERE t.id = c.id AND t.attempt = c.attempt
            RETURNING t.id, t.attempt, t.job_id
        ), j AS (
            UPDATE jobs SET state = 'running', started_at = COALESCE(started_at, now())
            FROM a WHERE jobs.id = a.job_id
            RETURNING jobs.id, jobs.spec, jobs.labels
        )
        SELECT a.id, a.attempt, a.job_id, j.spec::text AS spec, j.labels
        FROM a JOIN j ON j.id = a.job_id
    LOOP
        PERFORM audit_append('airlockd', 'task.assigned', r.job_id, r.id, r.labels,
                             jsonb_build_object('attempt', r.attempt, 'worker', p_worker));
        task_id := r.id;
        attempt := r.attempt;
        job_id := r.job_id;
        spec := r.spec;
        RETURN NEXT;
    END LOOP;
END
$$;

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
    job_id := j.id;
    v_auth := t.state IN ('assigned', 'running') AND t.worker_id = p_worker
              AND j.state IN ('queued', 'running') AND j.authoritative_attempt IS NULL;
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
    PERFORM audit_append(COALESCE(p_worker, 'airlockd'), 'result.stored', j.id, p_task, j.labels,
                         jsonb_build_object('attempt', p_attempt, 'verdict', p_verdict,
                                            'reason', p_reason, 'authoritative', authoritative));
    RETURN NEXT;
END
$$;
