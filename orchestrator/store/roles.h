/*
 * roles.h: what a database session may do, checked at start by the processes
 * that must NOT be able to rewrite history (airlockd, airlock-signer).
 *
 * The audit log is append-only by triggers and grants (sql/0002, 0004, 0070).
 * Those hold only against a session that is neither a superuser nor (a member
 * of) the owner of the tables: an owner can ALTER TABLE ... DISABLE TRIGGER
 * and rewrite the chain. store_db_privileges_check() refuses such a session,
 * and one that holds UPDATE, DELETE or TRUNCATE on an audit table or may run
 * DDL (CREATE on the schema or the database), with a message naming the role
 * and what it may do, and what to do instead (docs/OPERATIONS.md).
 *
 * Errors: AL_EPOLICY (the session has too much power), AL_EDB / AL_EAGAIN.
 */
#ifndef AIRLOCK_STORE_ROLES_H
#define AIRLOCK_STORE_ROLES_H

#include "orchestrator/store/db.h"

/* `who` names the process in the message ("airlockd", "airlock-signer"). */
int store_db_privileges_check(store_db_t *db, const char *who);

#endif
