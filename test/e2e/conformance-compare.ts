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
      const d = Math.abs(ts[i]! - rs[i]!);
      maxDelta = Math.max(maxDelta, d);
      if (d > tolerance) problems.push(`${k} #${i + 1}: simulated ${ts[i]} s, real ${rs[i]} s`);
    }
    if (ts.length !== rs.length) {
      // the simulator watches for observeFor like the real run, but a late event may fall either side
      const last = Math.max(ts[ts.length - 1] ?? 0, rs[rs.length - 1] ?? 0);
      const end = Math.max(sim.completedAt ?? 0, real.completedAt ?? 0);
      if (Math.abs(ts.length - rs.length) > 1 || end === 0 || last < end) problems.push(`${k}: ${ts.length} simulated, ${rs.length} real`);
    }
  }
  for (const k of gr.keys()) if (!gs.has(k)) problems.push(`${k}: only in the real run (${gr.get(k)!.length})`);
  return { file, agree: problems.length === 0, problems, maxDelta };
}
