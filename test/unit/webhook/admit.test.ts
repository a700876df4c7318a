// The webhook's pure decision: AdmissionReview handling, policy, reinvocation, the reaper
// fallback below 1.29, and bad input (fuzzed with fast-check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO } from '../../helpers/manifests';
import { admitReview, admitReviewText, MAX_WARNING_CHARS, type AdmitOptions } from '../../../src/webhook/admit';
import { decide, effectiveVersion, APPLIED_ANNOTATION, REAPER_ANNOTATION, OPT_KEY } from '../../../src/webhook/policy';
import { applyJsonPatch } from '../../../src/adapters/jsonpatch/index';
import { parseKubeVersion } from '../../../src/core/kube-version';
import { defaultCatalog } from '../../../src/catalog/index';
import { buildPodModel, legacySidecarsOf } from '../../../src/core/pod-model';
import { findPodSites } from '../../../src/core/workloads';

const v = (s: string) => parseKubeVersion(s)!;
const OPTS: AdmitOptions = { catalog: defaultCatalog, version: v('1.36'), mode: 'fix', excludedNamespaces: new Set(['kube-system', 'sidecarctl-system']), reaperFallback: true };

/** The pod the Job controller creates for seed 000's bootloader Job. */
function seed000Pod(): Record<string, any> {
  const job = parse(readFileSync(join(REPO, 'test/e2e/fixtures/seed-000-bootloader-job.yaml'), 'utf8'));
  return { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'airbyte-bootloader-', labels: { 'job-name': 'airbyte-bootloader' } }, spec: job.spec.template.spec };
}
const review = (pod: unknown, extra: Record<string, unknown> = {}) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'abc', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'apps', object: pod, ...extra } });
const responseOf = (body: string) => JSON.parse(body).response;
const patchOf = (body: string) => { const r = responseOf(body); return r.patch ? JSON.parse(Buffer.from(r.patch, 'base64').toString()) : []; };
const patched = (pod: unknown, opts = OPTS) => applyJsonPatch(pod, patchOf(admitReview(review(pod), opts).body)) as Record<string, any>;

test('seed 000 pod: proxy becomes a native sidecar, the quitquitquit helper goes, the annotation records it', () => {
  const r = admitReview(review(seed000Pod()), OPTS);
  assert.equal(r.status, 200);
  assert.equal(r.outcome, 'patched');
  const resp = responseOf(r.body);
  assert.equal(resp.uid, 'abc');
  assert.equal(resp.allowed, true);
  assert.equal(resp.patchType, 'JSONPatch');
  const out = patched(seed000Pod());
  assert.deepEqual(out.spec.initContainers.map((c: any) => [c.name, c.restartPolicy]), [['cloud-sql-proxy', 'Always']]);
  assert.ok(out.spec.initContainers[0].startupProbe, 'startupProbe added');
  assert.deepEqual(out.spec.containers.map((c: any) => c.name), ['airbyte-bootloader']);
  assert.match(out.metadata.annotations[APPLIED_ANNOTATION], /sidecar-blocks-job-completion:cloud-sql-proxy/);
  assert.match(out.metadata.annotations[APPLIED_ANNOTATION], /quitquitquit-caller:stop-cloud-sql-proxy/);
});

test('idempotent: the patched pod reviewed again gets no patch', () => {
  const once = patched(seed000Pod());
  const again = admitReview(review(once), OPTS);
  assert.equal(again.patch.length, 0);
  assert.equal(responseOf(again.body).patch, undefined);
});

test('reinvocation: a container another webhook adds after us is fixed, ours are kept, the annotation is extended', () => {
  const injected = { name: 'otel-agent', image: 'otel/opentelemetry-collector:0.100.0', ports: [{ containerPort: 4317 }] };
  const proxy2 = { name: 'second-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', args: ['--port=5433', 'p:r:other'] };
  for (const extra of [injected, proxy2]) {
    const first = patched(seed000Pod());
    first.spec.containers.push(structuredClone(extra)); // the other webhook's append
    const second = patched(first);
    // same as if the container had been there from the start
    const direct = seed000Pod();
    direct.spec.containers.push(structuredClone(extra));
    const once = patched(direct);
    assert.deepEqual(second.spec, once.spec, extra.name);
    assert.ok(second.spec.initContainers.some((c: any) => c.name === 'cloud-sql-proxy' && c.restartPolicy === 'Always'));
    const applied = second.metadata.annotations[APPLIED_ANNOTATION].split(',');
    assert.ok(applied.includes('sidecar-blocks-job-completion:cloud-sql-proxy'), 'earlier entries kept');
    assert.equal(new Set(applied).size, applied.length, 'no duplicates');
    // a third call changes nothing: no reinvocation loop
    assert.equal(admitReview(review(second), OPTS).patch.length, 0);
  }
});

test('opt-out, excluded namespaces and warn mode never patch', () => {
  const optedOut = seed000Pod();
  optedOut.metadata.annotations = { [OPT_KEY]: 'disabled' };
  assert.equal(admitReview(review(optedOut), OPTS).outcome, 'skipped');
  assert.equal(admitReview(review(seed000Pod(), { namespace: 'kube-system' }), OPTS).outcome, 'skipped');
  assert.equal(admitReview(review(seed000Pod(), { namespace: 'sidecarctl-system' }), OPTS).outcome, 'skipped');
  const warn = admitReview(review(seed000Pod()), { ...OPTS, mode: 'warn' });
  assert.equal(warn.outcome, 'warned');
  assert.equal(responseOf(warn.body).patch, undefined);
  assert.ok(responseOf(warn.body).warnings.some((w: string) => w.includes('sidecar-blocks-job-completion')));
  const podWarn = seed000Pod();
  podWarn.metadata.annotations = { [OPT_KEY]: 'warn' };
  assert.equal(admitReview(review(podWarn), OPTS).outcome, 'warned');
});

test('warnings: only what is left after the fix, each within the apiserver limit', () => {
  // kubexit: not provably safe to migrate, so the webhook reports it and changes nothing
  const kubexit = parse(readFileSync(join(REPO, '../shared/corpus/manifests/kubexit__cloudsql-proxy-job_job.yaml'), 'utf8'));
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: kubexit.spec.template.spec };
  const r = admitReview(review(pod), OPTS);
  assert.equal(r.patch.length, 0);
  assert.ok(r.warnings.length > 0);
  for (const w of r.warnings) assert.ok(w.length <= MAX_WARNING_CHARS && !/\n/.test(w), w);
  // after a full fix of seed 000 nothing is left to warn about
  assert.deepEqual(admitReview(review(seed000Pod()), OPTS).warnings, []);
});

test('below 1.29 (an old kubelet): no native sidecar fields; the reaper annotation lists the legacy sidecars', () => {
  const old = { ...OPTS, version: effectiveVersion({ apiserver: v('1.30.2'), oldestKubelet: v('1.28.9') }) };
  const r = admitReview(review(seed000Pod()), old);
  assert.equal(r.outcome, 'reaper');
  const out = applyJsonPatch(seed000Pod(), r.patch) as Record<string, any>;
  assert.equal(out.metadata.annotations[REAPER_ANNOTATION], 'cloud-sql-proxy');
  assert.equal(out.spec.initContainers, undefined);
  assert.ok(r.warnings[0]!.includes('1.28'));
  // the pod model (which the reaper uses) reads the annotation back
  const site = findPodSites(out).sites[0]!;
  assert.deepEqual(legacySidecarsOf(buildPodModel(site, defaultCatalog)).map((c) => c.ref.name), ['cloud-sql-proxy']);
  // reinvocation: already annotated, nothing more
  assert.equal(admitReview(review(out), old).patch.length, 0);
  // without the fallback: warnings only
  assert.equal(admitReview(review(seed000Pod()), { ...old, reaperFallback: false }).patch.length, 0);
});

test('policy: the oldest of apiserver and kubelets wins; unknown versions never mutate', () => {
  assert.deepEqual(effectiveVersion({ apiserver: v('1.33'), oldestKubelet: v('1.29.3') }), v('1.29.3'));
  assert.deepEqual(effectiveVersion({ apiserver: v('1.28'), oldestKubelet: v('1.31') }), v('1.28'));
  assert.deepEqual(effectiveVersion({ apiserver: v('1.31') }), v('1.31'));
  const s = { mode: 'fix' as const, excludedNamespaces: new Set<string>(), reaperFallback: false };
  assert.equal(decide({ namespace: 'a', podAnnotations: {}, settings: s, version: undefined }).action, 'warn');
  assert.equal(decide({ namespace: 'a', podAnnotations: {}, settings: s, version: v('1.29') }).action, 'fix');
  assert.equal(decide({ namespace: 'a', podAnnotations: {}, settings: s, version: v('1.28') }).action, 'warn');
  assert.equal(decide({ namespace: 'a', podAnnotations: { [OPT_KEY]: 'Disabled' }, settings: { ...s, mode: 'warn' }, version: v('1.36') }).action, 'skip');
});

test('not a Pod CREATE: allowed, untouched', () => {
  for (const extra of [{ operation: 'UPDATE' }, { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }, { subResource: 'ephemeralcontainers' }, { object: null }]) {
    const r = admitReview(review(seed000Pod(), extra), OPTS);
    assert.equal(r.status, 200);
    assert.equal(r.outcome, 'skipped', JSON.stringify(extra));
    assert.deepEqual(responseOf(r.body), { uid: 'abc', allowed: true });
  }
});

test('bad input: 400 with a reason, never a throw', () => {
  assert.equal(admitReviewText('{"apiVersion":', OPTS).status, 400);
  assert.match(admitReviewText('{"apiVersion":', OPTS).body, /malformed JSON/);
  assert.match(admitReviewText('[]', OPTS).body, /not a JSON object/);
  assert.match(admitReviewText('{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}', OPTS).body, /expected an admission.k8s.io\/v1 AdmissionReview/);
  assert.match(admitReviewText('{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}', OPTS).body, /no uid/);
});

const jsonish = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.string(), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.constantFrom('name', 'image', 'args', 'env', 'ports', 'containers', 'initContainers', 'restartPolicy', 'metadata', 'annotations', 'spec', 'x'), tie('value'), { maxKeys: 5 })),
})).value;

test('fuzz: arbitrary bytes, JSON and damaged pods give a well-formed answer', () => {
  fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
    const r = admitReviewText(text, OPTS);
    assert.ok(r.status === 200 || r.status === 400);
    if (r.status === 200) assert.equal(JSON.parse(r.body).kind, 'AdmissionReview');
  }), { numRuns: 500 });
  fc.assert(fc.property(jsonish, jsonish, fc.constantFrom('spec', 'metadata', 'containers', 'initContainers'), (junk, junk2, where) => {
    const pod = seed000Pod();
    if (where === 'spec' || where === 'metadata') pod[where] = junk;
    else pod.spec[where] = [junk, ...(Array.isArray(junk2) ? junk2 : [junk2])];
    const r = admitReviewText(JSON.stringify(review(pod)), OPTS);
    assert.equal(r.status, 200);
    const resp = JSON.parse(r.body).response;
    assert.equal(resp.uid, 'abc');
    assert.equal(resp.allowed, true);
    // whatever came back must apply to the pod that was sent
    if (resp.patch) applyJsonPatch(pod, JSON.parse(Buffer.from(resp.patch, 'base64').toString()));
  }), { numRuns: 500 });
});

test('workloads (validating): a Job gets warnings about its pods, never a patch; an update that keeps the template is quiet', () => {
  const job = parse(readFileSync(join(REPO, 'test/e2e/fixtures/seed-000-bootloader-job.yaml'), 'utf8'));
  const rv = (extra: Record<string, unknown>) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'w', kind: { group: 'batch', version: 'v1', kind: 'Job' }, operation: 'CREATE', namespace: 'apps', object: job, ...extra } });
  const r = admitReview(rv({}), OPTS, { validating: true });
  assert.equal(r.outcome, 'warned');
  assert.equal(r.patch.length, 0);
  assert.equal(responseOf(r.body).patch, undefined);
  assert.match(r.warnings[0]!, /^sidecarctl: pods of Job\/airbyte-bootloader are fixed as they are created \(native sidecar cloud-sql-proxy; stop-cloud-sql-proxy removed\)/);
  // warn mode: the findings themselves
  const w = admitReview(rv({}), { ...OPTS, mode: 'warn' }, { validating: true });
  assert.ok(w.warnings.some((x) => x.includes('sidecar-blocks-job-completion')));
  // UPDATE with the same template (e.g. a label change): nothing
  assert.equal(admitReview(rv({ operation: 'UPDATE', oldObject: job }), OPTS, { validating: true }).warnings.length, 0);
  // UPDATE that changes the template: warned again
  const older = structuredClone(job); older.spec.template.spec.containers.pop();
  assert.ok(admitReview(rv({ operation: 'UPDATE', oldObject: older }), OPTS, { validating: true }).warnings.length > 0);
  // a Pod sent to the validating path is never patched
  assert.equal(admitReview(review(seed000Pod()), OPTS, { validating: true }).patch.length, 0);
  // opted-out template
  const out = structuredClone(job); out.spec.template.metadata = { annotations: { [OPT_KEY]: 'disabled' } };
  assert.equal(admitReview(rv({ object: out }), OPTS, { validating: true }).warnings.length, 0);
});
