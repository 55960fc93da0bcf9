-- 0010_control_plane.sql: the queue, leases, results and event projections that
-- airlockd runs, as functions so that each protocol step is one round trip and
-- one transaction. Every step is appended to the audit chain (audit_append).
--
-- Jobs run as one task; every attempt is a row of tasks. A lost attempt
-- (lease expired, worker dead or gone) is requeued as attempt + 1 until
-- jobs.max_attempts, then the job ends with verdict sandbox_error and the
-- reason. Exactly one authoritative result per job (results_one_authoritative).

-- Results written by airlockd itself (a job that ran out of attempts) live
-- beside the worker's RESULT of the same attempt: a late RESULT is still stored.
ALTER TABLE results ADD COLUMN source text NOT NULL DEFAULT 'worker'
    CHECK (source IN ('worker', 'airlockd'));
ALTER TABLE results DROP CONSTRAINT results_task_id_attempt_key;
ALTER TABLE results ADD CONSTRAINT results_task_attempt_source_key
    UNIQUE (task_id, attempt, source);

-- The workspace diff also reports files the run stage left outside the
-- tracked tree (untracked, ignored): keep them distinct from additions.
ALTER TABLE file_changes DROP CONSTRAINT file_changes_status_check;
ALTER TABLE file_changes ADD CONSTRAINT file_changes_status_check
    CHECK (status IN ('added', 'modified', 'deleted', 'renamed', 'typechange', 'untracked',
                      'ignored'));

-- Job labels copied to every audit row of the job.
CREATE FUNCTION airlock_job_labels(p_job text) RETURNS jsonb
    LANGUAGE sql STABLE
    RETURN COALESCE((SELECT labels FROM jobs WHERE id = p_job), '{}'::jsonb);

-- SUBMIT: store a job and its first attempt, or return the job that already
-- has this idempotency key.
CREATE FUNCTION airlock_submit(p_key text, p_spec jsonb, p_labels jsonb, p_max_attempts int,
                               p_client text)
    RETURNS TABLE (job_id text, existing boolean)
    LANGUAGE plpgsql
AS $$
DECLARE
    v_job text := gen_random_uuid()::text;
    v_task text := gen_random_uuid()::text;
BEGIN
    IF p_key IS NOT NULL THEN
        SELECT j.id INTO job_id FROM jobs j WHERE j.idempotency_key = p_key;
        IF FOUND THEN
            existing := true;
            RETURN NEXT;
            RETURN;
        END IF;
    END IF;
    BEGIN
        INSERT INTO jobs (id, idempotency_key, spec, labels, max_attempts, task_id, submitted_by)
        VALUES (v_job, p_key, p_spec, COALESCE(p_labels, '{}'), p_max_attempts, v_task, p_client);
    EXCEPTION WHEN unique_violation THEN
        -- A concurrent SUBMIT with the same key won the race: return its job.
        SELECT j.id INTO job_id FROM jobs j WHERE j.idempotency_key = p_key;
        existing := true;
        RETURN NEXT;
        RETURN;
    END;
    INSERT INTO tasks (id, attempt, job_id, state) VALUES (v_task, 1, v_job, 'queued');
    PERFORM audit_append('airlockd', 'job.submitted', v_job, v_task, COALESCE(p_labels, '{}'),
                         jsonb_build_object('client', p_client, 'idempotency_key', p_key,
                                            'spec_sha256', encode(sha256(convert_to(p_spec::text, 'UTF8')), 'hex')));
    job_id := v_job;
    existing := false;
    RETURN NEXT;
END
$$;

-- Claim up to p_n queued tasks this worker can run and assign them with a lease.
CREATE FUNCTION airlock_claim(p_worker text, p_drivers text[], p_labels jsonb, p_n int,
                              p_lease_ms int)
    RETURNS TABLE (task_id text, attempt int, job_id text, spec text)
    LANGUAGE plpgsql
AS $$
BEGIN
    RETURN QUERY
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
    SELECT a.id, a.attempt, a.job_id, j.spec::text FROM a JOIN j ON j.id = a.job_id;

    PERFORM audit_append('airlockd', 'task.assigned', t.job_id, t.id, airlock_job_labels(t.job_id),
                         jsonb_build_object('attempt', t.attempt, 'worker', p_worker))
    FROM tasks t WHERE t.worker_id = p_worker AND t.state = 'assigned'
      AND t.assigned_at = now();
END
$$;

-- Heartbeat: the worker is alive; renew the leases of the tasks it still runs.
CREATE FUNCTION airlock_renew(p_worker text, p_tasks text[], p_lease_ms int) RETURNS int
    LANGUAGE plpgsql
AS $$
DECLARE
    n int;
BEGIN
    UPDATE workers SET last_seen = now(), state = 'connected' WHERE id = p_worker;
    UPDATE tasks SET lease_expires_at = now() + p_lease_ms * interval '1 millisecond',
                     state = 'running', started_at = COALESCE(started_at, now())
    WHERE worker_id = p_worker AND state IN ('assigned', 'running') AND id = ANY (p_tasks);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Ends an attempt that was lost and requeues the task, or ends the job.
-- Returns 'requeued', 'failed', 'cancelled' or 'noop' (attempt not live).
CREATE FUNCTION airlock_requeue_attempt(p_task text, p_attempt int, p_reason text)
    RETURNS text
    LANGUAGE plpgsql
AS $$
DECLARE
    t tasks%ROWTYPE;
    j jobs%ROWTYPE;
BEGIN
    SELECT * INTO t FROM tasks WHERE id = p_task AND attempt = p_attempt FOR UPDATE;
    IF NOT FOUND OR t.state NOT IN ('assigned', 'running') THEN
        RETURN 'noop';
    END IF;
    SELECT * INTO j FROM jobs WHERE id = t.job_id FOR UPDATE;
    UPDATE tasks SET state = 'expired', finished_at = now(), reason = p_reason
    WHERE id = p_task AND attempt = p_attempt;
    IF j.cancel_requested THEN
        UPDATE jobs SET state = 'cancelled', verdict = 'cancelled', finished_at = now(),
                        reason = 'cancelled; attempt ' || p_attempt || ' lost: ' || p_reason
        WHERE id = j.id;
        PERFORM audit_append('airlockd', 'job.cancelled', j.id, p_task, j.labels,
                             jsonb_build_object('attempt', p_attempt, 'reason', p_reason));
        RETURN 'cancelled';
    ELSIF p_attempt < j.max_attempts THEN
        INSERT INTO tasks (id, attempt, job_id, state, priority)
        VALUES (p_task, p_attempt + 1, j.id, 'queued', t.priority);
        UPDATE jobs SET attempt = p_attempt + 1, state = 'queued' WHERE id = j.id;
        PERFORM audit_append('airlockd', 'task.requeued', j.id, p_task, j.labels,
                             jsonb_build_object('attempt', p_attempt, 'next_attempt', p_attempt + 1,
                                                'worker', t.worker_id, 'reason', p_reason));
        RETURN 'requeued';
    END IF;
    INSERT INTO results (job_id, task_id, attempt, verdict, reason, authoritative, source)
    VALUES (j.id, p_task, p_attempt, 'sandbox_error',
            format('attempt %s of %s lost: %s', p_attempt, j.max_attempts, p_reason), true, 'airlockd');
    UPDATE jobs SET state = 'finished', verdict = 'sandbox_error', finished_at = now(),
                    authoritative_attempt = p_attempt,
                    reason = format('attempt %s of %s lost: %s', p_attempt, j.max_attempts, p_reason)
    WHERE id = j.id;
    PERFORM audit_append('airlockd', 'job.failed', j.id, p_task, j.labels,
                         jsonb_build_object('attempt', p_attempt, 'verdict', 'sandbox_error',
                                            'reason', p_reason));
    RETURN 'failed';
END
$$;

-- Requeues every attempt whose lease has expired.
CREATE FUNCTION airlock_expire_leases()
    RETURNS TABLE (task_id text, attempt int, job_id text, outcome text)
    LANGUAGE plpgsql
AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT t.id, t.attempt, t.job_id FROM tasks t
             WHERE t.state IN ('assigned', 'running') AND t.lease_expires_at < now()
             ORDER BY t.lease_expires_at FOR UPDATE SKIP LOCKED LOOP
        task_id := r.id; attempt := r.attempt; job_id := r.job_id;
        outcome := airlock_requeue_attempt(r.id, r.attempt, 'lease expired');
        RETURN NEXT;
    END LOOP;
END
$$;

-- A worker is dead, gone (BYE) or lost its tasks: requeue what it held.
-- p_keep lists task ids the worker still runs (reconnect); NULL = none.
CREATE FUNCTION airlock_release_worker_tasks(p_worker text, p_keep text[], p_reason text)
    RETURNS TABLE (task_id text, attempt int, job_id text, outcome text)
    LANGUAGE plpgsql
AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT t.id, t.attempt, t.job_id FROM tasks t
             WHERE t.worker_id = p_worker AND t.state IN ('assigned', 'running')
               AND NOT (t.id = ANY (COALESCE(p_keep, '{}'))) LOOP
        task_id := r.id; attempt := r.attempt; job_id := r.job_id;
        outcome := airlock_requeue_attempt(r.id, r.attempt, p_reason);
        RETURN NEXT;
    END LOOP;
END
$$;

CREATE FUNCTION airlock_worker_seen(p_worker text, p_name text, p_slots int, p_drivers text[],
                                    p_accel text, p_labels jsonb, p_version text)
    RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO workers (id, name, state, slots, drivers, accel, labels, version)
    VALUES (p_worker, p_name, 'connected', p_slots, p_drivers, p_accel, p_labels, p_version)
    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, state = 'connected',
        slots = EXCLUDED.slots, drivers = EXCLUDED.drivers, accel = EXCLUDED.accel,
        labels = EXCLUDED.labels, version = EXCLUDED.version, last_seen = now();
    PERFORM audit_append(p_worker, 'worker.hello', NULL, NULL, '{}',
                         jsonb_build_object('name', p_name, 'slots', p_slots, 'drivers', p_drivers,
                                            'accel', p_accel, 'labels', p_labels));
END
$$;

-- Projects one event into its typed table. Raises on malformed data; the
-- caller (airlock_store_event) keeps the raw event either way.
CREATE FUNCTION airlock_project_event(p_task text, p_attempt int, p_kind text, p_ts timestamptz,
                                      d jsonb)
    RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    CASE p_kind
    WHEN 'stage.end' THEN
        INSERT INTO stage_runs (task_id, attempt, stage, idx, command, sandbox_driver, isolation,
                                started_at, finished_at, exit_status, term_signal, timed_out,
                                cpu_user_us, cpu_sys_us, max_rss_kb, output_bytes, output_redacted)
        VALUES (p_task, p_attempt, d->>'stage', COALESCE((d->>'idx')::int, 0), d->>'command',
                d->>'driver', d->>'isolation',
                COALESCE(to_timestamp((d->>'started_us')::double precision / 1e6), p_ts), p_ts,
                (d->>'exit_status')::int, (d->>'signal')::int,
                COALESCE((d->>'timed_out')::boolean, false), (d->>'user_us')::bigint,
                (d->>'sys_us')::bigint, (d->>'max_rss_kb')::bigint, (d->>'output_bytes')::bigint,
                d->>'output')
        ON CONFLICT DO NOTHING;
    WHEN 'finding' THEN
        INSERT INTO findings (task_id, attempt, analyzer, rule_id, severity, file, line, message,
                              evidence_redacted, blocking)
        VALUES (p_task, p_attempt, d->>'analyzer', d->>'rule_id', d->>'severity', d->>'file',
                (d->>'line')::int, d->>'message', d->>'evidence',
                COALESCE((d->>'blocking')::boolean, false));
    WHEN 'file_change' THEN
        INSERT INTO file_changes (task_id, attempt, stage, path, old_path, status, old_mode, new_mode,
                                  old_size, new_size, old_blob, new_blob, violation)
        VALUES (p_task, p_attempt, COALESCE(d->>'stage', 'run'), d->>'path', d->>'old_path',
                d->>'status', (d->>'old_mode')::int, (d->>'new_mode')::int,
                (d->>'old_size')::bigint, (d->>'new_size')::bigint, d->>'old_blob',
                d->>'new_blob', d->>'violation')
        ON CONFLICT DO NOTHING;
    WHEN 'exec' THEN
        INSERT INTO exec_events (task_id, attempt, stage, pid, ppid, uid, path, argv, ts)
        VALUES (p_task, p_attempt, COALESCE(d->>'stage', ''), (d->>'pid')::int, (d->>'ppid')::int,
                (d->>'uid')::int, d->>'path', ARRAY[COALESCE(d->>'argv', '')], p_ts);
    WHEN 'egress' THEN
        INSERT INTO egress_events (task_id, attempt, stage, host, port, method, allowed, reason,
                                   bytes, ts)
        VALUES (p_task, p_attempt, d->>'stage', d->>'host', (d->>'port')::int, d->>'method',
                (d->>'allowed')::boolean, d->>'reason', COALESCE((d->>'bytes')::bigint, 0), p_ts);
    WHEN 'artifact' THEN
        INSERT INTO artifacts (task_id, attempt, kind, name, sha256, size, content)
        VALUES (p_task, p_attempt, d->>'kind', d->>'name',
                sha256(convert_to(COALESCE(d->>'content', ''), 'UTF8')),
                octet_length(convert_to(COALESCE(d->>'content', ''), 'UTF8')),
                convert_to(COALESCE(d->>'content', ''), 'UTF8'))
        ON CONFLICT DO NOTHING;
    ELSE
        NULL;  -- progress-only kinds (stage.start, output, ...) live in task_events alone
    END CASE;
END
$$;

-- EVENT: stored once per (task, attempt, seq); returns true when new.
-- Events of unknown attempts, or of attempts assigned to another worker, are
-- refused (false): a worker can only report on its own work.
CREATE FUNCTION airlock_store_event(p_task text, p_attempt int, p_seq bigint, p_kind text,
                                    p_ts_us bigint, p_data jsonb, p_worker text)
    RETURNS boolean
    LANGUAGE plpgsql
AS $$
DECLARE
    v_id bigint;
    v_job text;
    v_ts timestamptz := to_timestamp(p_ts_us::double precision / 1e6);
BEGIN
    SELECT t.job_id INTO v_job FROM tasks t
    WHERE t.id = p_task AND t.attempt = p_attempt AND t.worker_id = p_worker;
    IF NOT FOUND THEN
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

-- RESULT: stored always; authoritative only when it ends the live attempt of an
-- unfinished job and comes from the worker that holds it.
CREATE FUNCTION airlock_store_result(p_task text, p_attempt int, p_verdict text, p_reason text,
                                     p_summary jsonb, p_worker text)
    RETURNS TABLE (job_id text, authoritative boolean, duplicate boolean)
    LANGUAGE plpgsql
AS $$
DECLARE
    t tasks%ROWTYPE;
    j jobs%ROWTYPE;
    v_id bigint;
BEGIN
    SELECT * INTO t FROM tasks WHERE id = p_task AND attempt = p_attempt FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;   -- unknown attempt: nothing to attach it to
    END IF;
    SELECT * INTO j FROM jobs WHERE id = t.job_id FOR UPDATE;
    job_id := j.id;
    INSERT INTO results (job_id, task_id, attempt, verdict, reason, summary, worker_id, source)
    VALUES (j.id, p_task, p_attempt, p_verdict, p_reason, COALESCE(p_summary, '{}'), p_worker, 'worker')
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
    authoritative := t.state IN ('assigned', 'running') AND t.worker_id = p_worker
                     AND j.state IN ('queued', 'running') AND j.authoritative_attempt IS NULL;
    IF authoritative THEN
        UPDATE results SET authoritative = true WHERE id = v_id;
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

-- CANCEL: a queued job ends at once; a running one is flagged and its worker
-- (returned) is told; lease expiry of a flagged job ends it as cancelled.
CREATE FUNCTION airlock_cancel(p_job text, p_client text)
    RETURNS TABLE (job_state text, task_id text, attempt int, worker_id text)
    LANGUAGE plpgsql
AS $$
DECLARE
    j jobs%ROWTYPE;
    t tasks%ROWTYPE;
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
    PERFORM audit_append('airlockd', 'job.cancel_requested', p_job, j.task_id, j.labels,
                         jsonb_build_object('client', p_client));
    IF NOT FOUND OR t.state = 'queued' THEN
        UPDATE tasks SET state = 'cancelled', finished_at = now()
        WHERE tasks.job_id = p_job AND state = 'queued';
        UPDATE jobs SET state = 'cancelled', verdict = 'cancelled', finished_at = now(),
                        reason = 'cancelled before it ran'
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

GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO airlock_app;
