// From a live Pod object to the reaper's trimmed view: which regular containers are sidecars
// (annotations people already use, and the catalog when enabled), how each can be stopped, and
// the current run of every regular container. Applied at ingest (so the cache holds ≈1 KiB per
// pod instead of the ≈10 KiB object) and again to the fresh pod read before acting. Pure.
import { createHash } from 'node:crypto';
import type { Container, Pod, PodSpec } from 'kubernetes-types/core/v1';
import type { Catalog } from '../catalog/types';
import { createCatalog } from '../catalog/index';
import { buildPodModel, MAIN_LIST_ANNOTATION, SIDECAR_LIST_ANNOTATIONS, type ContainerInfo } from '../core/pod-model';
import type { PodSite } from '../core/workloads';
import { parseRecord, RECORD_ANNOTATION, signalFor, SIGNAL_ANNOTATION, type SignalName } from './record';
import type { ContainerRun, PodView, ReaperRecord, RestartPolicy, SidecarPlan, StopStep } from './types';

export interface ViewOptions {
  /** The catalog for recognition and stop facts (always used for facts of listed sidecars). */
  readonly catalog: Catalog;
  /** Also treat catalog-recognised containers as sidecars when no annotation lists them. */
  readonly catalogSidecars: boolean;
  /** Signal for the `kill` step when the pod does not say (`--signal`). */
  readonly defaultSignal: SignalName;
  /** Annotations that must be present with these values (client-side annotation selector). */
  readonly annotationSelector?: Readonly<Record<string, string>>;
}

const EMPTY_CATALOG = createCatalog([]);

export type ViewResult =
  | { readonly kind: 'view'; readonly view: PodView }
  /** Not a pod the reaper handles (no sidecar in `containers`, no main, not selected). */
  | { readonly kind: 'ignored'; readonly reason: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const [k, s] of Object.entries(v)) if (typeof s === 'string') out[k] = s;
  return out;
}

function ms(t: unknown): number | undefined {
  if (typeof t !== 'string') return undefined;
  const n = Date.parse(t);
  return Number.isFinite(n) ? n : undefined;
}

function runOf(name: string, st: unknown): ContainerRun {
  if (!isRecord(st) || !isRecord(st.state)) return { name, state: 'unknown' };
  const id = typeof st.containerID === 'string' && st.containerID ? st.containerID : undefined;
  const s = st.state;
  if (isRecord(s.running)) return { name, state: 'running', ...(id ? { id } : {}) };
  if (isRecord(s.terminated)) {
    const t = s.terminated;
    const finishedAt = ms(t.finishedAt);
    const tid = typeof t.containerID === 'string' && t.containerID ? t.containerID : id;
    return {
      name,
      state: 'terminated',
      ...(tid ? { id: tid } : {}),
      ...(typeof t.exitCode === 'number' ? { exitCode: t.exitCode } : {}),
      ...(typeof t.reason === 'string' ? { reason: t.reason } : {}),
      ...(finishedAt !== undefined ? { finishedAt } : {}),
    };
  }
  if (isRecord(s.waiting)) return { name, state: 'waiting', ...(typeof s.waiting.reason === 'string' ? { reason: s.waiting.reason } : {}) };
  return { name, state: 'unknown' };
}

/** How to stop one sidecar, most preferred first: its own HTTP shutdown endpoint when the reaper can
 *  reach it (not loopback-only), its own stop command (no shell needed), then `kill` by shell
 *  unless the image is known to have none. */
export function stopSteps(info: ContainerInfo, catalog: Catalog, signal: SignalName): StopStep[] {
  const steps: StopStep[] = [];
  const r = catalog.recognize(info.container);
  const facts = r ? r.profile.inspect(info.container, r.recognition) : undefined;
  const sd = facts?.shutdown;
  const who = r?.profile.displayName;
  // Istio's and Linkerd's endpoints answer 403 to non-loopback clients (catalog facts): only
  // endpoints bound for the pod network are called from outside the pod.
  if (sd?.httpShutdown?.enabled && !sd.httpShutdown.localhostOnly) {
    const h = sd.httpShutdown;
    steps.push({ kind: 'http', port: h.port, path: h.path, method: h.method, source: `${who} ${h.method} :${h.port}${h.path}` });
  }
  if (sd?.shutdownCommand?.length) steps.push({ kind: 'exec', command: sd.shutdownCommand, source: `${who} \`${sd.shutdownCommand.join(' ')}\`` });
  const shell = r?.profile.imageHasShell?.(info.container);
  if (shell !== false) steps.push({ kind: 'signal', signal, source: `kill -s ${signal} 1 in the container${who ? ` (${who})` : ''}` });
  return steps;
}

/** What a pod's *template* decides: which containers are sidecars, how each stops, which are the
 *  mains. Pods of one owner (a Job's, a CronJob's) share it, so it is computed once per template
 *  and shared by reference between their views. */
type Template =
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'plan'; readonly restartPolicy: RestartPolicy; readonly names: readonly string[]; readonly mains: readonly string[]; readonly sidecars: readonly SidecarPlan[]; readonly signalError: string };

/**
 * Templates by a hash of what recognition reads (the containers, init containers, restart policy,
 * the sidecar/main list annotations and the stop-signal annotation), plus an interner for strings
 * many pods repeat (namespaces, phases). Bounded; owned by one reaper (no module state).
 *
 * Why: recognition (buildPodModel, catalog inspection) costs ≈0.1 ms per pod and allocates the
 * step plans; per pod, 10k pods held ≈8 KiB each (measured in the first round). Shared plans
 * leave only the pod's own facts per view (ADR 0010).
 */
export class ViewCache {
  private readonly templates = new Map<string, Template>();
  private readonly strings = new Map<string, string>();
  hits = 0;
  misses = 0;

  constructor(private readonly max = 4096) {}

  get size(): number {
    return this.templates.size;
  }

  template(key: string, make: () => Template): Template {
    const t = this.templates.get(key);
    if (t) {
      this.hits++;
      return t;
    }
    this.misses++;
    const made = make();
    // Insertion-ordered Map: drop the oldest template when full (its pods keep their reference).
    if (this.templates.size >= this.max) this.templates.delete(this.templates.keys().next().value!);
    this.templates.set(key, made);
    return made;
  }

  intern(s: string): string {
    const v = this.strings.get(s);
    if (v !== undefined) return v;
    if (this.strings.size >= this.max) this.strings.clear();
    this.strings.set(s, s);
    return s;
  }
}

function templateKey(spec: Record<string, unknown>, annotations: Record<string, string>): string {
  const lists = [...SIDECAR_LIST_ANNOTATIONS, MAIN_LIST_ANNOTATION, SIGNAL_ANNOTATION].map((k) => annotations[k] ?? null);
  return createHash('sha1').update(JSON.stringify([spec.containers ?? null, spec.initContainers ?? null, spec.restartPolicy ?? null, lists])).digest('base64');
}

function makeTemplate(spec: PodSpec, annotations: Record<string, string>, o: ViewOptions, listedAny: boolean): Template {
  const containers = Array.isArray(spec.containers) ? spec.containers.filter((c): c is Container => isRecord(c) && typeof c.name === 'string') : [];
  if (containers.length < 2) return { kind: 'ignored', reason: 'fewer than two containers' };
  const rp = spec.restartPolicy;
  const restartPolicy: RestartPolicy = rp === 'Never' || rp === 'OnFailure' ? rp : 'Always';
  const site: PodSite = {
    // Shared by every pod of the template: nothing of this pod's identity goes in.
    object: { apiVersion: 'v1', kind: 'Pod', namespace: null, name: null },
    podPath: ['spec'],
    metadataPath: ['metadata'],
    spec: { ...spec, containers },
    annotations,
    objectAnnotations: annotations,
    lifetime: restartPolicy === 'Always' ? 'long-running' : 'run-to-completion',
    lifetimeReason: `Pod with restartPolicy ${restartPolicy}`,
  };
  // Which containers the annotations name: the pod model with an empty catalog attributes every
  // listed container to its annotation (with the catalog, a listed proxy is attributed to its profile).
  const listed = new Set(
    listedAny
      ? buildPodModel(site, EMPTY_CATALOG).containers.filter((c) => c.ref.list === 'containers' && c.sidecar?.source === 'annotation').map((c) => c.ref.name)
      : [],
  );
  const model = buildPodModel(site, o.catalog);
  const sidecars: SidecarPlan[] = [];
  const mains: string[] = [];
  const errors: string[] = [];
  for (const info of model.containers) {
    if (info.ref.list !== 'containers') continue;
    const byCatalog = o.catalogSidecars && info.role === 'sidecar' && info.sidecar?.source === 'catalog';
    if (listed.has(info.ref.name) || byCatalog) {
      const sig = signalFor(annotations[SIGNAL_ANNOTATION], info.ref.name);
      if (sig.error) errors.push(sig.error);
      const evidence = listed.has(info.ref.name) ? `listed in an annotation${info.sidecar?.profile ? `; ${info.sidecar.profile.displayName}` : ''}` : info.sidecar!.evidence;
      sidecars.push({ name: info.ref.name, evidence, steps: stopSteps(info, o.catalog, sig.signal ?? o.defaultSignal) });
    } else mains.push(info.ref.name);
  }
  if (!sidecars.length) return { kind: 'ignored', reason: 'no sidecar in containers' };
  if (!mains.length) return { kind: 'ignored', reason: 'every container is a sidecar: no work to wait for' };
  return { kind: 'plan', restartPolicy, names: containers.map((c) => c.name), mains, sidecars, signalError: errors.join('; ') };
}

const EMPTY_RECORD: ReaperRecord = Object.freeze({});

/** The pod as the reaper sees it, or why it is ignored. Never throws on malformed input.
 *  With `cache`, recognition runs once per pod template and repeated strings are shared. */
export function viewPod(pod: unknown, o: ViewOptions, cache?: ViewCache): ViewResult {
  if (!isRecord(pod) || !isRecord(pod.metadata) || !isRecord(pod.spec)) return { kind: 'ignored', reason: 'not a pod object' };
  const md = pod.metadata;
  const annotations = stringMap(md.annotations);
  if (o.annotationSelector) {
    for (const [k, v] of Object.entries(o.annotationSelector)) if (annotations[k] !== v) return { kind: 'ignored', reason: `annotation ${k} is not "${v}"` };
  }
  const listedAny = SIDECAR_LIST_ANNOTATIONS.some((k) => annotations[k]) || !!annotations[MAIN_LIST_ANNOTATION];
  // Cheap exit for the common case: most pods in a cluster are not the reaper's business.
  if (!listedAny && !o.catalogSidecars) return { kind: 'ignored', reason: 'no sidecar annotation' };
  const spec = pod.spec as unknown as PodSpec;
  const t = cache
    ? cache.template(templateKey(pod.spec, annotations), () => makeTemplate(spec, annotations, o, listedAny))
    : makeTemplate(spec, annotations, o, listedAny);
  if (t.kind === 'ignored') return t;
  const status = isRecord(pod.status) ? pod.status : {};
  const statuses = new Map<string, unknown>();
  if (Array.isArray(status.containerStatuses)) for (const s of status.containerStatuses) if (isRecord(s) && typeof s.name === 'string') statuses.set(s.name, s);
  // Container names come from the shared template, not from this pod's parsed JSON.
  const runs = t.names.map((name) => runOf(name, statuses.get(name)));
  const recText = annotations[RECORD_ANNOTATION];
  const rec = recText === undefined ? { record: EMPTY_RECORD } : parseRecord(recText);
  const annotationError = [rec.error, t.signalError].filter(Boolean).join('; ');
  const intern = (s: string) => (cache ? cache.intern(s) : s);
  // One object shape for every view (no optional keys added or left out), holding only the pod's own facts.
  const view: PodView = {
    namespace: intern(String(md.namespace ?? '')),
    name: String(md.name ?? ''),
    uid: String(md.uid ?? ''),
    resourceVersion: String(md.resourceVersion ?? ''),
    phase: intern(typeof status.phase === 'string' ? status.phase : 'Unknown'),
    deleting: typeof md.deletionTimestamp === 'string',
    restartPolicy: t.restartPolicy,
    podIP: typeof status.podIP === 'string' && status.podIP ? status.podIP : undefined,
    mains: t.mains,
    sidecars: t.sidecars,
    runs,
    record: rec.record,
    annotationError: annotationError || undefined,
  };
  return { kind: 'view', view };
}

export type { Pod };
