/*
 * migrate.h: forward-only schema migrations from sql/NNNN_name.sql.
 *
 * store_migrate() reads every file of sql_dir named NNNN_name.sql (four
 * digits, then [a-z0-9_]), sorts them by number and, inside ONE transaction
 * holding pg_advisory_xact_lock(STORE_MIGRATE_LOCK_KEY), applies those not
 * yet recorded in schema_migrations(version, name, sha256, applied_at).
 * Either every pending file is applied or none is. Applying twice is a no-op.
 * Several processes may call it at once: the advisory lock serializes them.
 *
 * A migration file must not contain BEGIN/COMMIT (it runs inside the
 * migrator's transaction) and is never edited once released: the SHA-256 of
 * every applied file is recorded and compared on every run.
 *
 * Errors: AL_EINVAL (bad argument), AL_EIO (directory or file unreadable),
 * AL_ECONFIG (a .sql file with a malformed name, a duplicated version, an
 * oversize file), AL_ESTATE (an applied file whose checksum or name changed,
 * or a version recorded in the database that has no file: the database is
 * newer than this build), AL_EDB / AL_EAGAIN (from the server, naming the
 * failing file). Nothing is applied when an error is returned.
 */
#ifndef AIRLOCK_STORE_MIGRATE_H
#define AIRLOCK_STORE_MIGRATE_H

#include "orchestrator/store/db.h"

/* The schema's advisory lock keys, distinct: the migrator's ("AIRL" in ASCII,
 * per transaction) and the active airlockd's (orchestrator/leader.c, "AIRD",
 * per session, held as long as it is active). One key for both made
 * `airlockd migrate` wait forever while any airlockd was active. */
#define STORE_MIGRATE_LOCK_KEY 0x4149524cLL
#define STORE_LEADER_LOCK_KEY 0x41495244LL
_Static_assert(STORE_MIGRATE_LOCK_KEY != STORE_LEADER_LOCK_KEY, "one advisory lock key per purpose");

/* Largest migration file accepted. */
#define STORE_MIGRATE_FILE_MAX (4u * 1024u * 1024u)

int store_migrate(store_db_t *db, const char *sql_dir);

/* Checks, without changing anything, that every file of sql_dir is applied
 * and unchanged (a process that may not migrate, e.g. airlockd logged in as
 * a member of airlock_app). AL_ESTATE names what is pending or changed and
 * says to run `airlockd migrate`; other errors as store_migrate. */
int store_migrate_check(store_db_t *db, const char *sql_dir);

/* Default migrations directory for configuration: $AIRLOCK_SQL_DIR when set,
 * else the sql/ folder of the source tree this library was built from.
 * Lent (static or environment storage). */
const char *store_migrate_default_dir(void);

/* Highest applied version into *version (0 when none or when the
 * schema_migrations table does not exist yet). */
int store_migrate_version(store_db_t *db, int *version);

#endif
