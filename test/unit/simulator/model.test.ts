// Rules of the kubelet model checked on small pods, with the exact times the model gives
// (PLEG relist 1 s, sandbox 0.5 s, container start 0.1 s, pod worker requeue 11 s: docs/simulator.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateScenario, parseScenarioText, type TimelineEvent } from '../../../src/scenario/index';
import { simulate, versionFeatures, toResultJson } from '../../../src/simulator/index';
import { scenarioFiles } from './scenario-files';

function run(raw: Record<string, unknown>, version = '1.33') {
  const { scenario } = validateScenario({ kind: 'Scenario', kubernetesVersion: version, ...raw });
  return simulate(scenario);
}
const times = (evs: readonly TimelineEvent[], c: string, type: TimelineEvent['type']) => evs.filter((e) => e.container === c && e.type === type).map((e) => e.t);

test('CrashLoopBackOff: first restart at once, then after 10 s, 20 s, 40 s, at the pod worker\'s next requeue', () => {
  const r = run({
    pod: { spec: { restartPolicy: 'Always', containers: [{ name: 'app', image: 'a' }] } },
    behavior: { app: { run: '1s', exitCode: 1 } },
    observeFor: '100s',
  });
  // exits at 1.6, 3.1, 16.1, 40.1; each refused sync is requeued 11 s later until the back-off has passed
  assert.deepEqual(times(r.events, 'app', 'Starting'), [0.6, 2.1, 15.1, 39.1, 85.1]);
  assert.equal(r.phase, 'Running');
});

test('a regular init container exits before the next starts, about one relist later', () => {
  const r = run({
    pod: { spec: { restartPolicy: 'Never', initContainers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'x' }], containers: [{ name: 'app', image: 'x' }] } },
    behavior: { a: { run: '1s' }, b: { run: '2s' }, app: { run: '1s' } },
  });
  assert.deepEqual(times(r.events, 'a', 'Starting'), [0.6]);
  assert.deepEqual(times(r.events, 'b', 'Starting'), [2.1]);
  assert.deepEqual(times(r.events, 'app', 'Starting'), [5.1]);
  assert.equal(r.phase, 'Succeeded');
  assert.equal(r.completedAt, 6.1);
});

test('a sidecar without startupProbe gates nothing: the app starts in the same sync, before it serves', () => {
  const r = run({
    pod: { spec: { restartPolicy: 'Never', initContainers: [{ name: 'proxy', image: 'p', restartPolicy: 'Always' }], containers: [{ name: 'app', image: 'a' }] } },
    behavior: { proxy: { startDelay: '3s' }, app: { run: '1s', needs: ['proxy'] } },
  });
  assert.deepEqual(times(r.events, 'app', 'Starting'), [0.7]);
  assert.deepEqual(r.events.filter((e) => e.type === 'NeedUnmet').map((e) => [e.t, e.unmet]), [[0.7, ['proxy']]]);
  assert.equal(r.events.some((e) => e.container === 'app' && e.type === 'Started'), false, 'an app whose need is unmet never serves');
  assert.equal(r.phase, 'Failed');
});

test('a startupProbe holds the app back until the sidecar serves', () => {
  const r = run({
    pod: { spec: { restartPolicy: 'Never', initContainers: [{ name: 'proxy', image: 'p', restartPolicy: 'Always', startupProbe: { tcpSocket: { port: 5432 }, periodSeconds: 1, failureThreshold: 30 } }], containers: [{ name: 'app', image: 'a' }] } },
    behavior: { proxy: { startDelay: '3s' }, app: { run: '1s', needs: ['proxy'] } },
  });
  // proxy serves at 3.6, the probe at 4 s passes, the sync right after starts the app
  assert.deepEqual(times(r.events, 'proxy', 'ProbeFailed'), [1, 2, 3]);
  assert.deepEqual(times(r.events, 'app', 'Starting'), [4.1]);
  assert.equal(r.events.some((e) => e.type === 'NeedUnmet'), false);
  assert.equal(r.phase, 'Succeeded');
});

test('ordered termination: sidecars in reverse order after the mains; the grace budget is shared', () => {
  const pod = { spec: { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, initContainers: [{ name: 's1', image: 's', restartPolicy: 'Always' }, { name: 's2', image: 's', restartPolicy: 'Always' }], containers: [{ name: 'app', image: 'a' }] } };
  const behavior = { s1: { onSigterm: { after: '2s', exitCode: 0 } }, s2: { onSigterm: { after: '3s', exitCode: 0 } }, app: { onSigterm: { after: '4s', exitCode: 0 } } };
  const r = run({ pod, behavior, actions: [{ at: '10s', delete: {} }] });
  const sig = (c: string) => r.events.find((e) => e.container === c && e.type === 'Signal')!.t;
  assert.deepEqual([sig('app'), sig('s2'), sig('s1')], [10, 14, 17]);
  assert.equal(r.completedAt, 19);
  // 1.28 (alpha): no ordering, everything at once
  const old = run({ pod, behavior, actions: [{ at: '10s', delete: {} }] }, '1.28');
  assert.deepEqual(['app', 's2', 's1'].map((c) => old.events.find((e) => e.container === c && e.type === 'Signal')!.t), [10, 10, 10]);
});

test('#125880 toggle follows the patch releases that carry the fix', () => {
  const f = (v: string) => versionFeatures(v).terminationIgnoresNotRunning;
  assert.deepEqual(['1.29.7', '1.29.8', '1.30.3', '1.30.4', '1.31.0', '1.29', '1.30', '1.28'].map(f), [false, true, false, true, true, true, true, false]);
  assert.equal(versionFeatures('1.28').orderedTermination, false);
  assert.equal(versionFeatures('1.29').orderedTermination, true);
  assert.equal(versionFeatures('1.27').nativeSidecars, false);
  assert.equal(versionFeatures('1.31').sidecarRestartOnImageChange, false);
  assert.equal(versionFeatures('1.32').sidecarRestartOnImageChange, true);
});

test('sidecar image change before 1.32 does not restart the sidecar', () => {
  const text = readFileSync('scenarios/R01-sidecar-image-change-restarts-only-sidecar.yaml', 'utf8');
  const { scenario } = parseScenarioText(text);
  const starts = (v: string) => simulate(scenario, { kubernetesVersion: v }).events.filter((e) => e.container === 'proxy' && e.type === 'Starting').length;
  assert.equal(starts('1.33'), 2);
  assert.equal(starts('1.31'), 1);
});

test('probes: initialDelaySeconds, thresholds and liveness only after Started', () => {
  const r = run({
    pod: { spec: { restartPolicy: 'Always', containers: [{ name: 'app', image: 'a', livenessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 5, periodSeconds: 2, failureThreshold: 3 } }] } },
    behavior: { app: { onSigterm: { after: '1s', exitCode: 143 } } },
    probes: { app: { liveness: 'fail' } },
    observeFor: '15s',
  });
  // ticks at 0,2,4,...; first counted probe at 6 (5.4 s since 0.6 truncates to 5), failures at 6, 8, 10 → kill at 10
  assert.deepEqual(times(r.events, 'app', 'ProbeFailed'), [6, 8, 10]);
  assert.equal(r.events.find((e) => e.type === 'Signal')!.t, 10);
  assert.deepEqual(times(r.events, 'app', 'Starting'), [0.6, 11.1]);
});

test('same input, same output (determinism)', () => {
  for (const file of scenarioFiles()) {
    const { scenario } = parseScenarioText(readFileSync(file, 'utf8'));
    assert.deepEqual(toResultJson(simulate(scenario)), toResultJson(simulate(scenario)), file);
  }
});

test('result JSON has the fields of the spec', () => {
  const { scenario } = parseScenarioText(readFileSync('../shared/scenarios/S4-cronjob-native-sidecar-startup-probe.yaml', 'utf8'));
  const j = JSON.parse(JSON.stringify(toResultJson(simulate(scenario))));
  assert.deepEqual(Object.keys(j), ['scenario', 'kubernetesVersion', 'events', 'phase', 'completedAt', 'ready', 'containers', 'assertions']);
  assert.deepEqual(Object.keys(j.events[0]), ['t', 'container', 'run', 'type']);
  assert.deepEqual(j.containers['sidecar-user'], { restarts: 0, exitCode: 0, reason: 'Completed' });
  assert.deepEqual(j.ready[0], { t: 6.1, ready: true });
});
