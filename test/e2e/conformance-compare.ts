// Comparison of a simulated and a real result for the conformance test (not a test file itself).
import { REAL_RUN_TOLERANCE_SECONDS, sortEvents, type ScenarioResult, type TimelineEvent } from '../../src/scenario/index';

/** The event types both sides record the same way; hooks, signals and probe failures are reported differently. */
export const COMPARED_TYPES: readonly TimelineEvent['type'][] = ['Starting', 'Started', 'Exiting', 'NeedUnmet'];

export interface Comparison {
  readonly file: string;
  readonly agree: boolean;
  readonly problems: string[];
  readonly maxDelta: number;
}

/**
 * How much later than simulated a real event may legitimately come at time t: the kubelet
 * requeues a pod refused by CrashLoopBackOff at the back-off's expiry, jittered by up to +50 %
 * of the remaining wait (pod_workers.go completeWork, wait.Jitter factor 0.5; PR #133066). The
 * model takes the earliest moment; every back-off before t may have delayed what follows by
 * up to half its wait. Nothing may come earlier than simulated (beyond the tolerance).
 */
export function jitterAllowance(sim: ScenarioResult, t: number): number {
  let j = 0;
  for (const e of sim.events) if (e.type === 'BackOff' && e.t < t && e.until !== undefined) j += 0.5 * Math.max(0, e.until - e.t);
  return j;
}

/** Compares a simulated and a real result: assertion results, phase, shared event times. */
export function compare(file: string, sim: ScenarioResult, real: ScenarioResult, tolerance = REAL_RUN_TOLERANCE_SECONDS): Comparison {
  const problems: string[] = [];
  if (sim.phase !== real.phase) problems.push(`phase: simulated ${sim.phase}, real ${real.phase}`);
  sim.assertions.forEach((a, i) => {
    const r = real.assertions[i];
    if (!r) { problems.push(`assertion ${JSON.stringify(a.assertion)} missing from the real result`); return; }
    // completesWithin is judged with the real-run tolerance on the real side already
    if (a.holds !== r.holds) problems.push(`${JSON.stringify(a.assertion)}: simulated ${a.holds}, real ${r.holds}${r.detail ? ` (${r.detail})` : ''}`);
  });
  let maxDelta = 0;
  const key = (e: TimelineEvent) => `${e.container} ${e.type}`;
  const group = (evs: readonly TimelineEvent[]) => {
    const m = new Map<string, number[]>();
    for (const e of sortEvents(evs)) if (COMPARED_TYPES.includes(e.type)) { const k = key(e); m.set(k, [...(m.get(k) ?? []), e.t]); }
    return m;
  };
  const gs = group(sim.events), gr = group(real.events);
  for (const [k, ts] of gs) {
    const rs = gr.get(k) ?? [];
    const n = Math.min(ts.length, rs.length);
    for (let i = 0; i < n; i++) {
      const d = rs[i]! - ts[i]!;
      const late = jitterAllowance(sim, ts[i]!);
      maxDelta = Math.max(maxDelta, Math.abs(d));
      if (d < -tolerance || d > tolerance + late) {
        problems.push(`${k} #${i + 1}: simulated ${ts[i]} s, real ${rs[i]} s${late > 0 ? ` (back-off jitter allows up to +${late.toFixed(1)} s)` : ''}`);
      }
    }
    if (ts.length !== rs.length) {
      // the simulator watches for observeFor like the real run, but a late event may fall either side
      const last = Math.max(ts[ts.length - 1] ?? 0, rs[rs.length - 1] ?? 0);
      const end = Math.max(sim.completedAt ?? 0, real.completedAt ?? 0);
      // a run still going at the end of observation: back-off jitter may push the real run's
      // last events past the window
      const observedEnd = Math.max(0, ...sim.events.map((e) => e.t), ...real.events.map((e) => e.t));
      const jitterCut = rs.length < ts.length && end === 0 && ts.slice(rs.length).every((t) => t > observedEnd - jitterAllowance(sim, t) - tolerance);
      if (!jitterCut && (Math.abs(ts.length - rs.length) > 1 || end === 0 || last < end)) problems.push(`${k}: ${ts.length} simulated, ${rs.length} real`);
    }
  }
  for (const k of gr.keys()) if (!gs.has(k)) problems.push(`${k}: only in the real run (${gr.get(k)!.length})`);
  return { file, agree: problems.length === 0, problems, maxDelta };
}
