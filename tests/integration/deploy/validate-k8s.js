// tests/integration/deploy/validate-k8s.js: schema validation of deploy/kubernetes.
//
//   node validate-k8s.js REPO_ROOT [RENDERED.yaml...]
//
// Every manifest under deploy/kubernetes (each document of each file) is validated
// against the Kubernetes OpenAPI schemas (kubernetes-models) and KEDA's CRD schemas
// (@kubernetes-models/keda); files a kustomization lists as patches are partial and
// are checked in the rendered output instead (RENDERED.yaml: `kubectl kustomize`).
// Kustomizations must name files that exist. Then what the schemas cannot know:
// no container is privileged, the worker's capabilities are compose.yaml's, the
// KEDA query reads a view that a migration creates, and every Secret and ConfigMap a
// manifest names is documented in deploy/kubernetes/README.md. Exit 1 on any error.
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const root = process.argv[2];
const rendered = process.argv.slice(3);
const errors = [];
let validated = 0;
const err = (where, msg) => errors.push(`${where}: ${msg}`);

const MODULES = {
  'v1': 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
};
const KUSTOMIZE_KEYS = new Set(['apiVersion', 'kind', 'resources', 'patches', 'images', 'namespace',
  'labels', 'commonLabels', 'commonAnnotations', 'configMapGenerator', 'secretGenerator',
  'components', 'namePrefix', 'nameSuffix', 'replicas', 'generatorOptions']);

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

function docs(file) {
  const out = [];
  for (const d of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    if (d.errors.length) err(file, `YAML: ${d.errors[0].message}`);
    const obj = d.toJSON();
    if (obj !== null && obj !== undefined) out.push(obj);
  }
  return out;
}

function validateObject(where, obj) {
  const mod = MODULES[obj.apiVersion];
  if (!mod) return err(where, `apiVersion ${obj.apiVersion} has no schema here`);
  const Model = require(mod)[obj.kind];
  if (!Model) return err(where, `${obj.apiVersion} has no kind ${obj.kind}`);
  try {
    new Model(obj).validate();
    validated++;
  } catch (e) {
    err(where, `${obj.kind} ${obj.metadata && obj.metadata.name}: ${e.message}`);
  }
}

function checkKustomization(file, k) {
  const dir = path.dirname(file);
  for (const key of Object.keys(k)) if (!KUSTOMIZE_KEYS.has(key)) err(file, `unknown kustomization field ${key}`);
  if (k.apiVersion !== 'kustomize.config.k8s.io/v1beta1') err(file, `apiVersion ${k.apiVersion}`);
  const patches = [];
  for (const r of k.resources || []) if (!fs.existsSync(path.join(dir, r))) err(file, `resource ${r} missing`);
  for (const p of k.patches || []) {
    if (!p.path) continue;
    if (!fs.existsSync(path.join(dir, p.path))) err(file, `patch ${p.path} missing`);
    patches.push(path.resolve(dir, p.path));
  }
  return patches;
}

const kdir = path.join(root, 'deploy/kubernetes');
const files = walk(kdir).sort();
const all = files.map((f) => ({ file: f, docs: docs(f) }));
const partial = new Set();
for (const { file, docs: ds } of all)
  for (const d of ds) if (d.kind === 'Kustomization') checkKustomization(file, d).forEach((p) => partial.add(p));

const objects = [];
for (const { file, docs: ds } of all) {
  if (partial.has(path.resolve(file))) continue;
  ds.forEach((d, i) => {
    if (d.kind === 'Kustomization') return;
    validateObject(`${path.relative(root, file)}#${i}`, d);
    objects.push(d);
  });
}
for (const r of rendered) docs(r).forEach((d, i) => validateObject(`${r}#${i}`, d));

// What the schemas cannot know.
const podSpecs = objects.filter((o) => o.spec && (o.spec.template || o.spec.jobTemplate))
  .map((o) => ({ o, spec: o.spec.template.spec }));
for (const { o, spec } of podSpecs)
  for (const c of spec.containers || [])
    if (c.securityContext && c.securityContext.privileged) err(o.metadata.name, `container ${c.name} is privileged`);

const compose = YAML.parse(fs.readFileSync(path.join(root, 'docker/compose.yaml'), 'utf8'));
const worker = objects.find((o) => o.metadata && o.metadata.name === 'airlock-worker' && o.spec && o.spec.template);
if (!worker) err('deploy/kubernetes', 'no airlock-worker workload');
else {
  const caps = worker.spec.template.spec.containers[0].securityContext.capabilities.add.slice().sort();
  const want = compose.services.worker.cap_add.slice().sort();
  if (caps.join() !== want.join()) err('airlock-worker', `capabilities ${caps} differ from compose.yaml's ${want}`);
}

const sql = fs.readdirSync(path.join(root, 'sql')).filter((f) => f.endsWith('.sql'))
  .map((f) => fs.readFileSync(path.join(root, 'sql', f), 'utf8')).join('\n');
for (const so of objects.filter((o) => o.kind === 'ScaledObject'))
  for (const t of so.spec.triggers) {
    const m = /FROM\s+(\w+)/i.exec((t.metadata && t.metadata.query) || '');
    if (t.type !== 'postgresql' || !m) { err(so.metadata.name, `trigger ${t.type} without a query`); continue; }
    if (!new RegExp(`CREATE VIEW ${m[1]}\\b`).test(sql)) err(so.metadata.name, `query reads ${m[1]}, which no migration creates`);
  }

const readme = fs.readFileSync(path.join(kdir, 'README.md'), 'utf8');
const named = new Set();
JSON.stringify(objects, (k, v) => {
  if (v && typeof v === 'object') {
    if (v.secretName) named.add(v.secretName);
    if (v.secretKeyRef) named.add(v.secretKeyRef.name);
    if (k === 'configMap' && v.name) named.add(v.name);
    if (k === 'secretTargetRef') v.forEach((s) => named.add(s.name));
    if (k === 'persistentVolumeClaim') named.add(v.claimName);
  }
  return v;
});
for (const n of named) if (!readme.includes(n) && !objects.some((o) => o.metadata && o.metadata.name === n))
  err('deploy/kubernetes/README.md', `${n} is named by a manifest but neither documented nor defined`);

if (errors.length) {
  console.error(errors.join('\n'));
  console.error(`validate-k8s: ${errors.length} error(s)`);
  process.exit(1);
}
console.log(`validate-k8s: ${validated} objects valid (${files.length} files, ${rendered.length} rendered)`);
