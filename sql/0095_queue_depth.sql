-- 0095_queue_depth.sql: v_queue_depth, the work waiting for and held by workers, in
-- one row, for autoscalers (deploy/kubernetes: KEDA's postgresql trigger scales the
-- workers on `SELECT desired_slots FROM v_queue_depth`) and dashboards.
--   queued         live attempts waiting for a worker (cancelled jobs not counted)
--   running        attempts assigned to or running on a worker
--   desired_slots  queued + running: the slots that would run everything now
--   oldest_queued_s  seconds the oldest waiting attempt has waited (0 when none)
-- Both counts use the partial indexes of 0001 (tasks_queue_idx, tasks_lease_idx).
-- Readers (airlock_reader, e.g. the autoscaler's login) get SELECT through 0070's
-- default privileges.
CREATE VIEW v_queue_depth AS
SELECT count(*) FILTER (WHERE t.state = 'queued' AND NOT j.cancel_requested)          AS queued,
       count(*) FILTER (WHERE t.state IN ('assigned', 'running'))                      AS running,
       count(*) FILTER (WHERE (t.state = 'queued' AND NOT j.cancel_requested)
                           OR t.state IN ('assigned', 'running'))                      AS desired_slots,
       coalesce(extract(epoch FROM now() - min(t.queued_at)
                        FILTER (WHERE t.state = 'queued' AND NOT j.cancel_requested)), 0)::bigint
                                                                                       AS oldest_queued_s
  FROM tasks t
  JOIN jobs j ON j.id = t.job_id
 WHERE t.state IN ('queued', 'assigned', 'running');
