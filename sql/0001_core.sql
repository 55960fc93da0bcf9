-- 0001_core.sql: Airlock's core data model (DESIGN.md §2, §4).
--
-- Jobs are what clients submit; a job runs as one task whose every attempt is
-- its own row in `tasks` (PRIMARY KEY (id, attempt)); everything a worker
-- reports (events, results, stage runs, findings, file changes, exec and
-- egress events, artifacts) hangs off one (task_id, attempt).
-- Applied by store_migrate() inside one transaction; forward only.
-- Documentation: docs/DATA-MODEL.md.

DO $$
BEGIN
    IF pg_encoding_to_char((SELECT encoding FROM pg_database
                            WHERE datname = current_database())) <> 'UTF8' THEN
        RAISE EXCEPTION 'airlock needs a UTF8 database (audit hashes are over UTF-8 text)';
    END IF;
END
$$;

-- The application role: airlockd's login user is a member of it. It may read
-- and write the operational tables; on audit_log it may only INSERT and SELECT
-- (0002_audit.sql). Roles are cluster-wide, so create it only once.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'airlock_app') THEN
        CREATE ROLE airlock_app NOLOGIN;
    END IF;
END
$$;

CREATE TABLE workers (
    id          text PRIMARY KEY            -- CurveZMQ public key (Z85, 40 chars)
                CHECK (length(id) BETWEEN 1 AND 128),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
    state       text NOT NULL DEFAULT 'connected'
                CHECK (state IN ('connected', 'draining', 'dead', 'gone', 'revoked')),
    slots       integer NOT NULL DEFAULT 1 CHECK (slots >= 0),
    drivers     text[] NOT NULL DEFAULT '{}',   -- e.g. {microvm,ns}
    accel       text,                           -- kvm | tcg | ns
    labels      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(labels) = 'object'),
    version     text,                           -- protocol / build version from HELLO
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workers_state_idx ON workers (state, last_seen);

CREATE TABLE jobs (
    id               text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    idempotency_key  text UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 256),
    spec             jsonb NOT NULL CHECK (jsonb_typeof(spec) = 'object'),
    state            text NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'finished', 'cancelled')),
    verdict          text CHECK (verdict IN ('accepted', 'rejected', 'apply_failed',
                     'policy_violation', 'tests_failed', 'timeout', 'resource_exceeded',
                     'sandbox_error', 'cancelled')),
    reason           text,
    labels           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(labels) = 'object'),
    submitted_by     text,                      -- client identity (Curve key) if known
    priority         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    task_id          text NOT NULL,             -- the job's task (stable across attempts)
    attempt          integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),  -- latest attempt
    authoritative_attempt integer,              -- attempt whose RESULT decided the verdict
    cancel_requested boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    UNIQUE (task_id),
    CHECK ((state = 'finished') = (verdict IS NOT NULL AND finished_at IS NOT NULL)
           OR state = 'cancelled'),
    CHECK (finished_at IS NULL OR finished_at >= created_at)
);
CREATE INDEX jobs_state_idx ON jobs (state, created_at);
CREATE INDEX jobs_created_idx ON jobs (created_at);
CREATE INDEX jobs_labels_idx ON jobs USING gin (labels);

-- One row per attempt. The live attempt of a task is unique (partial index);
-- earlier attempts stay as history (expired, failed, ...).
CREATE TABLE tasks (
    id                text NOT NULL CHECK (length(id) BETWEEN 1 AND 128),
    attempt           integer NOT NULL CHECK (attempt >= 1),
    job_id            text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    state             text NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'assigned', 'running', 'done', 'failed',
                                       'expired', 'cancelled')),
    priority          integer NOT NULL DEFAULT 0,
    worker_id         text REFERENCES workers (id),
    queued_at         timestamptz NOT NULL DEFAULT now(),
    assigned_at       timestamptz,
    started_at        timestamptz,
    lease_expires_at  timestamptz,
    finished_at       timestamptz,
    verdict           text,
    reason            text,
    acked_seq         bigint NOT NULL DEFAULT 0,   -- highest event seq stored
    PRIMARY KEY (id, attempt),
    UNIQUE (job_id, id, attempt),
    CHECK (state = 'queued' OR worker_id IS NOT NULL OR state IN ('cancelled', 'expired', 'failed')),
    CHECK (state NOT IN ('assigned', 'running') OR lease_expires_at IS NOT NULL)
);
-- Queue claim: SELECT ... WHERE state = 'queued' ORDER BY priority DESC, queued_at
--              FOR UPDATE SKIP LOCKED LIMIT n
CREATE INDEX tasks_queue_idx ON tasks (priority DESC, queued_at, id) WHERE state = 'queued';
-- Lease expiry sweep and per-worker load.
CREATE INDEX tasks_lease_idx ON tasks (lease_expires_at) WHERE state IN ('assigned', 'running');
CREATE INDEX tasks_worker_idx ON tasks (worker_id, state, finished_at);
CREATE INDEX tasks_job_idx ON tasks (job_id, attempt);
CREATE UNIQUE INDEX tasks_one_live_attempt ON tasks (id)
    WHERE state IN ('queued', 'assigned', 'running');

-- Every EVENT a worker sent, stored idempotently on (task, attempt, seq).
CREATE TABLE task_events (
    id        bigserial PRIMARY KEY,
    task_id   text NOT NULL,
    attempt   integer NOT NULL,
    seq       bigint NOT NULL CHECK (seq >= 0),
    kind      text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    ts        timestamptz NOT NULL DEFAULT now(),
    data      jsonb NOT NULL DEFAULT '{}',
    UNIQUE (task_id, attempt, seq),
    FOREIGN KEY (task_id, attempt) REFERENCES tasks (id, attempt) ON DELETE CASCADE
);

-- Every RESULT received (stale attempts too); at most one authoritative per job.
CREATE TABLE results (
    id             bigserial PRIMARY KEY,
    job_id         text NOT NULL,
    task_id        text NOT NULL,
    attempt        integer NOT NULL,
    verdict        text NOT NULL CHECK (verdict IN ('accepted', 'rejected', 'apply_failed',
                   'policy_violation', 'tests_failed', 'timeout', 'resource_exceeded',
                   'sandbox_error', 'cancelled')),
    reason         text,
    summary        jsonb NOT NULL DEFAULT '{}',
    authoritative  boolean NOT NULL DEFAULT false,
    worker_id      text REFERENCES workers (id),
    received_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (task_id, attempt),
    FOREIGN KEY (job_id, task_id, attempt) REFERENCES tasks (job_id, id, attempt)
        ON DELETE CASCADE
);
CREATE UNIQUE INDEX results_one_authoritative ON results (job_id) WHERE authoritative;

CREATE TABLE stage_runs (
    id              bigserial PRIMARY KEY,
    task_id         text NOT NULL,
    attempt         integer NOT NULL,
    stage           text NOT NULL CHECK (stage IN ('workspace', 'analyze', 'apply', 'run',
                                                   'diff', 'test', 'report', 'destroy')),
    idx             integer NOT NULL DEFAULT 0,    -- command index within the stage
    command         text,
    sandbox_driver  text,                          -- microvm | ns | NULL (host stage)
    isolation       text,                          -- kvm | tcg | ns
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    exit_status     integer,
    term_signal     integer,
    timed_out       boolean NOT NULL DEFAULT false,
    cpu_user_us     bigint,
    cpu_sys_us      bigint,
    max_rss_kb      bigint,
    output_bytes    bigint,
    output_redacted text,                          -- bounded, redacted stdout+stderr
    UNIQUE (task_id, attempt, stage, idx),
    FOREIGN KEY (task_id, attempt) REFERENCES tasks (id, attempt) ON DELETE CASCADE,
    CHECK (finished_at IS NULL OR finished_at >= started_at)
);

CREATE TABLE findings (
    id                 bigserial PRIMARY KEY,
    task_id            text NOT NULL,
    attempt            integer NOT NULL,
    analyzer           text NOT NULL,
    rule_id            text NOT NULL,
    severity           text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high',
                                                         'critical')),
    file               text,
    line               integer CHECK (line IS NULL OR line >= 0),
    message            text NOT NULL,
    evidence_redacted  text,
    blocking           boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (task_id, attempt) REFERENCES tasks (id, attempt) ON DELETE CASCADE
);
CREATE INDEX findings_task_idx ON findings (task_id, attempt);
CREATE INDEX findings_rule_idx ON findings (rule_id, severity);

CREATE TABLE file_changes (
    id         bigserial PRIMARY KEY,
    task_id    text NOT NULL,
    attempt    integer NOT NULL,
    stage      text NOT NULL DEFAULT 'run' CHECK (stage IN ('apply', 'run', 'test')),
    path       text NOT NULL,
    old_path   text,                                -- renames
    status     text NOT NULL CHECK (status IN ('added', 'modified', 'deleted', 'renamed',
                                               'typechange')),
    old_mode   integer,
    new_mode   integer,
    old_size   bigint,
    new_size   bigint,
    old_blob   text,                                -- git object id (hex)
    new_blob   text,
    violation  text,                                -- NULL = allowed by policy
    UNIQUE (task_id, attempt, stage, path),
    FOREIGN KEY (task_id, attempt) REFERENCES tasks (id, attempt) ON DELETE CASCADE
);

CREATE TABLE exec_events (
    id       bigserial PRIMARY KEY,
    task_id  text NOT NULL,
    attempt  integer NOT NULL,
    stage    text NOT NULL,
    pid      integer NOT NULL,
    ppid     integer,
    uid      integer,
    path     text NOT NULL,
    argv     text[] NOT NULL DEFAULT '{}',
    ts       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (task_id, attempt) REFERENCES tasks (id, attempt) ON DELETE CASCADE
);
CREATE INDEX exec_events_task_idx ON exec_events (task_id, attempt, ts);

CREATE TABLE egress_events (
    id       bigserial PRIMARY KEY,
    task_id  text NOT NULL,
    attempt  integer NOT NULL,
    stage    text,
    host     text NOT NULL,
    port     integer NOT NULL CHECK (port BETWEEN 0 AND 65535),
    method   text NOT NULL,                     -- CONNECT, GET, ...
    allowed  boolean NOT NULL,
    reason   text,
    bytes    bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    ts       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (task_id, attempt) REFERENCES tasks (id, attempt) ON DELETE CASCADE
);
CREATE INDEX egress_events_task_idx ON egress_events (task_id, attempt);
CREATE INDEX egress_events_blocked_idx ON egress_events (ts) WHERE NOT allowed;

CREATE TABLE artifacts (
    id          bigserial PRIMARY KEY,
    task_id     text NOT NULL,
    attempt     integer NOT NULL,
    kind        text NOT NULL,                  -- diff, result_tree, log, ...
    name        text NOT NULL,
    sha256      bytea NOT NULL CHECK (octet_length(sha256) = 32),
    size        bigint NOT NULL CHECK (size >= 0),
    content     bytea,
    path        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (task_id, attempt, kind, name),
    CHECK (content IS NOT NULL OR path IS NOT NULL),
    CHECK (content IS NULL OR octet_length(content) = size),
    FOREIGN KEY (task_id, attempt) REFERENCES tasks (id, attempt) ON DELETE CASCADE
);

-- Privileges of the application role on the operational tables. Tables added
-- by later migrations get the same by default; audit_log is set in 0002.
GRANT SELECT, INSERT, UPDATE, DELETE ON workers, jobs, tasks, task_events, results,
    stage_runs, findings, file_changes, exec_events, egress_events, artifacts TO airlock_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO airlock_app;
ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO airlock_app;
ALTER DEFAULT PRIVILEGES GRANT USAGE, SELECT ON SEQUENCES TO airlock_app;
