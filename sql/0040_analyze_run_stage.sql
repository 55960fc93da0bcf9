-- 0040_analyze_run_stage.sql: the analysis of what the run stage changed
-- (issue 10). After the run stage (and its path-policy diff) the worker runs
-- the analyzers over the run's changes, like over the patch, before the test
-- stage; its stage.end event is a stage_runs row like every other stage's.
ALTER TABLE stage_runs DROP CONSTRAINT stage_runs_stage_check;
ALTER TABLE stage_runs ADD CONSTRAINT stage_runs_stage_check
    CHECK (stage IN ('workspace', 'environment', 'analyze', 'apply', 'run', 'diff', 'analyze_run', 'test',
                     'report', 'destroy'));
