-- 0050_github_deliveries.sql: GitHub webhook deliveries (orchestrator/api/api_github.c).
--
-- One row per X-GitHub-Delivery id: a redelivery of the same id finds its row
-- and creates nothing. A pull_request event is answered at once and queued
-- here; the intake thread (api_intake.c) fetches the pull request, reads the
-- repository's .airlock.json at the base, builds and submits the job, and
-- records the outcome. Rows are kept (they say which delivery made which job).

CREATE TABLE github_deliveries (
    delivery_id  text PRIMARY KEY CHECK (length(delivery_id) BETWEEN 1 AND 128),
    received_at  timestamptz NOT NULL DEFAULT now(),
    event        text NOT NULL,
    action       text,
    repo         text,                       -- owner/name
    pr_number    integer,
    head_sha     text,
    base_sha     text,
    payload      jsonb,                      -- the parts the intake needs (not the whole payload)
    state        text NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'submitted', 'ignored', 'failed')),
    job_id       text,
    error        text,
    done_at      timestamptz
);
CREATE INDEX github_deliveries_queued_idx ON github_deliveries (received_at) WHERE state = 'queued';

GRANT SELECT, INSERT, UPDATE ON github_deliveries TO airlock_app;
