-- 0070_roles.sql: least-privilege database roles (issue 12; docs/OPERATIONS.md
-- "PostgreSQL", docs/DATA-MODEL.md "Roles and grants").
--
-- Three group roles (NOLOGIN), each a set of grants; operators make one login
-- role per process a member of exactly one of them:
--   airlock_app     airlockd: reads and writes the operational tables; only
--                   INSERT and SELECT on audit_log; SELECT on the checkpoints
--                   (0001, 0002, 0004; narrowed here)
--   airlock_signer  airlock-signer: reads the chain, appends signed checkpoints
--   airlock_reader  dashboards, `airlock audit verify|head|sample`, `sarif`,
--                   `checks`: SELECT only
-- The schema owner (the role running the migrations, `airlockd migrate`) is
-- none of these processes: an owner can disable triggers. airlockd and the
-- signer refuse to start when their session could (store_db_privileges_check).
-- Roles are cluster-wide: they are created only when missing (creating them
-- needs CREATEROLE, or an administrator creates them beforehand).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'airlock_signer') THEN
        CREATE ROLE airlock_signer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'airlock_reader') THEN
        CREATE ROLE airlock_reader NOLOGIN;
    END IF;
END
$$;

-- No DDL for anyone but the owner (PostgreSQL 15 already revokes CREATE on
-- public from PUBLIC; older servers did not).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- airlockd and the signer check at start that every migration is applied (they
-- cannot apply them), so they read the migration record.
GRANT SELECT ON schema_migrations TO airlock_app, airlock_signer, airlock_reader;

-- Checkpoints are signed by a separate process holding the key: airlockd may
-- read them (metrics) but no longer write them.
REVOKE INSERT ON audit_checkpoints FROM airlock_app;
REVOKE USAGE ON SEQUENCE audit_checkpoints_id_seq FROM airlock_app;
GRANT SELECT ON audit_log, audit_head, audit_checkpoints TO airlock_signer;
GRANT INSERT ON audit_checkpoints TO airlock_signer;
GRANT USAGE ON SEQUENCE audit_checkpoints_id_seq TO airlock_signer;

-- Readers: every table and view, now and later (default privileges of the
-- owner running the migrations).
GRANT SELECT ON ALL TABLES IN SCHEMA public TO airlock_reader;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO airlock_reader;

-- The signer holds no grant on operational tables that later migrations add
-- (default privileges go to airlock_app and airlock_reader only).
