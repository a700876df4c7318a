import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultCatalog } from '../../../src/catalog/index';
import { viewPod, ViewCache, type ViewOptions } from '../../../src/reaper/view';
import { parseRecord, formatRecord, signalFor } from '../../../src/reaper/record';

const opts: ViewOptions = { catalog: defaultCatalog, catalogSidecars: false, defaultSignal: 'TERM' };

function pod(annotations: Record<string, string>, containers: object[], status: object = {}, restartPolicy = 'Never') {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1', resourceVersion: '7', annotations }, spec: { restartPolicy, containers }, status };
}
const app = { name: 'app', image: 'busybox', command: ['sh', '-c', 'work'] };
const metrics = { name: 'metrics', image: 'prom/statsd-exporter:v0.26.0', ports: [{ containerPort: 9102 }] };
const proxy = (args: string[], tag = '2.27.0') => ({ name: 'cloud-sql-proxy', image: `gcr.io/cloud-sql-connectors/cloud-sql-proxy:${tag}`, args });

test('annotation-listed sidecars, every prior-art key; mains are the rest', () => {
  for (const key of ['sidecarctl.dev/sidecars', 'nrmitchi.com/sidecars', 'lemonade.com/sidecars', 'pod.kubernetes.io/sidecars']) {
    const r = viewPod(pod({ [key]: 'metrics, not-a-container' }, [app, metrics]), opts);
    assert.equal(r.kind, 'view', key);
    if (r.kind !== 'view') continue;
    assert.deepEqual(r.view.sidecars.map((s) => s.name), ['metrics']);
    assert.deepEqual(r.view.mains, ['app']);
    assert.deepEqual(r.view.sidecars[0]!.steps.map((s) => s.kind), ['signal']);
  }
  const rk = viewPod(pod({ 'riskified.com/main_sidecars': 'app' }, [app, metrics]), opts);
  assert.ok(rk.kind === 'view');
  assert.deepEqual(rk.view.sidecars.map((s) => s.name), ['metrics']);
});

test('pods the reaper leaves alone', () => {
  assert.equal(viewPod(pod({}, [app, metrics]), opts).kind, 'ignored', 'no annotation, catalog off');
  assert.equal(viewPod(pod({ 'riskified.com/main_sidecars': 'nope' }, [app, metrics]), opts).kind, 'ignored', 'no main: nothing to wait for');
  assert.equal(viewPod(pod({ 'nrmitchi.com/sidecars': 'metrics' }, [metrics]), opts).kind, 'ignored');
  for (const junk of [null, 1, 'x', {}, { metadata: {} }, { metadata: {}, spec: { containers: 'x' } }]) assert.equal(viewPod(junk, { ...opts, catalogSidecars: true }).kind, 'ignored');
  assert.equal(viewPod(pod({ 'nrmitchi.com/sidecars': 'metrics' }, [app, metrics]), { ...opts, annotationSelector: { team: 'a' } }).kind, 'ignored');
});

test('Cloud SQL proxy v2 (distroless): its shutdown subcommand, no shell step; with a shell tag, kill as well', () => {
  const r = viewPod(pod({ 'sidecarctl.dev/sidecars': 'cloud-sql-proxy' }, [app, proxy(['--quitquitquit', 'p:r:i'])]), opts);
  assert.ok(r.kind === 'view');
  assert.deepEqual(r.view.sidecars[0]!.steps, [{ kind: 'exec', command: ['/cloud-sql-proxy', 'shutdown'], source: 'Cloud SQL Auth Proxy v2 `/cloud-sql-proxy shutdown`' }]);
  const alpine = viewPod(pod({ 'sidecarctl.dev/sidecars': 'cloud-sql-proxy' }, [app, proxy(['--quitquitquit', 'p:r:i'], '2.27.0-alpine')]), opts);
  assert.ok(alpine.kind === 'view');
  assert.deepEqual(alpine.view.sidecars[0]!.steps.map((s) => s.kind), ['exec', 'signal']);
  const noQuit = viewPod(pod({ 'sidecarctl.dev/sidecars': 'cloud-sql-proxy' }, [app, proxy(['p:r:i'])]), opts);
  assert.ok(noQuit.kind === 'view');
  assert.deepEqual(noQuit.view.sidecars[0]!.steps, [], 'distroless without --quitquitquit: only the last resort');
});

test('catalog recognition only when enabled; loopback-only endpoints are never called from outside', () => {
  const c = [app, proxy(['--quitquitquit', 'p:r:i'])];
  assert.equal(viewPod(pod({}, c), opts).kind, 'ignored');
  const r = viewPod(pod({}, c), { ...opts, catalogSidecars: true });
  assert.ok(r.kind === 'view');
  assert.deepEqual(r.view.sidecars.map((s) => s.name), ['cloud-sql-proxy']);
  const envoy = { name: 'envoy', image: 'envoyproxy/envoy:v1.30.0', args: ['--config-yaml', 'admin:\n  address:\n    socket_address: { address: 0.0.0.0, port_value: 9901 }\n'] };
  const e = viewPod(pod({ 'sidecarctl.dev/sidecars': 'envoy' }, [app, envoy]), opts);
  assert.ok(e.kind === 'view');
  assert.deepEqual(e.view.sidecars[0]!.steps[0], { kind: 'http', port: 9901, path: '/quitquitquit', method: 'POST', source: 'Envoy POST :9901/quitquitquit' });
});

test('statuses, record and signal annotations are read; bad values are reported, never guessed', () => {
  const status = {
    phase: 'Running', podIP: '10.0.0.5',
    containerStatuses: [
      { name: 'app', containerID: 'containerd://a', state: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2024-01-01T00:00:05Z', containerID: 'containerd://a' } } },
      { name: 'metrics', containerID: 'containerd://m', ready: false, state: { running: { startedAt: '2024-01-01T00:00:00Z' } } },
    ],
  };
  const rec = formatRecord({ metrics: { run: 'containerd://m', step: 0, attempt: 1, status: 'sent', at: 5 } });
  const r = viewPod(pod({ 'nrmitchi.com/sidecars': 'metrics', 'sidecarctl.dev/reaper': rec, 'sidecarctl.dev/stop-signal': 'metrics=SIGINT' }, [app, metrics], status), opts);
  assert.ok(r.kind === 'view');
  assert.equal(r.view.podIP, '10.0.0.5');
  assert.deepEqual(r.view.runs, [
    { name: 'app', state: 'terminated', id: 'containerd://a', exitCode: 137, reason: 'OOMKilled', finishedAt: Date.parse('2024-01-01T00:00:05Z') },
    { name: 'metrics', state: 'running', id: 'containerd://m' },
  ]);
  assert.equal(r.view.record.metrics?.status, 'sent');
  assert.deepEqual(r.view.sidecars[0]!.steps[0], { kind: 'signal', signal: 'INT', source: 'kill -s INT 1 in the container' });
  const bad = viewPod(pod({ 'nrmitchi.com/sidecars': 'metrics', 'sidecarctl.dev/reaper': '{oops', 'sidecarctl.dev/stop-signal': 'KILL; rm -rf /' }, [app, metrics], status), opts);
  assert.ok(bad.kind === 'view');
  assert.match(bad.view.annotationError!, /not JSON/);
  assert.match(bad.view.annotationError!, /not one of TERM/);
});

test('record: round trip, and malformed input is an error, never a crash', () => {
  fc.assert(fc.property(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,6}[a-z0-9]$/), fc.record({ run: fc.string(), step: fc.nat(5), attempt: fc.integer({ min: 1, max: 9 }), status: fc.constantFrom('claimed', 'sent', 'failed', 'unavailable', 'gave-up'), at: fc.nat() })), (rec) => {
    const { record, error } = parseRecord(formatRecord(rec));
    assert.equal(error, undefined);
    assert.deepEqual(record, JSON.parse(JSON.stringify(rec)));
  }));
  fc.assert(fc.property(fc.string(), (s) => {
    const r = parseRecord(s);
    assert.ok(r.error !== undefined || typeof r.record === 'object');
  }));
  assert.match(parseRecord('{"__proto__":{"run":"x","step":0,"attempt":1,"status":"sent","at":1}}').error!, /not a container name/);
  assert.deepEqual(signalFor('TERM,fluentd=int', 'fluentd'), { signal: 'INT' });
  assert.deepEqual(signalFor('TERM,fluentd=int', 'other'), { signal: 'TERM' });
});

test('ViewCache: one recognition per template, plans shared, the view equal to the uncached one', async () => {
  const cache = new ViewCache();
  const status = (id: string) => ({ phase: 'Running', podIP: '10.0.0.1', containerStatuses: [{ name: 'app', containerID: `containerd://a${id}`, state: { running: {} } }, { name: 'metrics', containerID: `containerd://m${id}`, state: { running: {} } }] });
  const a = pod({ 'nrmitchi.com/sidecars': 'metrics' }, [app, metrics], status('1'));
  const b = { ...pod({ 'nrmitchi.com/sidecars': 'metrics' }, [app, metrics], status('2')), metadata: { name: 'q', namespace: 'ns', uid: 'u2', resourceVersion: '8', annotations: { 'nrmitchi.com/sidecars': 'metrics' } } };
  const va = viewPod(a, opts, cache);
  const vb = viewPod(b, opts, cache);
  assert.ok(va.kind === 'view' && vb.kind === 'view');
  assert.equal(cache.misses, 1);
  assert.equal(cache.hits, 1);
  assert.equal(va.view.sidecars, vb.view.sidecars, 'the plan is shared by reference');
  assert.equal(vb.view.name, 'q');
  assert.equal(vb.view.runs[1]!.id, 'containerd://m2', 'runs are the pod\'s own');
  assert.deepEqual(va.view, (viewPod(a, opts) as { view: unknown }).view, 'cached and uncached views agree');
  // A different signal annotation, container or restart policy is another template.
  viewPod(pod({ 'nrmitchi.com/sidecars': 'metrics', 'sidecarctl.dev/stop-signal': 'INT' }, [app, metrics]), opts, cache);
  viewPod(pod({ 'nrmitchi.com/sidecars': 'metrics' }, [app, { ...metrics, image: 'other' }]), opts, cache);
  viewPod(pod({ 'nrmitchi.com/sidecars': 'metrics' }, [app, metrics], {}, 'OnFailure'), opts, cache);
  assert.equal(cache.misses, 4);
  const sig = viewPod(pod({ 'nrmitchi.com/sidecars': 'metrics', 'sidecarctl.dev/stop-signal': 'INT' }, [app, metrics]), opts, cache);
  assert.ok(sig.kind === 'view');
  assert.equal((sig.view.sidecars[0]!.steps[0] as { signal?: string }).signal, 'INT');
  // Bounded.
  const small = new ViewCache(2);
  for (const img of ['a', 'b', 'c']) viewPod(pod({ 'nrmitchi.com/sidecars': 'metrics' }, [app, { ...metrics, image: img }]), opts, small);
  assert.equal(small.size, 2);
});

test('property: with or without the cache, views are equal', () => {
  fc.assert(fc.property(fc.array(fc.record({ sidecar: fc.constantFrom('metrics', 'app', 'metrics,app', ''), signal: fc.constantFrom(undefined, 'INT', 'metrics=HUP', 'BAD'), rp: fc.constantFrom('Never', 'OnFailure', 'Always') }), { minLength: 1, maxLength: 12 }), (pods) => {
    const cache = new ViewCache();
    for (const p of pods) {
      const ann: Record<string, string> = { 'sidecarctl.dev/sidecars': p.sidecar, ...(p.signal ? { 'sidecarctl.dev/stop-signal': p.signal } : {}) };
      const raw = pod(ann, [app, metrics], { phase: 'Running' }, p.rp);
      assert.deepEqual(viewPod(raw, opts, cache), viewPod(raw, opts));
    }
  }), { numRuns: 100 });
});
