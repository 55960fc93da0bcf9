-- 0073_tenants.sql: jobs belong to a tenant (issue 12; orchestrator/tenancy.h,
-- docs/DATA-MODEL.md "Tenants").
--
-- jobs.tenant is the submitting client's tenant (certificate metadata
-- `tenant`, else its public key), stored at submit, so that who may see and
-- cancel a job does not depend on the certificate still existing, and LIST
-- can filter in SQL. Jobs submitted before this migration belong to the
-- tenant named by their submitter's key. jobs.spec_sha256 is the hash of the
-- spec as submitted (airlockd masks secrets in jobs.spec when the job ends,
-- sql/0075; an idempotent resubmission is compared with this hash).
-- airlock_submit and airlock_submit_batch gain a tenant argument (new
-- overloads; the old ones stay, taking the client as the tenant).

ALTER TABLE jobs ADD COLUMN tenant text CHECK (length(tenant) BETWEEN 1 AND 256),
                 ADD COLUMN spec_sha256 text CHECK (spec_sha256 ~ '^[0-9a-f]{64}$');
UPDATE jobs SET tenant = submitted_by WHERE tenant IS NULL;
UPDATE jobs SET spec_sha256 = encode(sha256(convert_to(spec::text, 'UTF8')), 'hex') WHERE spec_sha256 IS NULL;
CREATE INDEX jobs_tenant_idx ON jobs (tenant, created_at);

CREATE FUNCTION airlock_submit(p_key text, p_spec jsonb, p_labels jsonb, p_max_attempts int,
                               p_client text, p_tenant text)
    RETURNS TABLE (job_id text, existing boolean)
    LANGUAGE plpgsql
AS $$
DECLARE
    v_job text := gen_random_uuid()::text;
    v_task text := gen_random_uuid()::text;
    v_sha text := encode(sha256(convert_to(p_spec::text, 'UTF8')), 'hex');
    v_id text;
BEGIN
    INSERT INTO jobs (id, idempotency_key, spec, labels, max_attempts, task_id, submitted_by, tenant,
                      spec_sha256)
    VALUES (v_job, p_key, p_spec, COALESCE(p_labels, '{}'), p_max_attempts, v_task, p_client,
            COALESCE(p_tenant, p_client), v_sha)
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
                         jsonb_build_object('client', p_client, 'tenant', COALESCE(p_tenant, p_client),
                                            'idempotency_key', p_key, 'spec_sha256', v_sha));
    job_id := v_job;
    existing := false;
    RETURN NEXT;
END
$$;

CREATE OR REPLACE FUNCTION airlock_submit(p_key text, p_spec jsonb, p_labels jsonb, p_max_attempts int,
                                          p_client text)
    RETURNS TABLE (job_id text, existing boolean)
    LANGUAGE sql
AS $$
    SELECT * FROM airlock_submit(p_key, p_spec, p_labels, p_max_attempts, p_client, p_client);
$$;

-- SUBMIT x n with tenants: rows (ord, job_id, existing), as 0011.
CREATE FUNCTION airlock_submit_batch(p_keys text[], p_specs jsonb[], p_labels jsonb[],
                                     p_max_attempts int, p_clients text[], p_tenants text[])
    RETURNS TABLE (ord int, job_id text, existing boolean)
    LANGUAGE plpgsql
AS $$
DECLARE
    e record;
    r record;
BEGIN
    PERFORM airlock_batch_check('airlock_submit_batch', cardinality(p_keys), cardinality(p_specs),
                                cardinality(p_labels), cardinality(p_clients), cardinality(p_tenants));
    FOR e IN SELECT * FROM unnest(p_keys, p_specs, p_labels, p_clients, p_tenants)
                          WITH ORDINALITY AS u(k, spec, labels, client, tenant, i) LOOP
        SELECT s.job_id, s.existing INTO r
        FROM airlock_submit(e.k, e.spec, e.labels, p_max_attempts, e.client, e.tenant) s;
        ord := e.i;
        job_id := r.job_id;
        existing := r.existing;
        RETURN NEXT;
    END LOOP;
END
$$;

GRANT EXECUTE ON FUNCTION airlock_submit(text, jsonb, jsonb, int, text, text),
    airlock_submit_batch(text[], jsonb[], jsonb[], int, text[], text[]) TO airlock_app;
