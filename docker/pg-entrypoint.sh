#!/bin/sh
# docker/pg-entrypoint.sh (airlock-pg-entrypoint in airlock/postgres): PostgreSQL 15
# for the compose stack, as the postgres user. On the first start (empty $PGDATA) it
# runs initdb and creates Airlock's roles and database (docs/OPERATIONS.md "PostgreSQL"):
#   airlock          LOGIN, owns the database and schema, runs `airlockd migrate` only
#   airlock_app      NOLOGIN group (grants from sql/); login "airlockd" is its member
#   airlock_signer   NOLOGIN group; login "airlock_signerd" is its member
#   airlock_reader   NOLOGIN group; login "airlock_report" (dashboards, audit verify)
# with the passwords init-secrets.sh wrote to $AIRLOCK_PG_SECRETS (read-only mount).
# Network logins need scram-sha-256; the superuser "postgres" has no password and can
# log in only over the container's own unix socket.
set -eu
secrets=${AIRLOCK_PG_SECRETS:-/run/airlock/postgres}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  for r in airlock airlockd airlock_signerd airlock_report; do
    [ -s "$secrets/$r.password" ] || { echo "postgres: $secrets/$r.password missing (the init service writes it)" >&2; exit 1; }
  done
  initdb -D "$PGDATA" -U postgres -E UTF8 --locale=C --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  printf '%s\n' "host all all 0.0.0.0/0 scram-sha-256" "host all all ::/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
  pw() { sed "s/'/''/g" "$secrets/$1.password"; }
  psql -X -q -v ON_ERROR_STOP=1 -d postgres <<SQL
CREATE ROLE airlock_app NOLOGIN;
CREATE ROLE airlock_signer NOLOGIN;
CREATE ROLE airlock_reader NOLOGIN;
CREATE ROLE airlock LOGIN PASSWORD '$(pw airlock)';
CREATE ROLE airlockd LOGIN IN ROLE airlock_app PASSWORD '$(pw airlockd)';
CREATE ROLE airlock_signerd LOGIN IN ROLE airlock_signer PASSWORD '$(pw airlock_signerd)';
CREATE ROLE airlock_report LOGIN IN ROLE airlock_reader PASSWORD '$(pw airlock_report)';
CREATE DATABASE airlock OWNER airlock ENCODING 'UTF8' TEMPLATE template0;
SQL
  pg_ctl -D "$PGDATA" -w -m fast stop >/dev/null
  echo "postgres: cluster initialized with Airlock's roles"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c max_connections=${AIRLOCK_PG_MAX_CONNECTIONS:-100} "$@"
