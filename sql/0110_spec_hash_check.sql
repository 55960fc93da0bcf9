-- 0110_spec_hash_check.sql: the format check of jobs.spec_sha256 (0073)
-- without a regular expression (issue 15). Every job row pays its CHECK
-- constraints at INSERT and at each UPDATE; under saturated dispatch the
-- regex `^[0-9a-f]{64}$` was ~5 % of airlockd's PostgreSQL backend
-- (bench/dispatch README). The same set of values passes: 64 characters,
-- every one of them in 0-9a-f (ltrim removes them all), NULL allowed as before.
ALTER TABLE jobs DROP CONSTRAINT jobs_spec_sha256_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_spec_sha256_check
    CHECK (length(spec_sha256) = 64 AND ltrim(spec_sha256, '0123456789abcdef') = '') NOT VALID;
ALTER TABLE jobs VALIDATE CONSTRAINT jobs_spec_sha256_check;
