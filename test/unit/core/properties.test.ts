// Property tests (fast-check) over generated pods: fix is idempotent, never touches non-pod
// documents, its output parses and keeps every container, and it never emits native sidecar
// fields for a target below 1.29.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { fix, docsOf, podSpecOf } from '../../helpers/manifests';

const IMAGES = [
  'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', 'gcr.io/cloudsql-docker/gce-proxy:1.33.2', 'docker.io/istio/proxyv2:1.22.0',
  'cr.fluentbit.io/fluent/fluent-bit:3.1.9', 'busybox:1.36', 'registry.example.com/app:1.0', 'nginx:1.27', 'otel/opentelemetry-collector:0.100.0',
];
const nameArb = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const containerArb = fc.record({
  image: fc.constantFrom(...IMAGES),
  port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  args: fc.option(fc.array(fc.constantFrom('--port=5432', '--health-check', 'proj:reg:inst', '--address=127.0.0.1', '-instances=p:r:i=tcp:5432'), { maxLength: 3 }), { nil: undefined }),
  script: fc.option(fc.constantFrom('sleep 20; curl -X POST localhost:9091/quitquitquit', 'tail -F /var/log/app.log', 'run-job && echo done'), { nil: undefined }),
});
const podArb = fc.record({
  kind: fc.constantFrom('Job', 'CronJob', 'Deployment', 'Pod'),
  restartPolicy: fc.constantFrom('Never', 'OnFailure', 'Always'),
  names: fc.uniqueArray(nameArb, { minLength: 1, maxLength: 5 }),
  containers: fc.array(containerArb, { minLength: 5, maxLength: 5 }),
  inits: fc.integer({ min: 0, max: 2 }),
  nativeMask: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
  flow: fc.boolean(),
  otherDoc: fc.boolean(),
});

type PodCase = typeof podArb extends fc.Arbitrary<infer T> ? T : never;
function manifest(p: PodCase): string {
  const all = p.names.map((name, i) => {
    const c = p.containers[i]!;
    const o: Record<string, unknown> = { name, image: c.image };
    if (c.script) { o.command = ['sh', '-c', c.script]; } else if (c.args) o.args = c.args;
    if (c.port) o.ports = [{ containerPort: c.port }];
    return o;
  });
  const inits = all.slice(0, Math.min(p.inits, all.length - 1)).map((c, i) => (p.nativeMask[i] ? { ...c, restartPolicy: 'Always' } : c));
  const containers = all.slice(inits.length);
  const spec = { restartPolicy: p.kind === 'Deployment' ? 'Always' : p.kind === 'Pod' ? p.restartPolicy : p.restartPolicy === 'Always' ? 'Never' : p.restartPolicy, ...(inits.length ? { initContainers: inits } : {}), containers };
  const tpl = { metadata: { labels: { app: 'x' } }, spec };
  const obj = p.kind === 'Pod' ? { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec }
    : p.kind === 'Job' ? { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: tpl } }
    : p.kind === 'CronJob' ? { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: tpl } } } }
    : { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'x' } }, template: tpl } };
  const body = p.flow ? stringify(obj, { collectionStyle: 'flow', lineWidth: 0 }) : `# leading comment\n${stringify(obj)}`;
  return p.otherDoc ? `apiVersion: v1\nkind: ConfigMap # untouched\nmetadata: {name: cfg}\ndata:\n  key: "value"\n---\n${body}` : body;
}

const names = (spec: any) => [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c: any) => c.name).sort();

test('fix: idempotent, keeps non-pod documents byte-identical, parses, keeps every container', () => {
  fc.assert(fc.property(podArb, (p) => {
    const text = manifest(p);
    const once = fix(text, '1.33');
    assert.equal(once.errors.length, 0, JSON.stringify(once.errors));
    const twice = fix(once.output, '1.33');
    assert.equal(twice.output, once.output, 'fix(fix(x)) == fix(x)');
    if (p.otherDoc) assert.ok(once.output.startsWith('apiVersion: v1\nkind: ConfigMap # untouched\nmetadata: {name: cfg}\ndata:\n  key: "value"\n---\n'), 'non-pod document untouched');
    const before = podSpecOf(docsOf(text).at(-1));
    const after = podSpecOf(docsOf(once.output).at(-1));
    const removed = once.changes.flatMap((c) => c.changes).filter((c) => c.kind === 'remove-container').map((c) => c.container);
    assert.deepEqual(names(after), names(before).filter((n: string) => !removed.includes(n)));
    assert.ok((after.containers ?? []).length >= 1, 'a pod keeps at least one regular container');
    for (const c of after.initContainers ?? []) if (c.restartPolicy === 'Always' && c.startupProbe?.httpGet) assert.ok(c.startupProbe.httpGet.path);
  }), { numRuns: 300 });
});

test('fix below 1.29 never emits native sidecar fields', () => {
  fc.assert(fc.property(podArb, fc.constantFrom('1.26', '1.27', '1.28'), (p, v) => {
    const text = manifest(p);
    const r = fix(text, v);
    assert.equal(r.output, text);
  }), { numRuns: 150 });
});
