// Turns a result's events into per-container lanes of state segments and point markers. Works on
// any result in the spec's format (simulated or from a real cluster), so both render the same.
import type { ScenarioResult, TimelineEvent } from '../../scenario/index';

export type LaneState = 'waiting' | 'starting' | 'serving' | 'terminating' | 'exited';

export interface Segment { readonly from: number; readonly to: number; readonly state: LaneState; readonly run: number }

export type MarkerKind = 'needUnmet' | 'probeFailed' | 'sigterm' | 'sigkill' | 'exit' | 'preStop' | 'postStart';

export interface Marker {
  readonly t: number;
  readonly kind: MarkerKind;
  readonly label: string;
  /** exit code for `exit` markers */
  readonly code?: number;
}

export interface LaneView {
  readonly name: string;
  readonly role: 'init' | 'sidecar' | 'main' | 'unknown';
  readonly segments: readonly Segment[];
  readonly markers: readonly Marker[];
}

export interface TimelineView {
  readonly title: string;
  readonly subtitle: string;
  readonly end: number;
  readonly lanes: readonly LaneView[];
  readonly ready: readonly { from: number; to: number; ready: boolean }[];
}

export const STATE_LABEL: Record<LaneState, string> = {
  waiting: 'waiting',
  starting: 'starting',
  serving: 'serving',
  terminating: 'terminating',
  exited: 'exited',
};

export interface ViewInput extends ScenarioResult {
  readonly lanes?: readonly { readonly name: string; readonly kind: 'init' | 'sidecar' | 'main' }[];
  readonly endedAt?: number;
}

export function timelineView(r: ViewInput): TimelineView {
  const order: { name: string; role: LaneView['role'] }[] = r.lanes
    ? r.lanes.map((l) => ({ name: l.name, role: l.kind }))
    : [];
  for (const e of r.events) if (!order.some((o) => o.name === e.container)) order.push({ name: e.container, role: 'unknown' });
  const lastT = r.events.reduce((m, e) => Math.max(m, e.t), 0);
  const end = Math.max(r.completedAt ?? 0, lastT, r.endedAt ?? 0, 1);
  const lanes = order.map((o) => buildLane(o.name, o.role, r.events.filter((e) => e.container === o.name), end));
  const ready: { from: number; to: number; ready: boolean }[] = [];
  let cur = false, from = 0;
  for (const c of r.ready) {
    if (c.ready === cur) continue;
    ready.push({ from, to: c.t, ready: cur });
    cur = c.ready; from = c.t;
  }
  ready.push({ from, to: end, ready: cur });
  const done = r.completedAt === null ? `still ${r.phase} at ${fmt(end)} s` : `${r.phase} at ${fmt(r.completedAt)} s`;
  return { title: r.scenario, subtitle: `Kubernetes ${r.kubernetesVersion} · ${done}`, end, lanes, ready };
}

function buildLane(name: string, role: LaneView['role'], events: readonly TimelineEvent[], end: number): LaneView {
  const segments: Segment[] = [];
  const markers: Marker[] = [];
  let state = 'waiting' as LaneState;
  let since = 0;
  let run = 1;
  const go = (t: number, next: LaneState, nextRun = run): void => {
    if (t > since || (t === since && segments.length === 0 && t > 0)) segments.push({ from: since, to: t, state, run });
    state = next; since = t; run = nextRun;
  };
  for (const e of events) {
    switch (e.type) {
      case 'Starting': go(e.t, 'starting', e.run); break;
      case 'Started': if (state === 'starting') go(e.t, 'serving'); break;
      case 'PreStopStarting': markers.push({ t: e.t, kind: 'preStop', label: 'preStop' }); if (state === 'starting' || state === 'serving') go(e.t, 'terminating'); break;
      case 'Signal':
        markers.push({ t: e.t, kind: e.signal === 'SIGKILL' ? 'sigkill' : 'sigterm', label: e.signal ?? 'signal' });
        if (state === 'starting' || state === 'serving') go(e.t, 'terminating');
        break;
      case 'Exiting': markers.push({ t: e.t, kind: 'exit', label: `exit ${e.exitCode ?? 0}`, code: e.exitCode ?? 0 }); go(e.t, 'exited'); break;
      case 'ProbeFailed': markers.push({ t: e.t, kind: 'probeFailed', label: `${e.probe ?? ''} probe failed`.trim() }); break;
      case 'NeedUnmet': markers.push({ t: e.t, kind: 'needUnmet', label: `started while ${(e.unmet ?? []).join(', ') || 'a dependency'} not serving` }); break;
      case 'PostStartStarting': markers.push({ t: e.t, kind: 'postStart', label: 'postStart' }); break;
      default: break;
    }
  }
  if (end > since) segments.push({ from: since, to: end, state, run });
  return { name, role, segments, markers };
}

export function fmt(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toFixed(1).replace(/\.0$/, '');
}

/** A "nice" axis step (1, 2, 5 × 10^k seconds) giving at most `maxTicks` ticks. */
export function niceStep(span: number, maxTicks: number): number {
  const raw = span / Math.max(1, maxTicks);
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
