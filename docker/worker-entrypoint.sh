#!/bin/sh
# docker/worker-entrypoint.sh (airlock-worker-entrypoint in the worker image): starts
# airlock-worker in a compose "worker" replica.
#
# Identity: the init service made AIRLOCK_WORKER_POOL certificates worker-1..N
# (/certs/workers, read-only here) and enrolled their public keys with airlockd; a
# replica claims the first free one with an atomic mkdir in /var/lib/airlock/claims
# (a volume of the workers holding no secret), keeps it across restarts of the same
# container (the claim names the container's host name) and frees it when it stops.
# The worker never sees airlockd's secret key or its trust directory. More replicas
# than certificates: raise AIRLOCK_WORKER_POOL and rerun the init service.
#
# /proc: container runtimes mask parts of it (/proc/kcore, /proc/sys, ... over-mounted);
# the ns driver mounts a fresh procfs inside a user namespace, which the kernel refuses
# while any path of the container's /proc is covered ("mount /proc: Operation not
# permitted"). With AIRLOCK_UNMASK_PROC=1 (compose, Kubernetes) the entrypoint removes
# those over-mounts (it has CAP_SYS_ADMIN): what `--security-opt systempaths=unconfined`
# does, which docker-compose 1.29 cannot pass and Kubernetes only behind procMount.
#
# SIGTERM drains (running tasks finish, up to drain_timeout_s) before the worker exits.
set -eu
if [ "${AIRLOCK_UNMASK_PROC:-0}" = 1 ]; then
  awk '$5 ~ "^/proc/" {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
    umount "$m" || { echo "worker: cannot unmask $m (CAP_SYS_ADMIN, apparmor=unconfined?)" >&2; exit 1; }
  done
fi
# The host's uid-lease directory (compose.yaml mounts it; Docker makes a missing one
# 0755): root's, 0700, or uid_lease.c refuses it.
if [ -d /run/airlock/uid-leases ]; then chown 0:0 /run/airlock/uid-leases && chmod 0700 /run/airlock/uid-leases; fi
claims=${AIRLOCK_CLAIMS_DIR:-/var/lib/airlock/claims}
certs=${AIRLOCK_WORKER_CERTS:-/certs/workers}
host=$(hostname)
cert_of() { # name: its certificate, in a folder of its own (compose) or flat (a Kubernetes Secret)
  if [ -f "$certs/$1/$1.key_secret" ]; then echo "$certs/$1/$1.key_secret"
  elif [ -f "$certs/$1.key_secret" ]; then echo "$certs/$1.key_secret"; fi
}
name=""
if [ "${AIRLOCK_CERT_FROM_ORDINAL:-0}" = 1 ]; then
  # A StatefulSet's pod NAME-N uses worker-(N+1): stable, no claim needed.
  ord=${host##*-}
  case $ord in ''|*[!0-9]*) echo "worker: host name $host does not end in -N" >&2; exit 1 ;; esac
  name=worker-$((ord + 1))
  [ -n "$(cert_of "$name")" ] || { echo "worker: no certificate $name under $certs" >&2; exit 1; }
  claims=""
else
  mkdir -p "$claims"
  for f in "$certs"/worker-*; do
    n=$(basename "$f" .key_secret)
    [ -n "$(cert_of "$n")" ] || continue
    if [ "$(cat "$claims/$n/owner" 2>/dev/null)" = "$host" ]; then name=$n; break; fi
    if mkdir "$claims/$n" 2>/dev/null; then echo "$host" >"$claims/$n/owner"; name=$n; break; fi
  done
fi
if [ -z "$name" ]; then
  echo "worker: every certificate under $certs is claimed (raise AIRLOCK_WORKER_POOL, rerun init)" >&2
  exit 1
fi
release() { if [ -n "$claims" ]; then rm -rf "${claims:?}/$name"; fi; }
if [ -c /dev/kvm ]; then kvm="/dev/kvm present"; else kvm="no /dev/kvm"; fi
echo "worker $host: certificate $name, $kvm"
export AIRLOCK_NAME="$name" AIRLOCK_CERT="$(cert_of "$name")"
/src/build/worker/airlock-worker "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
rc=0
# wait returns early when a trapped signal arrives: wait again until the worker is gone.
while :; do
  wait "$pid" && rc=0 || rc=$?
  kill -0 "$pid" 2>/dev/null || break
done
release
exit "$rc"
