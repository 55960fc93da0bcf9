// tests/integration/deploy/validate-compose.js: what docker/compose.yaml promises
// (docs/OPERATIONS.md "Docker"), checked without a Docker engine.
//
//   node validate-compose.js REPO_ROOT
//
// No top-level `name:` (docker-compose 1.29 refuses it); nothing privileged; every
// service runs an init; every long-running service has a healthcheck; a volume
// holding secrets is written only by `init` and mounted read-only everywhere else,
// and each secret volume is mounted by one service besides init (public keys and the
// worker certificates excepted); the worker's stop grace period exceeds its
// drain timeout; the worker mounts the host's uid-lease directory; postgres is
// healthy only once it answers over TCP; airlockd never gets a worker's, the signer's or the owner's secrets.
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const root = process.argv[2];
const file = path.join(root, 'docker/compose.yaml');
const c = YAML.parse(fs.readFileSync(file, 'utf8'), { merge: true });
const errors = [];
const err = (m) => errors.push(m);

const SECRET = new Set(['pg-secrets', 'migrate-secrets', 'airlockd-secrets', 'signer-secrets', 'cli-secrets',
  'worker-certs', 'trust']);
const SHARED_OK = new Set(['worker-certs']);   // every worker replica reads the pool

if ('name' in c) err('top-level name: docker-compose 1.29 refuses it (use docker/.env)');
for (const v of SECRET) if (!(v in (c.volumes || {}))) err(`volume ${v} is not declared`);
const readers = {};
for (const [name, s] of Object.entries(c.services)) {
  if (s.privileged) err(`${name}: privileged`);
  if (s.init !== true) err(`${name}: no init: true`);
  const oneShot = s.restart === 'no' || (s.profiles || []).length > 0;
  if (!oneShot && !s.healthcheck) err(`${name}: no healthcheck`);
  for (const m of s.volumes || []) {
    const [src, , mode] = String(m).split(':');
    if (!SECRET.has(src)) continue;
    if (name === 'init') continue;
    if (mode !== 'ro') err(`${name}: secret volume ${src} mounted read-write`);
    (readers[src] = readers[src] || []).push(name);
  }
}
for (const [v, who] of Object.entries(readers))
  if (who.length > 1 && !SHARED_OK.has(v)) err(`secret volume ${v} mounted by ${who.join(', ')}`);
const initVols = (c.services.init.volumes || []).map((m) => String(m).split(':')[0]);
for (const v of SECRET) if (!initVols.includes(v)) err(`init does not write ${v}`);

const ad = (c.services.airlockd.volumes || []).map((m) => String(m).split(':')[0]);
for (const v of ['worker-certs', 'signer-secrets', 'migrate-secrets', 'pg-secrets'])
  if (ad.includes(v)) err(`airlockd mounts ${v}`);
if (!/user=airlockd\b/.test(c.services.airlockd.environment.AIRLOCK_DB)) err('airlockd does not log in as airlockd');

const secs = (d) => { const m = /^(\d+)(s|m)$/.exec(String(d)); return m ? m[1] * (m[2] === 'm' ? 60 : 1) : NaN; };
const w = c.services.worker;
const drain = Number(w.environment.AIRLOCK_DRAIN_TIMEOUT_S || 600);
if (!(secs(w.stop_grace_period) > drain)) err(`worker stop_grace_period ${w.stop_grace_period} <= drain ${drain}s`);
if (!w.shm_size) err('worker: no shm_size');
// every worker on the host leases VMM uids in one directory (worker/sandbox/uid_lease.h)
if (!(w.volumes || []).some((m) => /^\/run\/airlock\/uid-leases:\/run\/airlock\/uid-leases(:rw)?$/.test(String(m))))
  err("worker: the host's /run/airlock/uid-leases is not mounted (each replica would lease uids alone)");
// the entrypoint's first-start server listens on the unix socket only: probe over TCP
const pgHealth = ((c.services.postgres.healthcheck || {}).test || []).join(' ');
if (!/pg_isready .*-h (127\.0\.0\.1|localhost)\b/.test(pgHealth))
  err(`postgres: healthcheck '${pgHealth}' does not probe TCP (passes on the first start's socket-only server)`);
for (const o of ['seccomp=unconfined', 'apparmor=unconfined'])
  if (!(w.security_opt || []).includes(o)) err(`worker: security_opt ${o} missing (docs/OPERATIONS.md)`);
if ((w.security_opt || []).some((o) => o.startsWith('systempaths')))
  err('worker: security_opt systempaths=... (docker-compose 1.29 passes it to the engine, which refuses it)');
if (String(w.environment.AIRLOCK_UNMASK_PROC) !== '1') err('worker: AIRLOCK_UNMASK_PROC is not 1');

if (errors.length) {
  console.error(errors.join('\n'));
  console.error(`validate-compose: ${errors.length} error(s)`);
  process.exit(1);
}
console.log(`validate-compose: ${Object.keys(c.services).length} services ok`);
