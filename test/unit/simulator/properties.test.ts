// Properties of the model over random pods (fast-check): what must hold whatever the behaviour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateScenario } from '../../../src/scenario/index';
import { simulate } from '../../../src/simulator/index';

const dur = fc.integer({ min: 0, max: 8 }).map((s) => `${s}s`);
const runDur = fc.oneof(fc.constant('forever'), fc.integer({ min: 1, max: 30 }).map((s) => `${s}s`));
const code = fc.constantFrom(0, 0, 1, 2);

/** A random pod: 0-2 regular init containers and 1-3 sidecars interleaved, 1-2 mains; random processes. */
const podArb = fc.record({
  rp: fc.constantFrom('Never', 'OnFailure', 'Always'),
  inits: fc.array(fc.record({ sidecar: fc.boolean(), startDelay: dur, run: runDur, exitCode: code, term: dur, probe: fc.boolean() }), { minLength: 0, maxLength: 4 }),
  mains: fc.array(fc.record({ startDelay: dur, run: runDur, exitCode: code, term: dur }), { minLength: 1, maxLength: 2 }),
  deleteAt: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
  version: fc.constantFrom('1.29', '1.30.3', '1.31', '1.33', '1.36'),
});
type PodArb = typeof podArb extends fc.Arbitrary<infer T> ? T : never;

function scenarioOf(p: PodArb, sidecarCode?: number) {
  const initContainers = p.inits.map((c, i) => ({
    name: `${c.sidecar ? 's' : 'i'}${i}`, image: 'x',
    ...(c.sidecar ? { restartPolicy: 'Always' } : {}),
    ...(c.sidecar && c.probe ? { startupProbe: { tcpSocket: { port: 1 }, periodSeconds: 1, failureThreshold: 20 } } : {}),
  }));
  const containers = p.mains.map((_, i) => ({ name: `m${i}`, image: 'x' }));
  const behavior: Record<string, unknown> = {};
  p.inits.forEach((c, i) => {
    const ec = c.sidecar && sidecarCode !== undefined ? sidecarCode : c.exitCode;
    // regular init containers finish (or fail) quickly so that pods get going
    behavior[initContainers[i]!.name] = { startDelay: c.startDelay, run: c.sidecar ? c.run : '1s', exitCode: ec, onSigterm: { after: c.term, exitCode: ec } };
  });
  p.mains.forEach((c, i) => { behavior[`m${i}`] = { startDelay: c.startDelay, run: c.run, exitCode: c.exitCode, onSigterm: { after: c.term, exitCode: c.exitCode } }; });
  return validateScenario({
    kind: 'Scenario', kubernetesVersion: p.version,
    pod: { spec: { restartPolicy: p.rp, terminationGracePeriodSeconds: 60, initContainers, containers } },
    behavior,
    observeFor: '3m',
    ...(p.deleteAt !== undefined ? { actions: [{ at: `${p.deleteAt}s`, delete: {} }] } : {}),
  }).scenario;
}

test('events are sorted by time, and nothing starts after the pod reached a terminal phase', () => {
  fc.assert(fc.property(podArb, (p) => {
    const r = simulate(scenarioOf(p));
    for (let i = 1; i < r.events.length; i++) assert.ok(r.events[i - 1]!.t <= r.events[i]!.t);
    assert.equal(r.completedAt !== null, r.phase === 'Succeeded' || r.phase === 'Failed');
    if (r.completedAt !== null) assert.ok(!r.events.some((e) => e.type === 'Starting' && e.t > r.completedAt!), 'terminal phases are sticky');
  }), { numRuns: 300 });
});

test('>= 1.29 with the #125880 fix: a sidecar stopped with the pod gets SIGTERM only after every main and the next running sidecar exited (grace never runs out here)', () => {
  // newTerminationOrdering chains each sidecar to the next later one only; a later sidecar that is
  // not running when the kill starts is pre-closed (PR #125935), so the chain is not transitive.
  // Without that fix (1.29.0-1.29.7, 1.30.0-1.30.3) a sidecar waits for a later one that is not
  // running until the grace period runs out, and then the signals go out regardless of order
  // (scenarios V03/V05 show it), so those versions are left out here.
  fc.assert(fc.property(podArb, (p) => {
    if (p.version === '1.30.3') return;
    const s = scenarioOf(p);
    const r = simulate(s);
    const inits = s.pod.spec!.initContainers ?? [];
    const sidecars = inits.filter((c) => c.restartPolicy === 'Always').map((c) => c.name);
    const mains = s.pod.spec!.containers.map((c) => c.name);
    const runningAt = (c: string, t: number, inclusive: boolean) => {
      const evs = r.events.filter((e) => e.container === c && (e.type === 'Starting' || e.type === 'Exiting') && (inclusive ? e.t <= t : e.t < t));
      return evs.length > 0 && evs[evs.length - 1]!.type === 'Starting';
    };
    const kills = r.events.filter((e) => e.type === 'Signal' && e.reason === 'Killing');
    if (kills.length === 0) return;
    const t0 = kills[0]!.t;
    for (const e of kills) {
      if (!sidecars.includes(e.container)) continue;
      for (const m of mains) assert.ok(!runningAt(m, e.t, true), `${e.container} SIGTERM at ${e.t} while ${m} runs`);
      const next = sidecars[sidecars.indexOf(e.container) + 1];
      if (next && runningAt(next, t0, false)) assert.ok(!runningAt(next, e.t, true), `${e.container} SIGTERM at ${e.t} while ${next} runs`);
    }
  }), { numRuns: 300 });
});

test('sidecar exit codes never change the pod phase', () => {
  fc.assert(fc.property(podArb, (p) => {
    const a = simulate(scenarioOf(p, 0));
    const b = simulate(scenarioOf(p, 1));
    assert.equal(a.phase, b.phase);
    assert.equal(a.completedAt, b.completedAt);
  }), { numRuns: 200 });
});

test('same random pod, same result', () => {
  fc.assert(fc.property(podArb, (p) => {
    assert.deepEqual(simulate(scenarioOf(p)), simulate(scenarioOf(p)));
  }), { numRuns: 100 });
});
