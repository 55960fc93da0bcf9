#!/usr/bin/env bash
# tests/integration/deploy/test-docker.sh: the compose stack (docker/compose.yaml),
# built and run for real. Opt-in: AIRLOCK_TEST_DOCKER=1 (it builds images and needs a
# Docker engine, minutes of CPU); otherwise it exits 77 and says why.
#
#   AIRLOCK_TEST_DOCKER=1 tests/integration/deploy/test-docker.sh
#
# Starts dockerd itself when none answers (root; stopped again at the end), makes the
# base image debian:12 with mmdebstrap when missing (no Docker Hub needed), builds the
# images (the layer cache makes reruns fast), brings the stack up with three workers,
# checks the split of secrets and the worker's privileges, runs a job of each verdict
# (accepted, tests_failed, rejected) through the cli service, fills every worker slot
# and scales to one worker while those jobs run (the stopped workers drain: every job
# still finishes, accepted), verifies the audit chain with the signer's public key,
# and tears everything down, volumes too (also when it fails).
#
# Every worker also offers microvm (qemu -M microvm, TCG here, in its jail inside the
# container; the host's guest kernel, scripts/build-guest-kernel, mounted through
# docker/compose.host-kernel.yaml; exit 77 without it): a job with "driver": "microvm"
# must be accepted, its stage_runs rows name microvm and its test stage's exec events
# (the guest's exec audit) include python3.
# AIRLOCK_TEST_DOCKER_DRIVER=ns (default) or microvm: the driver of the other jobs
# AIRLOCK_TEST_DOCKER_KEEP=1 leaves the stack up for a look (docker-compose -p NAME down -v)
set -uo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
driver=${AIRLOCK_TEST_DOCKER_DRIVER:-ns}

if [[ "${AIRLOCK_TEST_DOCKER:-0}" != 1 ]]; then
  echo "skipped: the Docker test is opt-in (AIRLOCK_TEST_DOCKER=1; it builds images and needs a Docker engine)"
  exit 77
fi
command -v docker >/dev/null || { echo "skipped: no docker client (Debian: docker.io)"; exit 77; }
if docker compose version >/dev/null 2>&1; then dc_cmd=(docker compose)
elif command -v docker-compose >/dev/null; then dc_cmd=(docker-compose)
else echo "skipped: neither 'docker compose' nor docker-compose (Debian: docker-compose)"; exit 77; fi

t0=$(date +%s)
phase() { printf '== %s (+%ss, load %s)\n' "$1" "$(($(date +%s) - t0))" "$(cut -d' ' -f1 /proc/loadavg)"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# ---------------------------------------------------------------- engine and base image
started_dockerd=""
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null && [[ $(id -u) == 0 ]] ||
    { echo "skipped: no Docker engine answers and dockerd cannot be started here (root and docker.io needed)"; exit 77; }
  phase "starting dockerd (overlay2)"
  setsid dockerd --storage-driver=overlay2 >"/tmp/airlock-test-dockerd.$$.log" 2>&1 </dev/null &
  started_dockerd=$!
  for _ in $(seq 1 300); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
  docker info >/dev/null 2>&1 || fail "dockerd did not start (log /tmp/airlock-test-dockerd.$$.log)"
fi
if ! docker image inspect debian:12 >/dev/null 2>&1; then
  phase "base image debian:12 (mmdebstrap | docker import)"
  mmdebstrap --variant=minbase --format=tar bookworm - 2>/dev/null | docker import - debian:12 >/dev/null ||
    fail "cannot make debian:12 with mmdebstrap"
fi

# ---------------------------------------------------------------- the stack
project=airlock-test-$$
files=(-f "$root/docker/compose.yaml")
# Every worker offers $driver first (the jobs without a "driver") and microvm (the job
# that asks for it): microvm runs in the worker container too, with the host's guest kernel.
drivers=$driver
[[ "$driver" == microvm ]] || drivers+=,microvm
export AIRLOCK_WORKER_DRIVERS=$drivers AIRLOCK_SIGNER_INTERVAL_S=5 AIRLOCK_WORKER_POOL=4
export AIRLOCK_CLIENT_PUBLISH=127.0.0.1:   # no fixed host port: several stacks may run
[[ -e /var/cache/airlock/kernel/current/vmlinux ]] ||
  { echo "skipped: no guest kernel on the host for the microvm driver (scripts/build-guest-kernel)"; exit 77; }
files+=(-f "$root/docker/compose.host-kernel.yaml")
export AIRLOCK_GUEST_KERNEL=0   # the host's kernel: no 6-7 min kernel build
dc() { "${dc_cmd[@]}" -p "$project" "${files[@]}" "$@"; }
cli() { dc run --rm --no-deps -T cli "$@"; }   # the stack is up: do not rerun init and migrate

teardown() {
  local rc=$?
  trap - EXIT
  if [[ "${AIRLOCK_TEST_DOCKER_KEEP:-0}" == 1 ]]; then
    echo "kept: ${dc_cmd[*]} -p $project ${files[*]} --profile tools down --volumes"
  else
    ((rc == 0)) || dc logs --no-color --tail 40 >&2 2>&1
    dc --profile tools down --volumes --remove-orphans -t 30 >/dev/null 2>&1
    # the anonymous state volume of each replica (VOLUME /var/lib/airlock/worker):
    # `down --volumes` removes those of the replicas left, a scale-down keeps them
    for v in "${state_volumes[@]}"; do
      docker volume inspect "$v" >/dev/null 2>&1 || continue
      docker volume rm "$v" >/dev/null || { echo "FAIL: worker state volume $v left" >&2; rc=1; }
    done
    left=$(docker volume ls -q --filter "name=${project}_" | wc -l)
    ((left == 0)) || { echo "FAIL: $left volumes of $project left" >&2; rc=1; }
  fi
  if [[ -n "$started_dockerd" ]]; then kill "$started_dockerd" && wait "$started_dockerd"; fi
  phase "done (exit $rc)"
  exit "$rc"
}
state_volumes=()
trap teardown EXIT

phase "build images (docker/Dockerfile targets airlockd and worker, Dockerfile.postgres)"
dc build >"/tmp/$project.build.log" 2>&1 || { tail -30 "/tmp/$project.build.log"; fail "build"; }

phase "up: init, postgres, migrate, signer, airlockd, 3 workers ($drivers)"
dc up -d --scale worker=3 >"/tmp/$project.up.log" 2>&1 || { cat "/tmp/$project.up.log"; fail "up"; }

workers_up() { # N: at least N workers registered and taking work
  [[ $(cli --json workers 2>/dev/null | python3 -c 'import json, sys
print(sum(1 for l in sys.stdin if l.startswith("{") and json.loads(l)["state"] not in ("draining", "dead", "gone")))') -ge "$1" ]]
}
wait_until() { # seconds what command...: polls with a deadline
  local secs=$1 what=$2 i; shift 2
  for ((i = 0; i < secs; i++)); do "$@" && return 0; sleep 1; done
  fail "$what: not within ${secs}s"
}
cli --json workers >/dev/null 2>&1 || true
wait_until 240 "three workers registered" workers_up 3
for c in $(dc ps -q worker); do
  state_volumes+=($(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/var/lib/airlock/worker"}}{{.Name}}{{end}}{{end}}' "$c"))
done
cli workers

phase "privileges and the split of secrets"
for c in $(dc ps -q worker); do
  [[ $(docker inspect -f '{{.HostConfig.Privileged}}' "$c") == false ]] || fail "worker $c is privileged"
  # (its /run/airlock holds the host's uid leases and the VMM jail's root, no secret)
  docker exec "$c" sh -c 'test ! -e /certs/airlockd && test ! -e /certs/allowed && test ! -e /run/airlock/signer &&
    test ! -e /run/airlock/migrate && test ! -e /run/airlock/postgres' ||
    fail "worker $c sees airlockd's key or trust directory"
  # read-write: only the claims, the replica's own state, cgroups and the host's uid leases
  rw=$(docker inspect -f '{{range .Mounts}}{{if .RW}}{{.Destination}} {{end}}{{end}}' "$c")
  for m in $rw; do
    case $m in /var/lib/airlock/claims|/var/lib/airlock/worker|/sys/fs/cgroup|/run/airlock/uid-leases) ;;
      *) fail "worker $c mounts $m read-write" ;; esac
  done
  # one uid-lease directory for every worker on the host (uid_lease.h): the host's own
  [[ $(docker exec "$c" stat -c '%d:%i %U %a' /run/airlock/uid-leases) == \
     "$(stat -c '%d:%i %U %a' /run/airlock/uid-leases)" ]] || fail "worker $c leases uids in a directory of its own"
done
c=$(dc ps -q airlockd)
docker exec "$c" sh -c 'test ! -e /certs/workers && test ! -e /run/airlock/signer' || fail "airlockd sees a worker's or the signer's key"
[[ $(docker exec "$c" id -u) == 7000 ]] || fail "airlockd runs as root"
docker exec "$c" sh -c 'touch /certs/allowed/x 2>/dev/null' && fail "airlockd's trust directory is writable"

phase "a repository in the repos volume"
tar -C "$root/examples/repo" --exclude=__pycache__ -cf - . |
  dc run --rm --no-deps -T --entrypoint sh cli -c 'mkdir -p /repos/roman && tar -xf - -C /repos/roman && cd /repos/roman &&
    git init -q -b main && git add -A &&
    git -c user.name=test -c user.email=test@airlock.invalid commit -q -m roman' || fail "repository"

job() { # example-name [test command [driver]]: the example job as JSON on stdout
  python3 - "$root/examples/jobs/$1.json" "${2:-}" "${3:-}" <<'PY'
import json, os, sys
src, test, driver = sys.argv[1], sys.argv[2], sys.argv[3]
job = json.load(open(src))
job["repo"] = "/repos/roman"
if job.get("patch") == "@PATCH@":
    job["patch"] = open(os.path.splitext(src)[0] + ".diff").read()
if test:
    job["test"] = test
if driver:
    job["driver"] = driver
print(json.dumps(job))
PY
}
submit() { job "$@" | cli submit - | tail -1 | tr -d '[:space:]'; }
verdict_of() { cli --json status "$1" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read()).get("verdict","-"))'; }

phase "one job of each verdict"
declare -A want=([01-good-patch]=accepted [07-failing-test]=tests_failed [02-leaked-aws-key]=rejected)
declare -A ids=()
for j in "${!want[@]}"; do ids[$j]=$(submit "$j") || fail "submit $j"; echo "  $j -> ${ids[$j]}"; done
for j in "${!want[@]}"; do
  cli wait "${ids[$j]}" >/dev/null 2>&1
  got=$(verdict_of "${ids[$j]}")
  echo "  $j: $got (want ${want[$j]})"
  [[ "$got" == "${want[$j]}" ]] || fail "$j: verdict $got, want ${want[$j]}"
done

phase "microvm in a worker container: a job that asks for it, its stages and exec audit"
# The stages' driver and the exec events are rows airlockd stored (psql as the
# database superuser inside the postgres container: the cli's reader login sees them too,
# but has no psql).
sql() { docker exec -u postgres "$(dc ps -q postgres)" psql -d airlock -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
vm=$(job 01-good-patch "" microvm | cli submit - | tail -1 | tr -d '[:space:]') || fail "submit microvm job"
echo "  01-good-patch (driver microvm) -> $vm"
cli wait "$vm" >/dev/null 2>&1
got=$(verdict_of "$vm")
echo "  verdict: $got (want accepted)"
[[ "$got" == accepted ]] || fail "microvm job: verdict $got, want accepted"
task_of() { sql "SELECT task_id FROM jobs WHERE id = '$1'"; }
vm_task=$(task_of "$vm")
stages=$(sql "SELECT stage || ':' || sandbox_driver || ':' || coalesce(isolation, '-') FROM stage_runs
              WHERE task_id = '$vm_task' AND sandbox_driver IS NOT NULL ORDER BY id")
echo "  sandboxed stages:" $stages
[[ -n "$stages" ]] || fail "microvm job: no sandboxed stage_runs row"
grep -v -q '^[a-z]*:microvm:' <<<"$stages" && fail "microvm job: a stage ran on another driver"
grep -q '^test:microvm:' <<<"$stages" || fail "microvm job: no test stage on microvm"
execs=$(sql "SELECT count(*) FROM exec_events WHERE task_id = '$vm_task' AND stage = 'test'")
py=$(sql "SELECT count(*) FROM exec_events WHERE task_id = '$vm_task' AND stage = 'test' AND path LIKE '%python3%'")
echo "  exec audit (from the guest): $execs exec events in the test stage, $py of python3"
((py > 0)) || fail "microvm job: no exec event of the test's python3 (the guest's exec audit)"
# Each idle VM of the worker's pool holds the lease of its qemu's uid: the host sees
# that lock (one lease directory for the host), so no other worker can take the uid.
leased=0
for c in $(dc ps -q worker); do
  for u in $(docker exec "$c" ps -C qemu-system-x86_64 -o uid=); do
    slot=$((u - 1100000000))
    flock -n -E 99 "/run/airlock/uid-leases/$slot" true
    [[ $? == 99 ]] || fail "qemu uid $u of worker $c: its lease is not held in the host's directory"
    leased=$((leased + 1))
  done
done
echo "  $leased qemu processes in the worker containers, each of a uid whose lease the host sees held"
((leased > 0)) || fail "no qemu left running in a worker container (the pool keeps some): the lease check ran on nothing"
ns_job=${ids[01-good-patch]}
ns_execs=$(sql "SELECT count(*) FROM exec_events WHERE task_id = '$(task_of "$ns_job")'")
echo "  for comparison, the $driver job $ns_job: $ns_execs exec events (ns: no proc connector in a container's network namespace)"

phase "scale 3 -> 1 while six jobs run (two slots per worker): the stopped workers drain"
# Submitted and watched from one cli container (each `run` costs seconds): six jobs
# whose test sleeps 90 s, then until all six run (a deadline, polled).
job 01-good-patch 'sleep 90 && python3 -m unittest discover -s tests' |
  dc run --rm --no-deps -T --entrypoint sh cli -c 'mkdir -p /repos/jobs && cat >/repos/jobs/slow.json' || fail "job file"
slow=$(dc run --rm --no-deps -T --entrypoint sh cli -c '
  for n in 1 2 3 4 5 6; do airlock submit /repos/jobs/slow.json | tail -1 || exit 1; done >/tmp/ids
  i=0
  while [ "$(airlock --json list --state running --limit 50 | grep -c -F -f /tmp/ids)" -lt 6 ]; do
    i=$((i + 1)); [ $i -le 300 ] || { echo "not all six running" >&2; exit 1; }; sleep 1
  done
  cat /tmp/ids') || fail "six running jobs"
jobs_json() { cli --json list --limit 50; }
field_of() { # id field: from one `list` snapshot on stdin
  python3 -c 'import json, sys
for l in sys.stdin:
    if l.startswith("{"):
        j = json.loads(l)
        if j["job_id"] == sys.argv[1]: print(j.get(sys.argv[2], "-"))' "$1" "$2"
}
snap=$(jobs_json)
declare -A holder=()
for id in $slow; do holder[$id]=$(field_of "$id" worker <<<"$snap"); done
echo "  six running, held by: ${holder[*]}"
dc up -d --no-recreate --scale worker=1 >"/tmp/$project.scale.log" 2>&1 || { cat "/tmp/$project.scale.log"; fail "scale down"; }
[[ $(dc ps -q worker | wc -l) == 1 ]] || fail "not one worker after scaling down"
kept=$(docker logs "$(dc ps -q worker)" 2>&1 | sed -n 's/.*certificate \(worker-[0-9]*\).*/\1/p' | tail -1)
drained=0
for id in $slow; do [[ "${holder[$id]}" == "$kept" ]] || drained=$((drained + 1)); done
echo "  $kept stays; $drained of the six jobs were on the workers stopped (their stop waited for them)"
((drained > 0)) || fail "no job was on a stopped worker: the drain was not exercised"
# shellcheck disable=SC2086
dc run --rm --no-deps -T --entrypoint sh cli -c "for id in $(echo $slow); do airlock wait \$id >/dev/null; done; true"
snap=$(jobs_json)
for id in $slow; do
  got=$(field_of "$id" verdict <<<"$snap") a=$(field_of "$id" attempt <<<"$snap")
  [[ "$got" == accepted ]] || fail "job $id (held by ${holder[$id]}) ended $got after the scale-down"
  [[ "$a" == 1 ]] || fail "job $id needed attempt $a: its worker did not drain, the attempt was lost"
done
echo "  all six accepted at their first attempt"

phase "audit chain (airlock audit verify --public-key audit.pub)"
# Stopping the signer signs a final checkpoint covering every job above.
dc stop -t 30 signer >/dev/null 2>&1 || fail "stop signer"
cli audit verify --public-key /certs/public/audit.pub || fail "audit verify"

echo "docker compose stack: ok"
