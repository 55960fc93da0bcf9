#!/bin/sh
# docker/init-secrets.sh (airlock-init-secrets in the airlockd image): the compose
# "init" one-shot. Makes every key and password of the stack once, each in the volume
# of the one service that needs it, so that no service mounts another's secret:
#
#   /init/postgres  <role>.password for the four database logins     -> postgres (ro)
#   /init/migrate   pgpass of the schema owner "airlock"              -> migrate (ro)
#   /init/airlockd  airlockd.key_secret, pgpass of "airlockd", api_tokens (HTTP API
#                   bearer tokens; none at first: `airlock token` adds lines),
#                   tenant_repos (`* /repos`: jobs name repositories under /repos) -> airlockd (ro)
#   /init/signer    audit.pem (Ed25519), pgpass of "airlock_signerd"  -> signer (ro)
#   /init/cli       client.key_secret, pgpass of "airlock_report"     -> cli (ro)
#   /init/workers   worker-N/worker-N.key_secret, N = 1..AIRLOCK_WORKER_POOL -> workers (ro)
#   /init/trust     the public keys airlockd accepts (its certs_dir)  -> airlockd (ro)
#   /init/public    airlockd.key (server public key), audit.pub       -> workers, cli (ro)
#   /init/repos     (no secret) made writable for the cli's user: repositories jobs name
#
# Worker certificates pin what a worker may claim (airlock keygen --drivers,
# --max-slots). Idempotent: what exists stays; a larger AIRLOCK_WORKER_POOL adds
# certificates. Runs as root; files are 0600 and owned by the user of the service
# that reads them (7000 = "airlock" in the airlockd image, 7001 = "postgres").
set -eu
i=/init
pool=${AIRLOCK_WORKER_POOL:-8}
drivers=${AIRLOCK_WORKER_DRIVERS:-microvm,gvisor,ns}
max_slots=${AIRLOCK_WORKER_MAX_SLOTS:-4}
app=7000 pg=7001

secret() { # file owner: a random password (hex) once
  [ -s "$1" ] || { (umask 077 && openssl rand -hex 24 >"$1"); }
  chown "$2" "$1" && chmod 0600 "$1"
}
pgpass() { # dir role owner: a libpq passfile for role (host postgres, database airlock)
  printf 'postgres:5432:airlock:%s:%s\n' "$2" "$(cat "$i/postgres/$2.password")" >"$1/pgpass"
  chown "$3" "$1/pgpass" && chmod 0600 "$1/pgpass"
}
keygen() { # dir name role [options]: a CurveZMQ certificate once (sh has no locals: k_*)
  k_dir=$1 k_name=$2 k_role=$3; shift 3
  [ -s "$k_dir/$k_name.key_secret" ] || airlock keygen --role "$k_role" --name "$k_name" --dir "$k_dir" "$@" >/dev/null
}

mkdir -p $i/postgres $i/migrate $i/airlockd $i/signer $i/cli $i/workers $i/trust $i/public
for r in airlock airlockd airlock_signerd airlock_report; do secret "$i/postgres/$r.password" $pg; done
pgpass $i/migrate airlock $app
pgpass $i/airlockd airlockd $app
pgpass $i/signer airlock_signerd $app
pgpass $i/cli airlock_report $app

keygen $i/airlockd airlockd server
[ -f $i/airlockd/api_tokens ] || : >$i/airlockd/api_tokens
[ -f $i/airlockd/tenant_repos ] || echo '* /repos' >$i/airlockd/tenant_repos
keygen $i/cli client client
n=1
while [ "$n" -le "$pool" ]; do
  mkdir -p "$i/workers/worker-$n"
  keygen "$i/workers/worker-$n" "worker-$n" worker --drivers "$drivers" --max-slots "$max_slots"
  cp "$i/workers/worker-$n/worker-$n.key" "$i/trust/worker-$n.key"
  n=$((n + 1))
done
cp $i/cli/client.key $i/trust/client.key
cp $i/airlockd/airlockd.key $i/public/airlockd.key
if [ ! -s $i/signer/audit.pem ]; then
  (umask 077 && openssl genpkey -algorithm ed25519 -out $i/signer/audit.pem)
fi
openssl pkey -in $i/signer/audit.pem -pubout -out $i/public/audit.pub

chown -R $app $i/airlockd $i/signer $i/cli $i/migrate
chown -R $pg $i/postgres
mkdir -p $i/repos && chown $app $i/repos
chown -R 0:0 $i/workers
chmod 0600 $i/airlockd/*.key_secret $i/cli/*.key_secret $i/signer/audit.pem $i/workers/*/*.key_secret
chmod 0700 $i/postgres $i/migrate $i/airlockd $i/signer $i/cli $i/workers
chmod 0755 $i/trust $i/public
chmod 0644 $i/trust/* $i/public/*
echo "init: secrets ready ($pool worker certificates, drivers $drivers, max $max_slots slots each)"
