import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide, mainsDone, DEFAULT_DECIDE, recordAfter, backoffMs } from '../../../src/reaper/decide';
import type { ContainerRun, PodView, SidecarPlan, StopRecord } from '../../../src/reaper/types';

const NOW = 1_700_000_000_000;
const o = { ...DEFAULT_DECIDE, now: NOW };
const plan = (name: string, kinds: ('http' | 'exec' | 'signal')[] = ['signal']): SidecarPlan => ({
  name,
  evidence: 'test',
  steps: kinds.map((k) => (k === 'http' ? { kind: 'http', port: 9091, path: '/quitquitquit', method: 'POST', source: 'h' } : k === 'exec' ? { kind: 'exec', command: ['/bin/x', 'shutdown'], source: 'e' } : { kind: 'signal', signal: 'TERM', source: 's' })),
});
const term = (name: string, exitCode = 0, reason = 'Completed'): ContainerRun => ({ name, state: 'terminated', id: `c://${name}-1`, exitCode, reason, finishedAt: NOW - 1000 });
const running = (name: string, id = `c://${name}-1`): ContainerRun => ({ name, state: 'running', id });
function pod(p: Partial<PodView> = {}): PodView {
  return {
    namespace: 'ns', name: 'p', uid: 'u', resourceVersion: '1', phase: 'Running', deleting: false, restartPolicy: 'Never',
    mains: ['app'], sidecars: [plan('proxy')], runs: [term('app'), running('proxy')], record: {}, ...p,
  };
}

test('acts once every main terminated: first step of each running sidecar', () => {
  const d = decide(pod(), o);
  assert.equal(d.kind, 'act');
  if (d.kind !== 'act') return;
  assert.deepEqual(d.actions.map((a) => [a.container, a.run, a.step, a.attempt, a.what.kind]), [['proxy', 'c://proxy-1', 0, 1, 'signal']]);
  assert.equal(d.mainsDoneAt, NOW - 1000);
});

test('an OOM-killed main (restartPolicy Never) counts as done; a NotReady sidecar is still stopped', () => {
  const d = decide(pod({ runs: [term('app', 137, 'OOMKilled'), running('proxy')] }), o);
  assert.equal(d.kind, 'act');
});

test('never acts while a main runs, waits, or may restart', () => {
  for (const [runs, rp, why] of [
    [[running('app'), running('proxy')], 'Never', /main container "app" is running/],
    [[{ name: 'app', state: 'waiting', reason: 'CrashLoopBackOff' }, running('proxy')], 'Never', /is waiting/],
    [[term('app'), running('proxy')], 'Always', /restartPolicy Always/],
    [[term('app', 1, 'Error'), running('proxy')], 'OnFailure', /OnFailure restarts it/],
    [[running('proxy')], 'Never', /is unknown/],
  ] as const) {
    const d = decide(pod({ runs: runs as unknown as ContainerRun[], restartPolicy: rp }), o);
    assert.equal(d.kind, 'idle');
    if (d.kind === 'idle') assert.match(d.reason, why);
  }
  assert.equal(decide(pod({ restartPolicy: 'OnFailure' }), o).kind, 'act', 'OnFailure with exit 0 is final');
  assert.equal(decide(pod({ deleting: true }), o).kind, 'idle');
  assert.equal(decide(pod({ phase: 'Succeeded' }), o).kind, 'idle');
});

test('one action per sidecar run: a sent step waits for the exit, then escalates; a new run starts over', () => {
  const a = decide(pod({ sidecars: [plan('proxy', ['exec', 'signal'])] }), o);
  assert.ok(a.kind === 'act');
  const sent = recordAfter(a.actions[0]!, 'sent', NOW);
  const w = decide(pod({ sidecars: [plan('proxy', ['exec', 'signal'])], record: { proxy: sent } }), o);
  assert.deepEqual(w, { kind: 'wait', reason: '"proxy": waiting for it to exit', at: NOW + o.stopTimeoutMs });
  const later = decide(pod({ sidecars: [plan('proxy', ['exec', 'signal'])], record: { proxy: sent } }), { ...o, now: NOW + o.stopTimeoutMs });
  assert.ok(later.kind === 'act');
  assert.deepEqual([later.actions[0]!.step, later.actions[0]!.what.kind], [1, 'signal']);
  const restarted = decide(pod({ sidecars: [plan('proxy', ['exec', 'signal'])], record: { proxy: sent }, runs: [term('app'), running('proxy', 'c://proxy-2')] }), o);
  assert.ok(restarted.kind === 'act');
  assert.deepEqual([restarted.actions[0]!.run, restarted.actions[0]!.step], ['c://proxy-2', 0]);
});

test('failures back off, then move on; unavailable steps are skipped at once; then the last resort, once', () => {
  const p = (rec: StopRecord, now = NOW) => decide(pod({ sidecars: [plan('proxy', ['exec', 'signal'])], record: { proxy: rec } }), { ...o, now });
  const failed: StopRecord = { run: 'c://proxy-1', step: 0, attempt: 2, status: 'failed', at: NOW };
  assert.deepEqual(p(failed), { kind: 'wait', reason: '"proxy": back-off after a failed attempt', at: NOW + backoffMs(2, o) });
  const retry = p(failed, NOW + backoffMs(2, o));
  assert.ok(retry.kind === 'act' && retry.actions[0]!.attempt === 3 && retry.actions[0]!.step === 0);
  const exhausted = p({ ...failed, attempt: o.maxAttempts });
  assert.ok(exhausted.kind === 'act' && exhausted.actions[0]!.step === 1);
  const unavailable = p({ ...failed, status: 'unavailable' });
  assert.ok(unavailable.kind === 'act' && unavailable.actions[0]!.step === 1 && unavailable.actions[0]!.attempt === 1);
  const last = p({ run: 'c://proxy-1', step: 1, attempt: 1, status: 'unavailable', at: NOW });
  assert.ok(last.kind === 'act' && last.actions[0]!.what.kind === 'last-resort');
  assert.equal(p({ run: 'c://proxy-1', step: 2, attempt: 1, status: 'gave-up', at: NOW }).kind, 'idle');
  const noSteps = decide(pod({ sidecars: [plan('proxy', [])] }), o);
  assert.ok(noSteps.kind === 'act' && noSteps.actions[0]!.what.kind === 'last-resort');
});

test('a claimed attempt is left alone until its claim expires, then retried', () => {
  const claimed: StopRecord = { run: 'c://proxy-1', step: 0, attempt: 1, status: 'claimed', at: NOW };
  assert.equal(decide(pod({ record: { proxy: claimed } }), o).kind, 'wait');
  const d = decide(pod({ record: { proxy: claimed } }), { ...o, now: NOW + o.claimTimeoutMs });
  assert.ok(d.kind === 'act' && d.actions[0]!.attempt === 2);
});

test('an unreadable annotation blocks action with a reason', () => {
  const d = decide(pod({ annotationError: 'sidecarctl.dev/reaper is not JSON' }), o);
  assert.deepEqual(d, { kind: 'idle', reason: 'cannot act: sidecarctl.dev/reaper is not JSON' });
});

// ---- properties ----

const names = ['a', 'b', 'c', 'd', 'e'];
const arbRun = (name: string) =>
  fc.oneof(
    fc.constant<ContainerRun>({ name, state: 'unknown' }),
    fc.constantFrom('r1', 'r2').map<ContainerRun>((id) => ({ name, state: 'running', id })),
    fc.constantFrom('CrashLoopBackOff', 'ContainerCreating').map<ContainerRun>((reason) => ({ name, state: 'waiting', reason })),
    fc.record({ exitCode: fc.constantFrom(0, 1, 2, 137, 143), reason: fc.constantFrom('Completed', 'Error', 'OOMKilled', 'ContainerCannotRun') }).map<ContainerRun>(({ exitCode, reason }) => ({ name, state: 'terminated', id: 't', exitCode, reason, finishedAt: NOW - 5000 })),
  );
const arbRecord: fc.Arbitrary<StopRecord> = fc.record({
  run: fc.constantFrom('r1', 'r2'),
  step: fc.integer({ min: 0, max: 3 }),
  attempt: fc.integer({ min: 1, max: 6 }),
  status: fc.constantFrom('claimed', 'sent', 'failed', 'unavailable', 'gave-up'),
  at: fc.integer({ min: NOW - 120_000, max: NOW }),
});
const arbPod: fc.Arbitrary<PodView> = fc
  .record({ nMains: fc.integer({ min: 1, max: 3 }), nSide: fc.integer({ min: 1, max: 2 }) })
  .chain(({ nMains, nSide }) => {
    const mains = names.slice(0, nMains);
    const sides = names.slice(nMains, nMains + nSide);
    return fc.record({
      restartPolicy: fc.constantFrom('Always', 'OnFailure', 'Never'),
      phase: fc.constantFrom('Running', 'Running', 'Pending', 'Succeeded', 'Failed'),
      deleting: fc.boolean(),
      runs: fc.tuple(...[...mains, ...sides].map(arbRun)),
      steps: fc.tuple(...sides.map(() => fc.subarray(['http', 'exec', 'signal'] as const))),
      record: fc.tuple(...sides.map(() => fc.option(arbRecord, { nil: undefined }))),
    }).map(({ restartPolicy, phase, deleting, runs, steps, record }): PodView => ({
      namespace: 'ns', name: 'p', uid: 'u', resourceVersion: '1', phase, deleting, restartPolicy,
      mains, sidecars: sides.map((s, i) => plan(s, [...steps[i]!])), runs: [...runs],
      record: Object.fromEntries(sides.flatMap((s, i) => (record[i] ? [[s, record[i]!]] : []))),
    }));
  });
const arbOpts = fc.record({ now: fc.integer({ min: NOW, max: NOW + 200_000 }), lastResort: fc.constantFrom('event', 'delete-pod') }).map(({ now, lastResort }) => ({ ...DEFAULT_DECIDE, now, lastResort }));

test('property: never selects a sidecar while a main container runs or may restart', () => {
  fc.assert(fc.property(arbPod, arbOpts, (view, opts) => {
    const d = decide(view, opts);
    if (d.kind !== 'act') return;
    assert.equal(view.phase, 'Running');
    assert.equal(view.deleting, false);
    assert.notEqual(view.restartPolicy, 'Always');
    for (const m of view.mains) {
      const r = view.runs.find((x) => x.name === m)!;
      assert.equal(r.state, 'terminated', `main ${m} must be terminated`);
      if (view.restartPolicy === 'OnFailure') assert.equal(r.exitCode, 0, 'OnFailure restarts a non-zero exit');
    }
    for (const a of d.actions) {
      assert.ok(view.sidecars.some((s) => s.name === a.container), 'only sidecars are stopped');
      const r = view.runs.find((x) => x.name === a.container)!;
      assert.equal(r.state, 'running');
      assert.equal(a.run, r.id, 'the action is for the current run');
    }
  }), { numRuns: 3000 });
});

test('property: once an action is recorded (claimed or sent), deciding again at the same time never repeats it', () => {
  fc.assert(fc.property(arbPod, arbOpts, fc.constantFrom('claimed', 'sent', 'gave-up') as fc.Arbitrary<StopRecord['status']>, (view, opts, status) => {
    const d = decide(view, opts);
    if (d.kind !== 'act') return;
    const record = { ...view.record };
    for (const a of d.actions) record[a.container] = recordAfter(a, a.what.kind === 'last-resort' && status === 'sent' ? 'gave-up' : status, opts.now);
    const again = decide({ ...view, record }, opts);
    if (again.kind === 'act') for (const a of again.actions) assert.ok(!d.actions.some((b) => b.container === a.container), `repeated ${a.container}`);
  }), { numRuns: 3000 });
});

test('property: mainsDone agrees with the kubelet restart rule', () => {
  fc.assert(fc.property(arbPod, (view) => {
    const g = mainsDone(view);
    const restarts = view.mains.some((m) => {
      const r = view.runs.find((x) => x.name === m)!;
      return r.state !== 'terminated' || view.restartPolicy === 'Always' || (view.restartPolicy === 'OnFailure' && r.exitCode !== 0);
    });
    assert.equal(g.ok, !restarts && view.phase === 'Running' && !view.deleting);
  }), { numRuns: 2000 });
});

test('a claim whose answer was lost is recognised as our own and acted on at once; anyone else\'s waits', () => {
  const claimed: StopRecord = { run: 'c://proxy-1', step: 0, attempt: 1, status: 'claimed', at: NOW };
  const mine = decide(pod({ record: { proxy: claimed } }), { ...o, now: NOW + 10, ownClaims: { proxy: claimed } });
  assert.ok(mine.kind === 'act' && mine.actions[0]!.attempt === 1 && mine.actions[0]!.step === 0);
  const other = decide(pod({ record: { proxy: claimed } }), { ...o, now: NOW + 10, ownClaims: { proxy: { ...claimed, at: NOW - 5 } } });
  assert.equal(other.kind, 'wait');
});
