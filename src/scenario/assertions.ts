// The assertion evaluator: a pure function of a list of events (from the simulator or from a
// real cluster) and an `expect` block. Order assertions follow the helpers of Kubernetes' node
// e2e tests (test/e2e_node/container_lifecycle_test.go: StartsBefore, ExitsBefore, RunTogether):
// they look at positions in the time-sorted event list, so they need no tolerance. Only time
// bounds (`completesWithin`) take `toleranceSeconds` (2 s for real runs, see the spec).
import { formatDuration } from './duration';
import { exitReason, type Assertion, type AssertionResult, type Expect, type PodPhase, type TimelineEvent } from './types';

export interface EvaluateOptions {
  /** Final pod phase, for `expect.phase`. */
  readonly phase?: PodPhase;
  /** Seconds at which the pod became terminal (`null`: never), for `expect.completesWithin`. */
  readonly completedAt?: number | null;
  /** Slack on time bounds, in seconds: 0 for the simulator, `REAL_RUN_TOLERANCE_SECONDS` for a real kubelet. */
  readonly toleranceSeconds?: number;
}

/** The tolerance the spec allows for time bounds checked against a real cluster. */
export const REAL_RUN_TOLERANCE_SECONDS = 2;

const TERMINAL: readonly PodPhase[] = ['Succeeded', 'Failed'];

/** Events sorted by `t`; events with equal `t` keep their recorded order. */
export function sortEvents(events: readonly TimelineEvent[]): TimelineEvent[] {
  return events.map((e, i) => ({ e, i })).sort((a, b) => a.e.t - b.e.t || a.i - b.i).map((x) => x.e);
}

/**
 * Evaluates `expect` over events. Returns one result per assertion, preceded by `{phase}` and
 * `{completesWithin}` results when the block has them (so a real-cluster runner and the simulator
 * print the same list).
 */
export function evaluateAssertions(events: readonly TimelineEvent[], expect: Expect | undefined, options: EvaluateOptions = {}): AssertionResult[] {
  if (!expect) return [];
  const ev = sortEvents(events);
  const out: AssertionResult[] = [];
  if (expect.phase !== undefined) {
    const holds = options.phase === expect.phase;
    out.push(holds ? { assertion: { phase: expect.phase }, holds } : { assertion: { phase: expect.phase }, holds, detail: `phase is ${options.phase ?? 'unknown'}` });
  }
  if (expect.completesWithin !== undefined) {
    const bound = expect.completesWithin / 1000 + (options.toleranceSeconds ?? 0);
    const at = options.completedAt ?? null;
    const terminal = options.phase !== undefined && TERMINAL.includes(options.phase);
    const holds = at !== null && terminal && at <= bound;
    const assertion = { completesWithin: formatDuration(expect.completesWithin) };
    out.push(holds ? { assertion, holds } : { assertion, holds, detail: at === null || !terminal ? 'the pod never reached a terminal phase' : `completed at ${at} s` });
  }
  for (const a of expect.assertions) out.push(evaluateOne(ev, a));
  return out;
}

function idx(ev: readonly TimelineEvent[], container: string, type: TimelineEvent['type'], from = 0): number {
  for (let i = from; i < ev.length; i++) if (ev[i]!.container === container && ev[i]!.type === type) return i;
  return -1;
}
function count(ev: readonly TimelineEvent[], container: string, type: TimelineEvent['type']): number {
  let n = 0;
  for (const e of ev) if (e.container === container && e.type === type) n++;
  return n;
}

/** [Starting index, Exiting index or Infinity] of each run of a container, by run number. */
function windows(ev: readonly TimelineEvent[], container: string): { start: number; exit: number }[] {
  const byRun = new Map<number, { start: number; exit: number }>();
  ev.forEach((e, i) => {
    if (e.container !== container) return;
    if (e.type === 'Starting' && !byRun.has(e.run)) byRun.set(e.run, { start: i, exit: Number.POSITIVE_INFINITY });
    if (e.type === 'Exiting') { const w = byRun.get(e.run); if (w && w.exit === Number.POSITIVE_INFINITY) w.exit = i; }
  });
  return [...byRun.values()];
}

function result(a: Assertion, holds: boolean, detail?: string): AssertionResult {
  return holds || detail === undefined ? { assertion: a as Record<string, unknown>, holds } : { assertion: a as Record<string, unknown>, holds, detail };
}

function evaluateOne(ev: readonly TimelineEvent[], a: Assertion): AssertionResult {
  if ('starts' in a) return result(a, idx(ev, a.starts, 'Started') >= 0, `${a.starts} never started`);
  if ('doesNotStart' in a) {
    const i = idx(ev, a.doesNotStart, 'Started');
    return result(a, i < 0, `${a.doesNotStart} started at ${ev[i]?.t} s`);
  }
  if ('startsBefore' in a) {
    const [x, y] = a.startsBefore;
    const xs = idx(ev, x, 'Started');
    if (xs < 0) return result(a, false, `${x} never started`);
    return result(a, idx(ev, y, 'Starting', xs + 1) >= 0, `no start of ${y} after ${x} started (${ev[xs]!.t} s)`);
  }
  if ('exitsBefore' in a) {
    const [x, y] = a.exitsBefore;
    const xe = idx(ev, x, 'Exiting');
    if (xe < 0) return result(a, false, `${x} never exited`);
    return result(a, idx(ev, y, 'Exiting', xe + 1) >= 0, `no exit of ${y} after ${x} exited (${ev[xe]!.t} s)`);
  }
  if ('runTogether' in a) {
    // "one is Started while the other has started and not exited"
    const [x, y] = a.runTogether;
    const within = (p: string, q: string): boolean => {
      const ws = windows(ev, q);
      return ev.some((e, i) => e.container === p && e.type === 'Started' && ws.some((w) => w.start < i && i < w.exit));
    };
    return result(a, within(x, y) || within(y, x), `${x} and ${y} never ran at the same time`);
  }
  if ('hasRestarted' in a) {
    const n = count(ev, a.hasRestarted, 'Starting');
    return result(a, n >= 2, `${a.hasRestarted} started ${n} time(s)`);
  }
  if ('hasNotRestarted' in a) {
    const n = count(ev, a.hasNotRestarted, 'Starting');
    return result(a, n === 1, `${a.hasNotRestarted} started ${n} time(s)`);
  }
  if ('exitCode' in a) {
    const { container, code, reason } = a.exitCode;
    let last: TimelineEvent | undefined;
    for (const e of ev) if (e.container === container && e.type === 'Exiting') last = e;
    if (!last) return result(a, false, `${container} never exited`);
    const lastCode = last.exitCode ?? 0;
    const holds = lastCode === code && (reason === undefined || exitReason(lastCode) === reason);
    return result(a, holds, `${container} last exited ${lastCode} (${exitReason(lastCode)}) at ${last.t} s`);
  }
  if ('needUnmet' in a) return result(a, idx(ev, a.needUnmet, 'NeedUnmet') >= 0, `${a.needUnmet} never started with an unmet need`);
  if ('noNeedUnmet' in a) {
    const i = idx(ev, a.noNeedUnmet, 'NeedUnmet');
    return result(a, i < 0, `${a.noNeedUnmet} started at ${ev[i]?.t} s while ${(ev[i]?.unmet ?? []).join(', ') || 'a dependency'} was not serving`);
  }
  return { assertion: a as Record<string, unknown>, holds: false, detail: 'unknown assertion' };
}
