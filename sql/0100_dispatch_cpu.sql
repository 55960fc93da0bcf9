-- 0100_dispatch_cpu.sql: the same dispatch and audit chain for less
-- PostgreSQL CPU per task (issue 15; bench/dispatch README "Where the time
-- went"). Same rows, same hashes, same answers; measured with
-- pg_stat_statements and pg_stat_user_functions in the bench's cluster:
--
--   * audit_canonical() and audit_link_hash() were declared IMMUTABLE around
--     convert_to(), which is STABLE: PostgreSQL never inlines a function whose
--     body is more volatile than its label, so every row of every link paid a
--     call of the SQL-function executor (its body parsed and planned again on
--     the first call of each statement): ~21 us per row and ~1 ms per link.
--     Labelled STABLE, both are inlined into the statements that use them (a
--     few us per row). Same expression, same bytes.
--   * audit_link_close() read its batch with `id > head.last_id`: in a
--     plpgsql function that becomes a cached generic plan, and the generic
--     plan for an open range (a third of the table by default estimate) was a
--     sequential scan of audit_log, re-read at every commit as the log grew.
--     The range is now closed by this session's last id (currval: every id
--     above the head is this transaction's, the chain lock is held since its
--     first row), which a generic plan takes by the primary key; the link
--     row and the head move in one statement.

CREATE OR REPLACE FUNCTION audit_canonical(p_id bigint, p_ts timestamptz, p_actor text, p_action text,
                                           p_job_id text, p_task_id text, p_labels jsonb, p_detail jsonb)
    RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN convert_to('airlock-audit-v1|'
        || audit_field(p_id::text)
        || audit_field(((extract(epoch FROM p_ts) * 1000000)::numeric(30, 0))::text)
        || audit_field(p_actor)
        || audit_field(p_action)
        || audit_field(p_job_id)
        || audit_field(p_task_id)
        || audit_field(p_labels::text)
        || audit_field(p_detail::text), 'UTF8');

CREATE OR REPLACE FUNCTION audit_link_hash(p_prev bytea, p_entries bytea, p_first bigint, p_last bigint,
                                           p_n bigint) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN sha256(convert_to('airlock-audit-link-v1|', 'UTF8') || p_prev || p_entries
                  || convert_to(audit_field(p_first::text) || audit_field(p_last::text)
                                || audit_field(p_n::text), 'UTF8'));

CREATE OR REPLACE FUNCTION audit_link_close() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    head audit_head%ROWTYPE;
    v_n bigint;
    v_first bigint;
    v_last bigint;
    v_entries bytea;
    v_link bytea;
    v_top bigint;
BEGIN
    SELECT * INTO head FROM audit_head WHERE one FOR UPDATE;
    -- the last id this session drew: the trigger that queued this close drew
    -- one, and every id above the head is this transaction's (chain lock)
    v_top := currval('audit_log_id_seq');
    SELECT count(*), min(a.id), max(a.id),
           string_agg(sha256(audit_canonical(a.id, a.ts, a.actor, a.action, a.job_id, a.task_id,
                                             a.labels, a.detail)), ''::bytea ORDER BY a.id)
      INTO v_n, v_first, v_last, v_entries
      FROM audit_log a WHERE a.id > head.last_id AND a.id <= v_top;
    PERFORM set_config('airlock.audit_batch', '', true);
    IF v_n = 0 THEN
        RETURN NULL;
    END IF;
    v_link := audit_link_hash(head.last_hash, v_entries, v_first, v_last, v_n);
    WITH l AS (INSERT INTO audit_links (last_id, first_id, n, prev_hash, hash)
               VALUES (v_last, v_first, v_n, head.last_hash, v_link))
    UPDATE audit_head SET last_id = v_last, last_hash = v_link WHERE one;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION audit_link_close() FROM PUBLIC;

-- airlock_claim: 0081's, with the worker's accel read into a variable first.
-- A set-returning SQL function is inlined only when no argument is a
-- sub-select; with `(SELECT wk.accel ...)` as its argument
-- airlock_worker_levels ran through the SQL-function executor (parsed and
-- planned at every claim: ~200-400 us of each claim, also of an empty one).
CREATE OR REPLACE FUNCTION airlock_claim(p_worker text, p_drivers text[], p_labels jsonb, p_n int,
                                         p_lease_ms int)
    RETURNS TABLE (task_id text, attempt int, job_id text, spec text)
    LANGUAGE plpgsql
AS $$
DECLARE
    v_ranks jsonb;
    v_accel text;
BEGIN
    SELECT wk.accel INTO v_accel FROM workers wk WHERE wk.id = p_worker;
    SELECT COALESCE(jsonb_object_agg(x.driver, x.rank), '{}'::jsonb) || jsonb_build_object('any', max(x.rank))
      INTO v_ranks
      FROM (SELECT l.driver, max(airlock_isolation_rank(l.level)) AS rank
            FROM airlock_worker_levels(p_drivers, v_accel) l
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
