-- 0020_environments.sql: per-job environments (docs/ENVIRONMENTS.md).
--
-- An environment is a read-only root file system named by its digest
-- (common/envspec: sha256 over the canonical spec and the root tar). The image
-- travels as a zstd-compressed tar ("blob") uploaded by a client in chunks
-- through airlockd, which checks each chunk's offset and the blob's sha256
-- before it marks the environment complete; workers fetch the chunks through
-- airlockd and verify the same digests before use. Names are a registry over
-- digests: re-registering a name moves it, jobs keep the digest they were
-- submitted with.

CREATE TABLE environments (
    digest         text PRIMARY KEY CHECK (digest ~ '^sha256:[0-9a-f]{64}$'),
    spec           jsonb NOT NULL CHECK (jsonb_typeof(spec) = 'object'),  -- canonical, without the name
    tree_sha256    text NOT NULL CHECK (tree_sha256 ~ '^[0-9a-f]{64}$'),  -- of the uncompressed root tar
    tree_bytes     bigint NOT NULL CHECK (tree_bytes > 0),
    blob_sha256    text NOT NULL CHECK (blob_sha256 ~ '^[0-9a-f]{64}$'),  -- of the compressed blob
    blob_bytes     bigint NOT NULL CHECK (blob_bytes > 0),
    received_bytes bigint NOT NULL DEFAULT 0 CHECK (received_bytes BETWEEN 0 AND blob_bytes),
    complete       boolean NOT NULL DEFAULT false,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    completed_at   timestamptz,
    CHECK (complete = (completed_at IS NOT NULL)),
    CHECK (NOT complete OR received_bytes = blob_bytes)
);

CREATE TABLE environment_chunks (
    digest       text NOT NULL REFERENCES environments (digest) ON DELETE CASCADE,
    offset_bytes bigint NOT NULL CHECK (offset_bytes >= 0),
    data         bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 4194304),
    PRIMARY KEY (digest, offset_bytes)
);

CREATE TABLE environment_names (
    name       text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    digest     text NOT NULL REFERENCES environments (digest),
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Dashboards: every registered name with its environment.
CREATE VIEW v_environments AS
    SELECT n.name, e.digest, e.spec, e.blob_bytes AS size_bytes, e.tree_bytes, e.created_by,
           e.created_at, n.updated_by, n.updated_at
    FROM environment_names n JOIN environments e ON e.digest = n.digest;

-- Starts (or restarts) the upload of an environment. complete = true when it
-- is already stored whole: nothing to send. An unfinished earlier upload of
-- the same digest starts over (its chunks are dropped).
CREATE FUNCTION airlock_env_begin(p_digest text, p_spec jsonb, p_tree_sha256 text, p_tree_bytes bigint,
                                  p_blob_sha256 text, p_blob_bytes bigint, p_client text)
    RETURNS TABLE (complete boolean)
    LANGUAGE plpgsql
AS $$
DECLARE
    v environments%ROWTYPE;
BEGIN
    SELECT * INTO v FROM environments e WHERE e.digest = p_digest FOR UPDATE;
    IF FOUND AND v.complete THEN
        IF v.tree_sha256 <> p_tree_sha256 THEN
            RAISE EXCEPTION 'environment % is stored with another root tree', p_digest;
        END IF;
        complete := true;
        RETURN NEXT;
        RETURN;
    END IF;
    IF FOUND THEN
        DELETE FROM environment_chunks c WHERE c.digest = p_digest;
        UPDATE environments e SET spec = p_spec, tree_sha256 = p_tree_sha256, tree_bytes = p_tree_bytes,
               blob_sha256 = p_blob_sha256, blob_bytes = p_blob_bytes, received_bytes = 0,
               created_by = p_client, created_at = now()
         WHERE e.digest = p_digest;
    ELSE
        INSERT INTO environments (digest, spec, tree_sha256, tree_bytes, blob_sha256, blob_bytes, created_by)
        VALUES (p_digest, p_spec, p_tree_sha256, p_tree_bytes, p_blob_sha256, p_blob_bytes, p_client);
    END IF;
    complete := false;
    RETURN NEXT;
END
$$;

-- Stores the chunk at p_offset, which must be exactly where the upload
-- stands; returns the new position.
CREATE FUNCTION airlock_env_chunk(p_digest text, p_offset bigint, p_data bytea)
    RETURNS bigint
    LANGUAGE plpgsql
AS $$
DECLARE
    v environments%ROWTYPE;
BEGIN
    SELECT * INTO v FROM environments e WHERE e.digest = p_digest FOR UPDATE;
    IF NOT FOUND OR v.complete THEN
        RAISE EXCEPTION 'environment % has no upload in progress', p_digest;
    END IF;
    IF p_offset <> v.received_bytes THEN
        RAISE EXCEPTION 'environment %: chunk at offset %, expected %', p_digest, p_offset, v.received_bytes;
    END IF;
    IF v.received_bytes + octet_length(p_data) > v.blob_bytes THEN
        RAISE EXCEPTION 'environment %: more than the announced % bytes', p_digest, v.blob_bytes;
    END IF;
    INSERT INTO environment_chunks (digest, offset_bytes, data) VALUES (p_digest, p_offset, p_data);
    UPDATE environments e SET received_bytes = v.received_bytes + octet_length(p_data)
     WHERE e.digest = p_digest;
    RETURN v.received_bytes + octet_length(p_data);
END
$$;

-- Finishes an upload whose blob airlockd has verified (every byte received,
-- sha256 matching), or just names an environment already complete, and
-- points p_name at it. Audited.
CREATE FUNCTION airlock_env_commit(p_digest text, p_name text, p_client text)
    RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v environments%ROWTYPE;
BEGIN
    SELECT * INTO v FROM environments e WHERE e.digest = p_digest FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'environment % is not stored', p_digest;
    END IF;
    IF NOT v.complete THEN
        IF v.received_bytes <> v.blob_bytes THEN
            RAISE EXCEPTION 'environment %: % of % bytes received', p_digest, v.received_bytes, v.blob_bytes;
        END IF;
        UPDATE environments e SET complete = true, completed_at = now() WHERE e.digest = p_digest;
    END IF;
    INSERT INTO environment_names (name, digest, updated_by) VALUES (p_name, p_digest, p_client)
    ON CONFLICT (name) DO UPDATE SET digest = EXCLUDED.digest, updated_by = EXCLUDED.updated_by,
                                     updated_at = now();
    PERFORM audit_append(p_client, 'environment.registered', NULL, NULL, '{}',
                         jsonb_build_object('name', p_name, 'digest', p_digest,
                                            'tree_sha256', v.tree_sha256, 'blob_sha256', v.blob_sha256,
                                            'blob_bytes', v.blob_bytes, 'spec', v.spec));
END
$$;

-- A job's "environment": a name (its current digest) or a digest; NULL when
-- unknown or not completely stored.
CREATE FUNCTION airlock_env_resolve(p_ref text)
    RETURNS text
    LANGUAGE sql STABLE
AS $$
    SELECT e.digest FROM environments e
     WHERE e.complete
       AND e.digest = CASE WHEN p_ref LIKE 'sha256:%' THEN p_ref
                           ELSE (SELECT n.digest FROM environment_names n WHERE n.name = p_ref) END;
$$;

-- Every stage's record names its root, next to the driver and isolation:
-- the environment digest ("host" for the built-in default), and the kernel
-- and VMM that ran it. The worker prepares a job's environment in a stage of
-- its own ("environment": fetch, verify, unpack on first use).
ALTER TABLE stage_runs ADD COLUMN environment text, ADD COLUMN kernel text, ADD COLUMN vmm text;
ALTER TABLE stage_runs DROP CONSTRAINT stage_runs_stage_check;
ALTER TABLE stage_runs ADD CONSTRAINT stage_runs_stage_check
    CHECK (stage IN ('workspace', 'environment', 'analyze', 'apply', 'run', 'diff', 'test', 'report',
                     'destroy'));

-- As in 0010, with the stage's environment, kernel and vmm (forward-only
-- migrations: the whole function is restated).
CREATE OR REPLACE FUNCTION airlock_project_event(p_task text, p_attempt int, p_kind text, p_ts timestamptz,
                                                 d jsonb)
    RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    CASE p_kind
    WHEN 'stage.end' THEN
        INSERT INTO stage_runs (task_id, attempt, stage, idx, command, sandbox_driver, isolation,
                                environment, kernel, vmm,
                                started_at, finished_at, exit_status, term_signal, timed_out,
                                cpu_user_us, cpu_sys_us, max_rss_kb, output_bytes, output_redacted)
        VALUES (p_task, p_attempt, d->>'stage', COALESCE((d->>'idx')::int, 0), d->>'command',
                d->>'driver', d->>'isolation', d->>'environment', d->>'kernel', d->>'vmm',
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
