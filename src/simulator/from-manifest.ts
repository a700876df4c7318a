// From a plain manifest (a Pod, Deployment, Job, CronJob, ... as parsed YAML) to a scenario: the
// pod template becomes the scenario's Pod, known sidecars get the catalog's behaviour defaults
// (how long until they serve, how they take SIGTERM), and `--behavior` entries override them.
import type { Container, Pod, PodSpec } from 'kubernetes-types/core/v1';
import { defaultCatalog } from '../catalog/index';
import type { Catalog, SidecarRole } from '../catalog/types';
import { findPodSites, type PodSite } from '../core/workloads';
import { ScenarioError, validateScenario, type ParsedScenario } from '../scenario/index';

/** Roles whose sidecar an app talks to at start (the app "needs" it). */
const NEEDED_ROLES: readonly SidecarRole[] = ['database-proxy', 'mesh-proxy', 'network-proxy', 'secrets-agent'];

/** How long a main container of a run-to-completion workload runs when nothing says otherwise. */
export const DEFAULT_JOB_RUN = '5s';

export interface PodChoice {
  readonly label: string;
  readonly site: PodSite;
}

/** Every pod template in the documents, labelled `Kind/name` (with the template path when there are several). */
export function podChoices(docs: readonly unknown[]): PodChoice[] {
  const out: PodChoice[] = [];
  for (const doc of docs) {
    for (const site of findPodSites(doc).sites) {
      const o = site.object;
      out.push({ label: `${o.kind ?? 'object'}/${o.name ?? '(unnamed)'}`, site });
    }
  }
  return out;
}

export interface ManifestScenarioOptions {
  readonly kubernetesVersion: string;
  /** raw behaviour entries by container name (from `--behavior` flags or the linter) */
  readonly behaviors?: Readonly<Record<string, Record<string, unknown>>>;
  readonly name?: string;
  readonly lifetime?: PodSite['lifetime'];
  readonly observeFor?: string;
  readonly catalog?: Catalog;
}

export interface BehaviorDefaultsNote { readonly container: string; readonly note: string }

/**
 * Builds and validates a scenario for a pod spec. Returns the scenario and notes on the defaults
 * that were assumed (for stderr / evidence), e.g. "cloud-sql-proxy: serves after 2s (catalog)".
 */
export function scenarioFromPodSpec(spec: PodSpec, metadata: Pod['metadata'], o: ManifestScenarioOptions): ParsedScenario & { notes: BehaviorDefaultsNote[] } {
  const catalog = o.catalog ?? defaultCatalog;
  const notes: BehaviorDefaultsNote[] = [];
  const behavior: Record<string, Record<string, unknown>> = {};
  const inits: Container[] = Array.isArray(spec.initContainers) ? spec.initContainers : [];
  const mains: Container[] = Array.isArray(spec.containers) ? spec.containers : [];
  const needed: string[] = [];
  for (const c of [...inits, ...mains]) {
    if (!c || typeof c !== 'object' || typeof c.name !== 'string') continue;
    const hit = catalog.recognize(c);
    if (!hit) continue;
    const sim = hit.profile.simulation;
    behavior[c.name] = { startDelay: sim.startDelay, onSigterm: sim.onSigterm };
    notes.push({ container: c.name, note: `${hit.profile.displayName}: serves after ${sim.startDelay} (catalog default)` });
    if (NEEDED_ROLES.includes(hit.profile.role)) needed.push(c.name);
  }
  const jobLike = o.lifetime === 'run-to-completion' || spec.restartPolicy === 'Never' || spec.restartPolicy === 'OnFailure';
  for (const c of mains) {
    if (!c || typeof c !== 'object' || typeof c.name !== 'string' || behavior[c.name]) continue;
    const b: Record<string, unknown> = {};
    const given = o.behaviors?.[c.name] ?? {};
    if (jobLike && given['run'] === undefined) { b['run'] = DEFAULT_JOB_RUN; notes.push({ container: c.name, note: `runs ${DEFAULT_JOB_RUN}, then exits 0 (assumed; set --behavior ${c.name}=run:...)` }); }
    const deps = needed.filter((n) => n !== c.name);
    if (deps.length && given['needs'] === undefined) { b['needs'] = deps; notes.push({ container: c.name, note: `needs ${deps.join(', ')} at start (assumed from the catalog role)` }); }
    behavior[c.name] = b;
  }
  for (const [name, raw] of Object.entries(o.behaviors ?? {})) behavior[name] = { ...(behavior[name] ?? {}), ...raw };
  const raw = {
    apiVersion: 'sidecarctl.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name: o.name ?? metadata?.name ?? 'pod' },
    kubernetesVersion: o.kubernetesVersion,
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name: metadata?.name ?? 'pod' }, spec },
    behavior,
    ...(o.observeFor ? { observeFor: o.observeFor } : {}),
  };
  return { ...validateScenario(raw), notes };
}

/** Picks one pod template: by index, or the only one containing `container`, or the only one. */
export function choosePod(choices: readonly PodChoice[], sel: { podIndex?: number; container?: string }): PodChoice {
  if (choices.length === 0) throw new ScenarioError([{ path: '', message: 'no pod template found (expected a Scenario, or a Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob, ...)' }]);
  const list = choices.map((c, i) => `  ${i}: ${c.label} (${[...(c.site.spec.initContainers ?? []), ...(c.site.spec.containers ?? [])].map((x) => x.name).join(', ')})`).join('\n');
  if (sel.podIndex !== undefined) {
    const c = choices[sel.podIndex];
    if (!c) throw new ScenarioError([{ path: '--pod-index', message: `${sel.podIndex} is out of range; pod templates:\n${list}` }]);
    return c;
  }
  if (sel.container !== undefined) {
    const hits = choices.filter((c) => [...(c.site.spec.initContainers ?? []), ...(c.site.spec.containers ?? [])].some((x) => x.name === sel.container));
    if (hits.length === 1) return hits[0]!;
    throw new ScenarioError([{ path: '--container', message: hits.length === 0 ? `no pod template has a container named "${sel.container}"; pod templates:\n${list}` : `several pod templates have a container named "${sel.container}"; use --pod-index:\n${list}` }]);
  }
  if (choices.length > 1) throw new ScenarioError([{ path: '', message: `${choices.length} pod templates in the input; choose one with --pod-index N or --container NAME:\n${list}` }]);
  return choices[0]!;
}
