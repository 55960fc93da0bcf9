-- 0081_dispatch_set_based.sql: the per-turn dispatch statements as set-based
-- SQL (issue 15; bench/dispatch).
--
-- 0011 made SUBMIT x n, CLAIM and RESULT x n one round trip each, but inside
-- they still looped per element in plpgsql (several statements and an audit
-- append each). Here each is a few statements over the whole set, appending
-- its audit rows with one INSERT (one batch, one chain link: 0080). Same rows,
-- same audit rows (action, detail, in element order), same answers:
--   * SUBMIT x n: jobs inserted in element order ON CONFLICT DO NOTHING (an
--     idempotency key repeated in the batch or already taken answers the
--     existing job, read after the insert as before);
--   * CLAIM: the claimed attempts' audit rows in one INSERT, the worker's
--     isolation levels worked out once, not per candidate job;
--   * RESULT x n: set-based when every element is an attempt its sender holds,
--     of distinct jobs, with no result stored yet (the dispatch case); any
--     other batch (a duplicate, a refused or unknown attempt, two attempts of
--     one job) runs 0072's single-step function per element, as before
--     (airlock_store_result_each: 0011's batch function, renamed).

CREATE OR REPLACE FUNCTION airlock_submit_batch(p_keys text[], p_specs jsonb[], p_labels jsonb[],
                                                p_max_attempts int, p_clients text[], p_tenants text[])
    RETURNS TABLE (ord int, job_id text, existing boolean)
    LANGUAGE plpgsql
AS $$
DECLARE
    v_new int[];
    v_ids text[];
BEGIN
    PERFORM airlock_batch_check('airlock_submit_batch', cardinality(p_keys), cardinality(p_specs),
                                cardinality(p_labels), cardinality(p_clients), cardinality(p_tenants));
    WITH e AS (
        SELECT u.i::int AS i, u.k, u.spec, COALESCE(u.labels, '{}'::jsonb) AS labels, u.client,
               COALESCE(u.tenant, u.client) AS tenant, gen_random_uuid()::text AS jid,
               gen_random_uuid()::text AS tid, encode(sha256(convert_to(u.spec::text, 'UTF8')), 'hex') AS sha
        FROM unnest(p_keys, p_specs, p_labels, p_clients, p_tenants)
             WITH ORDINALITY AS u(k, spec, labels, client, tenant, i)
    ), ins AS (
        INSERT INTO jobs (id, idempotency_key, spec, labels, max_attempts, task_id, submitted_by, tenant,
                          spec_sha256)
        SELECT e.jid, e.k, e.spec, e.labels, p_max_attempts, e.tid, e.client, e.tenant, e.sha FROM e ORDER BY e.i
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING jobs.id, jobs.task_id
    ), tk AS (
        INSERT INTO tasks (id, attempt, job_id, state) SELECT ins.task_id, 1, ins.id, 'queued' FROM ins
    ), au AS (
        INSERT INTO audit_log (actor, action, job_id, task_id, labels, detail)
        SELECT 'airlockd', 'job.submitted', e.jid, e.tid, e.labels,
               jsonb_build_object('client', e.client, 'tenant', e.tenant, 'idempotency_key', e.k,
                                  'spec_sha256', e.sha)
        FROM e JOIN ins ON ins.id = e.jid ORDER BY e.i
    )
    SELECT array_agg(e.i), array_agg(e.jid) INTO v_new, v_ids FROM e JOIN ins ON ins.id = e.jid;
    -- the inserted ones, then every other element's existing job (read now:
    -- a key taken earlier in this batch or by a concurrent SUBMIT that
    -- committed first)
    RETURN QUERY SELECT n.i, n.id, false FROM unnest(v_new, v_ids) AS n(i, id);
    RETURN QUERY
        SELECT u.i::int, j.id, true
        FROM unnest(p_keys) WITH ORDINALITY AS u(k, i)
        JOIN jobs j ON j.idempotency_key = u.k
        WHERE NOT (u.i::int = ANY (COALESCE(v_new, '{}')));
END
$$;

-- The worker's isolation is worked out once per claim (the best rank per
-- driver, and over all drivers for a job that takes any), not once per
-- candidate job: the same rule as airlock_worker_fits (0030).
CREATE OR REPLACE FUNCTION airlock_claim(p_worker text, p_drivers text[], p_labels jsonb, p_n int,
                                         p_lease_ms int)
    RETURNS TABLE (task_id text, attempt int, job_id text, spec text)
    LANGUAGE plpgsql
AS $$
DECLARE
    v_ranks jsonb;
BEGIN
    SELECT COALESCE(jsonb_object_agg(x.driver, x.rank), '{}'::jsonb) || jsonb_build_object('any', max(x.rank))
      INTO v_ranks
      FROM (SELECT l.driver, max(airlock_isolation_rank(l.level)) AS rank
            FROM airlock_worker_levels(p_drivers, (SELECT wk.accel FROM workers wk WHERE wk.id = p_worker)) l
            GROUP BY l.driver) x;
    RETURN QUERY
    WITH c AS (
        -- the queue in order (tasks_queue_idx), each candidate's job looked
        -- up by its key: a scalar subquery, so that the planner never scans
        -- every job (finished ones included) to find the few queued
        SELECT t.id, t.attempt
        FROM tasks t
        WHERE t.state = 'queued'
          AND (SELECT NOT j.cancel_requested
                      AND COALESCE((v_ranks->>COALESCE(j.spec->>'driver', 'any'))::int, -1)
                          >= airlock_job_min_rank(j.spec)
                      AND (j.spec->'worker_labels' IS NULL OR p_labels @> (j.spec->'worker_labels'))
               FROM jobs j WHERE j.id = t.job_id)
        ORDER BY t.priority DESC, t.queued_at, t.id
        FOR UPDATE OF t SKIP LOCKED
        LIMIT p_n
    ), a AS (
        UPDATE tasks t SET state = 'assigned', worker_id = p_worker, assigned_at = now(),
               lease_expires_at = now() + p_lease_ms * interval '1 millisecond'
        FROM c WHERE t.id = c.id AND t.attempt = c.attempt
        RETURNING t.id, t.attempt, t.job_id, t.priority, t.queued_at
    ), j AS (
        UPDATE jobs SET state = 'running', started_at = COALESCE(started_at, now())
        FROM a WHERE jobs.id = a.job_id
        RETURNING jobs.id, jobs.spec, jobs.labels
    ), r AS (
        SELECT a.id, a.attempt, a.job_id, j.spec::text AS spec, j.labels, a.priority, a.queued_at
        FROM a JOIN j ON j.id = a.job_id
    ), au AS (
        INSERT INTO audit_log (actor, action, job_id, task_id, labels, detail)
        SELECT 'airlockd', 'task.assigned', r.job_id, r.id, r.labels,
               jsonb_build_object('attempt', r.attempt, 'worker', p_worker)
        FROM r ORDER BY r.priority DESC, r.queued_at, r.id
    )
    SELECT r.id, r.attempt, r.job_id, r.spec FROM r ORDER BY r.priority DESC, r.queued_at, r.id;
END
$$;

-- RESULT x n, one element at a time (0011's function, renamed): the general case.
ALTER FUNCTION airlock_store_result_batch(text[], int[], text[], text[], jsonb[], text[])
    RENAME TO airlock_store_result_each;

CREATE FUNCTION airlock_store_result_batch(p_tasks text[], p_attempts int[], p_verdicts text[],
                                                      p_reasons text[], p_summaries jsonb[],
                                                      p_workers text[])
    RETURNS TABLE (ord int, job_id text, authoritative boolean, duplicate boolean)
    LANGUAGE plpgsql
AS $$
DECLARE
    v_ok int;
    v_jobs int;
BEGIN
    PERFORM airlock_batch_check('airlock_store_result_batch', cardinality(p_tasks),
                                cardinality(p_attempts), cardinality(p_verdicts),
                                cardinality(p_reasons), cardinality(p_summaries),
                                cardinality(p_workers));
    -- lock every element's attempt and job (in one order: no deadlock with
    -- another batch), and count the elements the set-based path may take
    SELECT count(*) FILTER (WHERE s.worker_id IS NOT DISTINCT FROM s.worker AND NOT s.has_result),
           count(DISTINCT s.job_id)
      INTO v_ok, v_jobs
      FROM (SELECT t.worker_id, u.worker, t.job_id,
                   EXISTS (SELECT 1 FROM results r WHERE r.task_id = t.id AND r.attempt = t.attempt
                           AND r.source = 'worker') AS has_result
            FROM unnest(p_tasks, p_attempts, p_workers) AS u(task, attempt, worker)
            JOIN tasks t ON t.id = u.task AND t.attempt = u.attempt
            JOIN jobs j ON j.id = t.job_id
            ORDER BY t.job_id, t.id, t.attempt
            FOR UPDATE OF t, j) s;
    IF v_ok IS DISTINCT FROM cardinality(p_tasks) OR v_jobs IS DISTINCT FROM cardinality(p_tasks) THEN
        RETURN QUERY SELECT * FROM airlock_store_result_each(p_tasks, p_attempts, p_verdicts, p_reasons,
                                                             p_summaries, p_workers);
        RETURN;
    END IF;
    RETURN QUERY
    WITH s AS (
        SELECT u.i::int AS i, u.task, u.attempt, u.verdict, u.reason, COALESCE(u.summary, '{}'::jsonb) AS summary,
               u.worker, j.id AS jid, j.labels,
               (t.state IN ('assigned', 'running') AND j.state IN ('queued', 'running')
                AND j.authoritative_attempt IS NULL) AS auth
        FROM unnest(p_tasks, p_attempts, p_verdicts, p_reasons, p_summaries, p_workers)
             WITH ORDINALITY AS u(task, attempt, verdict, reason, summary, worker, i)
        JOIN tasks t ON t.id = u.task AND t.attempt = u.attempt
        JOIN jobs j ON j.id = t.job_id
    ), res AS (
        INSERT INTO results (job_id, task_id, attempt, verdict, reason, summary, worker_id, source, authoritative)
        SELECT s.jid, s.task, s.attempt, s.verdict, s.reason, s.summary, s.worker, 'worker', s.auth
        FROM s ORDER BY s.i
    ), ut AS (
        UPDATE tasks t SET state = 'done', verdict = s.verdict, reason = s.reason, finished_at = now()
        FROM s WHERE s.auth AND t.id = s.task AND t.attempt = s.attempt
    ), uj AS (
        UPDATE jobs SET state = CASE WHEN s.verdict = 'cancelled' THEN 'cancelled' ELSE 'finished' END,
                        verdict = s.verdict, reason = s.reason, finished_at = now(),
                        authoritative_attempt = s.attempt
        FROM s WHERE s.auth AND jobs.id = s.jid
    ), au AS (
        INSERT INTO audit_log (actor, action, job_id, task_id, labels, detail)
        SELECT s.worker, 'result.stored', s.jid, s.task, s.labels,
               jsonb_build_object('attempt', s.attempt, 'verdict', s.verdict, 'reason', s.reason,
                                  'authoritative', s.auth)
        FROM s ORDER BY s.i
    )
    SELECT s.i, s.jid, s.auth, false FROM s;
END
$$;

GRANT EXECUTE ON FUNCTION airlock_store_result_batch(text[], int[], text[], text[], jsonb[], text[])
    TO airlock_app;
