-- 0003_views.sql: dashboard views, the supported query surface for reports.
--
-- Per-job numbers are taken from the job's reported attempt: the attempt of
-- the authoritative RESULT when there is one, else the latest attempt.

CREATE VIEW v_job_summary AS
SELECT j.id                       AS job_id,
       j.state,
       j.verdict,
       j.reason,
       j.labels,
       j.priority,
       j.task_id,
       j.attempt                  AS latest_attempt,
       rep.attempt                AS reported_attempt,
       (SELECT count(*) FROM tasks t WHERE t.job_id = j.id)                     AS attempts,
       (SELECT count(*) FROM findings f
         WHERE f.task_id = j.task_id AND f.attempt = rep.attempt)               AS findings,
       (SELECT count(*) FROM findings f
         WHERE f.task_id = j.task_id AND f.attempt = rep.attempt AND f.blocking) AS blocking_findings,
       (SELECT count(*) FROM file_changes c
         WHERE c.task_id = j.task_id AND c.attempt = rep.attempt)               AS changed_files,
       (SELECT count(*) FROM file_changes c
         WHERE c.task_id = j.task_id AND c.attempt = rep.attempt
           AND c.violation IS NOT NULL)                                         AS policy_violations,
       (SELECT count(*) FROM egress_events e
         WHERE e.task_id = j.task_id AND e.attempt = rep.attempt AND NOT e.allowed) AS blocked_egress,
       j.created_at,
       j.started_at,
       j.finished_at,
       extract(epoch FROM j.started_at - j.created_at)::double precision  AS queue_seconds,
       extract(epoch FROM j.finished_at - j.started_at)::double precision AS run_seconds,
       extract(epoch FROM j.finished_at - j.created_at)::double precision AS total_seconds
  FROM jobs j
 CROSS JOIN LATERAL (
       SELECT COALESCE(j.authoritative_attempt,
                       (SELECT r.attempt FROM results r
                         WHERE r.job_id = j.id AND r.authoritative),
                       j.attempt) AS attempt) rep;

CREATE VIEW v_findings_by_rule AS
SELECT f.analyzer,
       f.rule_id,
       f.severity,
       count(*)                           AS findings,
       count(*) FILTER (WHERE f.blocking) AS blocking,
       count(DISTINCT t.job_id)           AS jobs,
       min(f.created_at)                  AS first_seen,
       max(f.created_at)                  AS last_seen
  FROM findings f
  JOIN tasks t ON t.id = f.task_id AND t.attempt = f.attempt
 GROUP BY f.analyzer, f.rule_id, f.severity;

CREATE VIEW v_worker_load AS
SELECT w.id                                                     AS worker_id,
       w.name,
       w.state,
       w.slots,
       count(t.id) FILTER (WHERE t.state IN ('assigned', 'running'))           AS running,
       greatest(w.slots - count(t.id) FILTER (WHERE t.state IN ('assigned', 'running')),
                0)                                               AS free_slots,
       count(t.id) FILTER (WHERE t.state = 'done'
                            AND t.finished_at > now() - interval '1 hour')    AS done_last_hour,
       count(t.id) FILTER (WHERE t.state IN ('failed', 'expired')
                            AND t.finished_at > now() - interval '1 hour')    AS failed_last_hour,
       w.drivers,
       w.accel,
       w.labels,
       w.last_seen
  FROM workers w
  LEFT JOIN tasks t ON t.worker_id = w.id
 GROUP BY w.id;

CREATE VIEW v_egress_blocked AS
SELECT e.id,
       e.ts,
       t.job_id,
       e.task_id,
       e.attempt,
       e.stage,
       e.host,
       e.port,
       e.method,
       e.reason,
       t.worker_id,
       j.labels
  FROM egress_events e
  JOIN tasks t ON t.id = e.task_id AND t.attempt = e.attempt
  JOIN jobs j ON j.id = t.job_id
 WHERE NOT e.allowed;

GRANT SELECT ON v_job_summary, v_findings_by_rule, v_worker_load, v_egress_blocked TO airlock_app;
