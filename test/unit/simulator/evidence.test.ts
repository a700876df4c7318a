// Evidence lines for lint findings: what the simulated kubelet does with the pod.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateForEvidence } from '../../../src/simulator/evidence';

const proxy = { name: 'cloud-sql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', args: ['--port=5432', 'p:r:db'] };

test('startup race: a native sidecar without startupProbe, app needing it (catalog default: serves after 2 s)', () => {
  const e = simulateForEvidence({
    pod: { restartPolicy: 'Never', initContainers: [{ ...proxy, restartPolicy: 'Always' }], containers: [{ name: 'app', image: 'app' }] },
    kubernetesVersion: '1.33',
    lifetime: 'run-to-completion',
  });
  assert.equal(e.summary, 'app started at 0.7 s, cloud-sql-proxy serves at 2.6 s; pod Failed at 1 s');
  assert.ok(e.result.events.some((x) => x.type === 'NeedUnmet'));
});

test('job never completes: the proxy as a plain container keeps the pod running', () => {
  const e = simulateForEvidence({
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'job' }, spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: 'app' }, proxy] } },
    kubernetesVersion: '1.33',
    behaviors: { app: { run: '3s', needs: [] } },
  });
  assert.equal(e.summary, 'pod never completes: cloud-sql-proxy still running at 120 s');
});

test('fixed: startupProbe on the proxy, the app waits and the Job completes', () => {
  const e = simulateForEvidence({
    pod: { restartPolicy: 'Never', initContainers: [{ ...proxy, restartPolicy: 'Always', startupProbe: { tcpSocket: { port: 5432 }, periodSeconds: 1, failureThreshold: 20 } }], containers: [{ name: 'app', image: 'app' }] },
    kubernetesVersion: '1.33',
    lifetime: 'run-to-completion',
  });
  assert.equal(e.summary, 'app started at 3.1 s, cloud-sql-proxy serves at 2.6 s; pod Succeeded at 9 s');
});
