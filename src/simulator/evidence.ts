// Simulated evidence for lint findings (`sidecarctl lint --explain`): run the pod through the
// kubelet model and say in one line what happens, e.g.
//   "app started at 1.1 s, cloud-sql-proxy serves at 2.1 s"
//   "pod never completes: cloud-sql-proxy still running at 120 s"
import type { Pod, PodSpec } from 'kubernetes-types/core/v1';
import type { Lifetime } from '../core/workloads';
import { fmt } from './render/lanes';
import { scenarioFromPodSpec } from './from-manifest';
import { simulate, type SimulationResult } from './index';

export interface EvidenceInput {
  /** a Pod manifest, or just a pod spec */
  readonly pod: Pod | PodSpec;
  readonly kubernetesVersion: string;
  /** raw behaviour entries by container name (scenario-format `behavior:` values) */
  readonly behaviors?: Readonly<Record<string, Record<string, unknown>>>;
  /** how the workload's pods are meant to end (Jobs: run-to-completion) */
  readonly lifetime?: Lifetime;
}

export interface Evidence {
  readonly summary: string;
  readonly result: SimulationResult;
}

export function simulateForEvidence(input: EvidenceInput): Evidence {
  const isPod = 'spec' in input.pod && typeof (input.pod as Pod).spec === 'object';
  const spec = isPod ? (input.pod as Pod).spec! : (input.pod as PodSpec);
  const metadata = isPod ? (input.pod as Pod).metadata : undefined;
  const { scenario } = scenarioFromPodSpec(spec, metadata, {
    kubernetesVersion: input.kubernetesVersion,
    ...(input.behaviors ? { behaviors: input.behaviors } : {}),
    ...(input.lifetime ? { lifetime: input.lifetime } : {}),
  });
  const result = simulate(scenario);
    const rp = spec.restartPolicy ?? 'Always';
  const jobLike = input.lifetime === 'run-to-completion' || rp !== 'Always';
  return { summary: summarize(result, scenario.behavior, jobLike), result };
}

/** One line: the startup race (who started before what served) and how the pod ended. */
export function summarize(r: SimulationResult, behavior: Readonly<Record<string, { needs: readonly string[]; startDelay: number }>>, jobLike = true): string {
  const parts: string[] = [];
  const delays: Record<string, number> = {};
  for (const [n, b] of Object.entries(behavior)) delays[n] = b.startDelay;
  const first = (c: string, type: string): number | undefined => r.events.find((e) => e.container === c && e.type === type)?.t;
  for (const lane of r.lanes) {
    const needs = behavior[lane.name]?.needs ?? [];
    if (!needs.length) continue;
    const started = first(lane.name, 'Starting');
    if (started === undefined) { parts.push(`${lane.name} never starts`); continue; }
    const deps = needs.map((d) => {
      const serves = first(d, 'Started') ?? intendedServe(r, d, delays[d]);
      return serves === undefined ? `${d} never serves` : `${d} serves at ${fmt(serves)} s`;
    });
    parts.push(`${lane.name} started at ${fmt(started)} s, ${deps.join(', ')}`);
  }
  if (r.completedAt !== null) parts.push(`pod ${r.phase} at ${fmt(r.completedAt)} s`);
  else {
    const running = r.lanes.filter((l) => {
      const evs = r.events.filter((e) => e.container === l.name);
      const last = evs[evs.length - 1];
      return last !== undefined && last.type !== 'Exiting';
    }).map((l) => l.name);
    parts.push(r.phase === 'Pending'
      ? `pod still Pending at ${fmt(r.endedAt)} s`
      : !jobLike ? `pod ${r.phase} at ${fmt(r.endedAt)} s`
      : `pod never completes: ${running.length ? `${running.join(', ')} still running` : `still ${r.phase}`} at ${fmt(r.endedAt)} s`);
  }
  return parts.join('; ');
}

/** When a dependency would have served (its first start + startDelay) if it was stopped before it did. */
function intendedServe(r: SimulationResult, c: string, startDelayMs: number | undefined): number | undefined {
  const start = r.events.find((e) => e.container === c && e.type === 'Starting')?.t;
  if (start === undefined || startDelayMs === undefined || !Number.isFinite(startDelayMs)) return undefined;
  return Math.round((start + startDelayMs / 1000) * 1000) / 1000;
}
