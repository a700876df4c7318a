import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateAssertions, REAL_RUN_TOLERANCE_SECONDS, type TimelineEvent } from '../../../src/scenario/index';

const ev = (t: number, container: string, type: TimelineEvent['type'], extra: Partial<TimelineEvent> = {}, run = 1): TimelineEvent => ({ t, container, run, type, ...extra });

// The example of the spec: proxy serves at 5 s, app runs 5.6-8.6, proxy stopped after app.
const EVENTS: TimelineEvent[] = [
  ev(0, 'proxy', 'Starting'),
  ev(5, 'proxy', 'Started'),
  ev(5.6, 'app', 'Starting'),
  ev(5.6, 'app', 'Started'),
  ev(8.6, 'app', 'Exiting', { exitCode: 0 }),
  ev(8.6, 'proxy', 'Signal', { signal: 'SIGTERM' }),
  ev(9.6, 'proxy', 'Exiting', { exitCode: 143 }),
];

function holds(a: object, events = EVENTS): boolean {
  const [r] = evaluateAssertions(events, { assertions: [a as never] });
  return r!.holds;
}

test('order assertions follow the e2e helpers', () => {
  assert.equal(holds({ startsBefore: ['proxy', 'app'] }), true);
  assert.equal(holds({ startsBefore: ['app', 'proxy'] }), false);
  assert.equal(holds({ exitsBefore: ['app', 'proxy'] }), true);
  assert.equal(holds({ exitsBefore: ['proxy', 'app'] }), false);
  assert.equal(holds({ runTogether: ['proxy', 'app'] }), true);
  assert.equal(holds({ runTogether: ['app', 'proxy'] }), true);
  const serial = [ev(0, 'a', 'Starting'), ev(0, 'a', 'Started'), ev(1, 'a', 'Exiting', { exitCode: 0 }), ev(2, 'b', 'Starting'), ev(2, 'b', 'Started')];
  assert.equal(holds({ runTogether: ['a', 'b'] }, serial), false);
});

test('starts, restarts, exit codes, needs', () => {
  assert.equal(holds({ starts: 'app' }), true);
  assert.equal(holds({ doesNotStart: 'app' }), false);
  assert.equal(holds({ hasNotRestarted: 'app' }), true);
  assert.equal(holds({ hasRestarted: 'app' }), false);
  assert.equal(holds({ hasNotRestarted: 'nobody' }), false);
  assert.equal(holds({ exitCode: { container: 'proxy', code: 143, reason: 'Error' } }), true);
  assert.equal(holds({ exitCode: { container: 'proxy', code: 143, reason: 'Completed' } }), false);
  assert.equal(holds({ exitCode: { container: 'app', code: 0 } }), true);
  assert.equal(holds({ noNeedUnmet: 'app' }), true);
  assert.equal(holds({ needUnmet: 'app' }), false);
  const unmet = [...EVENTS, ev(5.6, 'app', 'NeedUnmet', { unmet: ['proxy'] })];
  assert.equal(holds({ needUnmet: 'app' }, unmet), true);
});

test('unsorted input is sorted by t, stable for ties', () => {
  const shuffled = [EVENTS[4]!, EVENTS[0]!, EVENTS[6]!, EVENTS[2]!, EVENTS[1]!, EVENTS[3]!, EVENTS[5]!];
  assert.equal(holds({ startsBefore: ['proxy', 'app'] }, shuffled), true);
  assert.equal(holds({ exitsBefore: ['app', 'proxy'] }, shuffled), true);
});

test('phase and completesWithin, with the real-run tolerance', () => {
  const expect = { phase: 'Succeeded' as const, completesWithin: 9000, assertions: [] };
  assert.deepEqual(evaluateAssertions(EVENTS, expect, { phase: 'Succeeded', completedAt: 9.6 }).map((r) => r.holds), [true, false]);
  assert.deepEqual(
    evaluateAssertions(EVENTS, expect, { phase: 'Succeeded', completedAt: 9.6, toleranceSeconds: REAL_RUN_TOLERANCE_SECONDS }).map((r) => r.holds),
    [true, true],
  );
  const r = evaluateAssertions(EVENTS, expect, { phase: 'Running', completedAt: null });
  assert.deepEqual(r.map((x) => [x.assertion, x.holds]), [[{ phase: 'Succeeded' }, false], [{ completesWithin: '9s' }, false]]);
  assert.deepEqual(evaluateAssertions(EVENTS, undefined), []);
});
