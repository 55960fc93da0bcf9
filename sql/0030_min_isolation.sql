-- 0030_min_isolation.sql: a job's policy.min_isolation enforced when a
-- worker claims work, and the reason a queued job cannot start.
--
-- Isolation levels, weakest first (common/jobspec: jobspec_isolation_t):
--   none (the host driver) < ns < gvisor < vm (a microVM, TCG or KVM) < kvm.
-- A worker's HELLO names its drivers (workers.drivers, preferred first) and,
-- in workers.accel, the acceleration of each in the same order, e.g.
-- drivers {gvisor,microvm,ns}, accel 'ptrace,tcg,ns'. A worker from before
-- this change sent one accel for its first driver; it then stands for all.
-- A job runs only on a worker with a driver it may use (its `driver`, or
-- any) giving at least its minimum; otherwise it stays queued, and
-- airlock_job_waiting_reason() says why (shown by `airlock status`).

CREATE FUNCTION airlock_isolation_rank(p_level text) RETURNS int
    LANGUAGE sql IMMUTABLE
    RETURN CASE p_level WHEN 'none' THEN 0 WHEN 'ns' THEN 1 WHEN 'gvisor' THEN 2
                        WHEN 'vm' THEN 3 WHEN 'kvm' THEN 4 END;

-- The level one driver gives with its acceleration (microvm: kvm or tcg).
CREATE FUNCTION airlock_driver_isolation(p_driver text, p_accel text) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN CASE p_driver WHEN 'microvm' THEN CASE WHEN p_accel = 'kvm' THEN 'kvm' ELSE 'vm' END
                         WHEN 'gvisor' THEN 'gvisor' WHEN 'ns' THEN 'ns' ELSE 'none' END;

-- A worker's drivers with the level each gives, in the worker's order.
CREATE FUNCTION airlock_worker_levels(p_drivers text[], p_accel text)
    RETURNS TABLE (ord bigint, driver text, level text)
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT u.i, u.d,
           airlock_driver_isolation(u.d, CASE WHEN cardinality(x.a) = cardinality(p_drivers) THEN x.a[u.i]
                                              ELSE p_accel END)
    FROM unnest(p_drivers) WITH ORDINALITY AS u(d, i),
         LATERAL (SELECT string_to_array(COALESCE(p_accel, ''), ',') AS a) x
$$;

-- The job's minimum as a rank; a value this file does not know never fits.
CREATE FUNCTION airlock_job_min_rank(p_spec jsonb) RETURNS int
    LANGUAGE sql IMMUTABLE
    RETURN CASE WHEN p_spec->'policy'->>'min_isolation' IS NULL THEN 0
                ELSE COALESCE(airlock_isolation_rank(p_spec->'policy'->>'min_isolation'), 99) END;

-- true when the worker has a driver the job may use giving at least its minimum.
CREATE FUNCTION airlock_worker_fits(p_drivers text[], p_accel text, p_spec jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT EXISTS (SELECT 1 FROM airlock_worker_levels(p_drivers, p_accel) w
                   WHERE COALESCE(p_spec->>'driver', 'any') IN ('any', w.driver)
                     AND airlock_isolation_rank(w.level) >= airlock_job_min_rank(p_spec))
$$;

-- 0011's claim with the driver match replaced by airlock_worker_fits (the
-- same driver rule plus the isolation), the worker's accel read from its row.
CREATE OR REPLACE FUNCTION airlock_claim(p_worker text, p_drivers text[], p_labels jsonb, p_n int,
                                         p_lease_ms int)
    RETURNS TABLE (task_id text, attempt int, job_id text, spec text)
    LANGUAGE plpgsql
AS $$
DECLARE
    r record;
    v_accel text := (SELECT w.accel FROM workers w WHERE w.id = p_worker);
BEGIN
    FOR r IN
        WITH c AS (
            SELECT t.id, t.attempt
            FROM tasks t JOIN jobs j ON j.id = t.job_id
            WHERE t.state = 'queued' AND NOT j.cancel_requested
              AND airlock_worker_fits(p_drivers, v_accel, j.spec)
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

-- Why a queued job cannot start on any connected worker: NULL when it is not
-- queued or some connected worker could take it (it waits for a free slot).
CREATE FUNCTION airlock_job_waiting_reason(p_job text) RETURNS text
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    j jobs%ROWTYPE;
    v_driver text;
    v_best text;
BEGIN
    SELECT * INTO j FROM jobs WHERE id = p_job;
    IF NOT FOUND OR j.state <> 'queued' OR j.cancel_requested THEN
        RETURN NULL;
    END IF;
    v_driver := COALESCE(j.spec->>'driver', 'any');
    IF NOT EXISTS (SELECT 1 FROM workers w WHERE w.state = 'connected') THEN
        RETURN 'no worker is connected';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM workers w WHERE w.state = 'connected'
                   AND (j.spec->'worker_labels' IS NULL OR w.labels @> (j.spec->'worker_labels'))) THEN
        RETURN format('no connected worker has the labels %s (worker_labels)', j.spec->'worker_labels');
    END IF;
    IF v_driver <> 'any' AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.state = 'connected'
            AND (j.spec->'worker_labels' IS NULL OR w.labels @> (j.spec->'worker_labels'))
            AND v_driver = ANY (w.drivers)) THEN
        RETURN format('no connected worker offers driver %s', v_driver);
    END IF;
    IF EXISTS (SELECT 1 FROM workers w WHERE w.state = 'connected'
               AND (j.spec->'worker_labels' IS NULL OR w.labels @> (j.spec->'worker_labels'))
               AND airlock_worker_fits(w.drivers, w.accel, j.spec)) THEN
        RETURN NULL;
    END IF;
    SELECT l.level INTO v_best
    FROM workers w, airlock_worker_levels(w.drivers, w.accel) l
    WHERE w.state = 'connected' AND v_driver IN ('any', l.driver)
      AND (j.spec->'worker_labels' IS NULL OR w.labels @> (j.spec->'worker_labels'))
    ORDER BY airlock_isolation_rank(l.level) DESC NULLS LAST
    LIMIT 1;
    RETURN format('needs isolation %s or stronger (policy.min_isolation); the connected workers offer at most %s',
                  j.spec->'policy'->>'min_isolation', COALESCE(v_best, 'none'));
END
$$;

GRANT EXECUTE ON FUNCTION airlock_isolation_rank(text), airlock_driver_isolation(text, text),
    airlock_worker_levels(text[], text), airlock_job_min_rank(jsonb),
    airlock_worker_fits(text[], text, jsonb), airlock_job_waiting_reason(text) TO airlock_app;
