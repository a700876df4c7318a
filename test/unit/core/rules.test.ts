// One focused case per rule: a manifest where it must fire (with its category, severity and
// fix status) and the corrected variant where it must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { ALL_RULES } from '../../../src/core/rules/index';
import { lint, fix, docsOf, podSpecOf } from '../../helpers/manifests';

const PROXY = 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1';
const pod = (spec: object, extra: object = {}) => stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...extra }, spec });
const job = (spec: object) => stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', ...spec } } } });
const app = { name: 'app', image: 'app:1', env: [{ name: 'DB_HOST', value: '127.0.0.1' }, { name: 'DB_PORT', value: '5432' }] };
const proxy = { name: 'proxy', image: PROXY, args: ['--port=5432', 'p:r:i'] };
const nativeProxy = { ...proxy, restartPolicy: 'Always', args: [...proxy.args, '--health-check', '--http-address=0.0.0.0'], startupProbe: { httpGet: { path: '/startup', port: 9090 } } };

function hit(text: string, rule: string, v = '1.33') {
  return lint(text, v).findings.filter((f) => f.rule === rule);
}

const CASES: Record<string, { bad: string; good: string; version?: string; severity?: string; fix?: string; category?: string }> = {
  'sidecar-blocks-job-completion': { bad: job({ containers: [app, proxy] }), good: job({ initContainers: [nativeProxy], containers: [app] }), severity: 'error', fix: 'auto' },
  'init-container-never-exits': { bad: job({ initContainers: [proxy], containers: [app] }), good: job({ initContainers: [nativeProxy], containers: [app] }), fix: 'auto' },
  'sidecar-startup-race': { bad: pod({ containers: [app, proxy] }), good: pod({ initContainers: [nativeProxy], containers: [app] }), severity: 'error', fix: 'auto' },
  'sidecar-shutdown-order': { bad: pod({ containers: [app, proxy] }), good: pod({ initContainers: [nativeProxy], containers: [app] }), fix: 'auto' },
  'native-sidecar-missing-startup-probe': { bad: pod({ initContainers: [{ ...proxy, restartPolicy: 'Always' }], containers: [app] }), good: pod({ initContainers: [nativeProxy], containers: [app] }), severity: 'error', fix: 'auto' },
  'probe-on-localhost-port': {
    bad: pod({ initContainers: [{ ...proxy, restartPolicy: 'Always', args: [...proxy.args, '--health-check'], startupProbe: { httpGet: { path: '/startup', port: 9090 } } }], containers: [app] }),
    good: pod({ initContainers: [nativeProxy], containers: [app] }), fix: 'auto',
  },
  'hook-on-localhost-port': {
    bad: pod({ initContainers: [{ ...nativeProxy, args: [...nativeProxy.args, '--quitquitquit'], lifecycle: { preStop: { httpGet: { path: '/quitquitquit', port: 9091 } } } }], containers: [app] }),
    good: pod({ initContainers: [{ ...nativeProxy, lifecycle: { preStop: { exec: { command: ['/cloud-sql-proxy', 'shutdown'] } } } }], containers: [app] }), fix: 'manual',
  },
  'sidecar-probe-needs-main': {
    bad: pod({ initContainers: [{ name: 'side', image: 'side:1', restartPolicy: 'Always', startupProbe: { httpGet: { path: '/', port: 8080 } } }], containers: [{ name: 'web', image: 'web:1', ports: [{ containerPort: 8080 }] }] }),
    good: pod({ initContainers: [{ name: 'side', image: 'side:1', restartPolicy: 'Always', ports: [{ containerPort: 9000 }], startupProbe: { tcpSocket: { port: 9000 } } }], containers: [{ name: 'web', image: 'web:1', ports: [{ containerPort: 8080 }] }] }),
  },
  'quitquitquit-caller': { bad: job({ containers: [app, { ...proxy, args: [...proxy.args, '--quitquitquit'] }, { name: 'stop', image: 'curl:8', command: ['sh', '-c', 'sleep 20; curl -X POST localhost:9091/quitquitquit'] }] }), good: job({ initContainers: [nativeProxy], containers: [app] }), fix: 'auto' },
  'quitquitquit-never-runs': {
    bad: job({ containers: [{ name: 'app', image: 'app:1', command: ['sh', '-c', 'run-job --db 127.0.0.1 curl http://localhost:9091/quitquitquit\n'] }, proxy] }),
    good: job({ containers: [{ name: 'app', image: 'app:1', command: ['sh', '-c', 'run-job --db 127.0.0.1\ncurl http://localhost:9091/quitquitquit\n'] }, proxy] }), severity: 'error',
  },
  'sleep-kill-wrapper': { bad: job({ containers: [app, { ...proxy, command: ['sh', '-c', '/cloud-sql-proxy p:r:i & sleep 600; kill %1'] }] }), good: job({ initContainers: [nativeProxy], containers: [app] }) },
  'kubexit-tombstones': { bad: job({ containers: [{ ...app, command: ['kubexit', 'app'], env: [{ name: 'KUBEXIT_NAME', value: 'app' }] }, proxy] }), good: job({ initContainers: [nativeProxy], containers: [app] }), severity: 'info' },
  'wait-for-loop': { bad: pod({ initContainers: [nativeProxy], containers: [{ ...app, command: ['sh', '-c', 'until nc -z 127.0.0.1 5432; do sleep 1; done; exec app'] }] }), good: pod({ initContainers: [nativeProxy], containers: [app] }) },
  'terminator-helper': { bad: job({ containers: [{ ...app, command: ['linkerd-await', '--shutdown', '--', 'app'] }] }), good: job({ containers: [app] }) },
  'native-sidecar-unsupported': { bad: pod({ initContainers: [nativeProxy], containers: [app] }), good: pod({ containers: [app, proxy] }), version: '1.27', category: 'version', severity: 'error' },
  'multi-sidecar-termination-bug': {
    bad: pod({ initContainers: [nativeProxy, { ...nativeProxy, name: 'proxy2', args: ['--port=5433', 'p:r:j', '--health-check', '--http-address=0.0.0.0', '--http-port=9092'], startupProbe: { httpGet: { path: '/startup', port: 9092 } } }], containers: [app] }),
    good: pod({ initContainers: [nativeProxy], containers: [app] }), version: '1.30.2', severity: 'warning',
  },
  'probe-on-init-container': { bad: pod({ initContainers: [{ name: 'migrate', image: 'm:1', readinessProbe: { exec: { command: ['true'] } } }], containers: [app] }), good: pod({ initContainers: [{ name: 'migrate', image: 'm:1' }], containers: [app] }), category: 'invalid' },
  'invalid-restart-policy': { bad: pod({ containers: [{ ...app, restartPolicy: 'Always' }] }), good: pod({ containers: [app] }), version: '1.33', category: 'invalid' },
  'mesh-proxy-not-first': {
    bad: pod({ initContainers: [{ name: 'setup', image: 'setup:1' }, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.22.0', args: ['proxy', 'sidecar'], restartPolicy: 'Always', startupProbe: { httpGet: { path: '/healthz/ready', port: 15021 } } }], containers: [app] }),
    good: pod({ initContainers: [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.22.0', args: ['proxy', 'sidecar'], restartPolicy: 'Always', startupProbe: { httpGet: { path: '/healthz/ready', port: 15021 } } }, { name: 'setup', image: 'setup:1' }], containers: [app] }), fix: 'auto',
  },
  'sidecar-after-dependent-init': {
    bad: pod({ initContainers: [{ name: 'migrate', image: 'm:1', args: ['--db=127.0.0.1:5432'] }, nativeProxy], containers: [app] }),
    good: pod({ initContainers: [nativeProxy, { name: 'migrate', image: 'm:1', args: ['--db=127.0.0.1:5432'] }], containers: [app] }), fix: 'auto', severity: 'error',
  },
  'sidecar-ignores-sigterm': {
    bad: job({ initContainers: [{ name: 'logs', image: 'busybox:1.36', restartPolicy: 'Always', command: ['sh', '-c', 'tail -F /var/log/app.log'] }], containers: [app] }),
    good: job({ initContainers: [{ name: 'logs', image: 'busybox:1.36', restartPolicy: 'Always', command: ['sh', '-c', "trap 'exit 0' TERM; tail -F /var/log/app.log & wait"] }], containers: [app] }),
    severity: 'warning', fix: 'manual', category: 'job-never-completes',
  },
  'sidecar-before-prep-init': {
    bad: pod({ volumes: [{ name: 'cfg', emptyDir: {} }], initContainers: [{ ...nativeProxy, volumeMounts: [{ name: 'cfg', mountPath: '/cfg', readOnly: true }] }, { name: 'render-config', image: 'r:1', volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }], containers: [app] }),
    good: pod({ volumes: [{ name: 'cfg', emptyDir: {} }], initContainers: [{ name: 'render-config', image: 'r:1', volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }, { ...nativeProxy, volumeMounts: [{ name: 'cfg', mountPath: '/cfg', readOnly: true }] }], containers: [app] }), fix: 'auto',
  },
};

test('every rule has a focused case', () => {
  assert.deepEqual(Object.keys(CASES).sort(), ALL_RULES.map((r) => r.id).sort());
});

for (const [id, c] of Object.entries(CASES)) {
  test(`rule ${id}: fires on the hazard, not on the corrected manifest`, () => {
    const rule = ALL_RULES.find((r) => r.id === id)!;
    const hits = hit(c.bad, id, c.version);
    assert.ok(hits.length >= 1, `${id} should fire; got ${JSON.stringify(lint(c.bad, c.version).findings.map((f) => f.rule))}`);
    assert.equal(hits[0]!.category, c.category ?? rule.category);
    if (c.severity) assert.equal(hits[0]!.severity, c.severity);
    if (c.fix) assert.equal(hits[0]!.fix, c.fix);
    assert.deepEqual(hit(c.good, id, c.version), [], `${id} must not fire on the corrected manifest`);
    if (hits[0]!.fix === 'auto') {
      const out = fix(c.bad, c.version);
      assert.equal(out.changed, true);
      assert.deepEqual(hit(out.output, id, c.version), [], `${id} is gone after fix`);
    }
  });
}

test('ordering fixes put the sidecar in dependency order', () => {
  const out = fix(CASES['sidecar-after-dependent-init']!.bad);
  assert.deepEqual(podSpecOf(docsOf(out.output)[0]).initContainers.map((c: any) => c.name), ['proxy', 'migrate']);
  const mesh = fix(CASES['mesh-proxy-not-first']!.bad);
  assert.deepEqual(podSpecOf(docsOf(mesh.output)[0]).initContainers.map((c: any) => c.name), ['istio-proxy', 'setup']);
});
