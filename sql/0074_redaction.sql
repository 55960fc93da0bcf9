-- 0074_redaction.sql: secrets masked in a job's spec once it has ended
-- (issue 12; orchestrator/redact.h, docs/DATA-MODEL.md "Redaction").
--
-- Everything a worker reports is redacted by airlockd before it is stored.
-- The spec cannot be: a retry needs the patch as submitted. When the job has
-- ended (finished or cancelled), airlockd masks every secret in it
-- (airlock_job_spec_redacted) and marks it, so that afterwards the secret is
-- nowhere in the database. jobs.spec_sha256 (0073) keeps the hash of the spec
-- as submitted, for idempotent resubmission and for evidence.

ALTER TABLE jobs ADD COLUMN spec_redacted boolean NOT NULL DEFAULT false;
CREATE INDEX jobs_spec_unredacted_idx ON jobs (finished_at) WHERE NOT spec_redacted;

-- p_spec: the masked spec, or NULL when the spec holds no secret. Only an
-- ended job's spec changes; a job still queued or running is left alone.
CREATE FUNCTION airlock_job_spec_redacted(p_job text, p_spec jsonb)
    RETURNS boolean
    LANGUAGE plpgsql
AS $$
DECLARE
    v_task text;
BEGIN
    UPDATE jobs SET spec = COALESCE(p_spec, spec), spec_redacted = true
    WHERE id = p_job AND state IN ('finished', 'cancelled') AND NOT spec_redacted
    RETURNING task_id INTO v_task;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF p_spec IS NOT NULL THEN
        PERFORM audit_append('airlockd', 'job.spec_redacted', p_job, v_task, '{}', '{}');
    END IF;
    RETURN true;
END
$$;

GRANT EXECUTE ON FUNCTION airlock_job_spec_redacted(text, jsonb) TO airlock_app;
