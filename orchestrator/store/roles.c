/*
 * roles.c: refuses a session that could bypass the audit guards (roles.h).
 * One query over the catalogs; owns nothing beyond the call.
 */
#include "orchestrator/store/roles.h"

#include "common/error.h"
#include "common/log.h"

#include <stdio.h>
#include <string.h>

/* Columns: login role, superuser, owner of a table of the schema (or a
 * member of its owner), audit-table write privileges, DDL privileges. */
static const char PRIVILEGES_SQL[] =
    "SELECT current_user::text, r.rolsuper, "
    " COALESCE((SELECT string_agg(DISTINCT pg_get_userbyid(c.relowner)::text, ',') FROM pg_class c "
    "   JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
    "   AND c.relkind IN ('r', 'p', 'v', 'S') AND pg_has_role(current_user, c.relowner, 'MEMBER')), ''), "
    " COALESCE((SELECT string_agg(t || ' ' || p, ', ') FROM unnest(ARRAY['audit_log', 'audit_head', 'audit_links', "
    "   'audit_checkpoints']) t CROSS JOIN unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) p "
    "   WHERE to_regclass(t) IS NOT NULL AND has_table_privilege(t, p)), ''), "
    " has_schema_privilege('public', 'CREATE'), has_database_privilege(current_database(), 'CREATE') "
    "FROM pg_roles r WHERE r.rolname = current_user";

#define FIX "give it a login role that is a member of airlock_app (airlock_signer for the signer) only, and run "\
            "the migrations as the schema owner with `airlockd migrate` (docs/OPERATIONS.md \"PostgreSQL\")"

int store_db_privileges_check(store_db_t *db, const char *who)
{
    PGresult *res = NULL;
    int rc = store_db_exec(db, &res, PRIVILEGES_SQL, 0, NULL);
    if (rc != 0)
        return al_err_wrap(rc, "%s: checking the database role", who);
    if (PQntuples(res) != 1) {
        PQclear(res);
        return al_err_set(AL_EDB, "%s: the login role is not in pg_roles", who);
    }
    const char *user = PQgetvalue(res, 0, 0), *owns = PQgetvalue(res, 0, 2), *writes = PQgetvalue(res, 0, 3);
    int super = PQgetvalue(res, 0, 1)[0] == 't', ddl = PQgetvalue(res, 0, 4)[0] == 't';
    int db_create = PQgetvalue(res, 0, 5)[0] == 't';
    if (super)
        rc = al_err_set(AL_EPOLICY, "%s connects to PostgreSQL as %s, a superuser, which can rewrite the audit "
                        "log; " FIX, who, user);
    else if (*owns)
        rc = al_err_set(AL_EPOLICY, "%s connects to PostgreSQL as %s, which owns (or may become %s, the owner "
                        "of) the schema's tables and can disable the audit triggers; " FIX, who, user, owns);
    else if (*writes)
        rc = al_err_set(AL_EPOLICY, "%s connects to PostgreSQL as %s, which may %s; " FIX, who, user, writes);
    else if (ddl || db_create)
        rc = al_err_set(AL_EPOLICY, "%s connects to PostgreSQL as %s, which may create objects (CREATE on the %s); "
                        FIX, who, user, ddl ? "schema public" : "database");
    else
        al_info("store.role_checked", "who=%s role=%s", who, user);
    PQclear(res);
    return rc;
}
