// Where pod specs live inside Kubernetes objects. Built-in kinds plus a registry for CRDs that
// embed a PodTemplateSpec. Pure: takes plain data (the parsed YAML), returns paths.
import type { PodSpec } from 'kubernetes-types/core/v1';
import type { Path } from './types';

/** How a pod's containers are expected to end: run to completion (Jobs) or run forever. */
export type Lifetime = 'run-to-completion' | 'long-running' | 'unknown';

export interface ObjectRef {
  readonly apiVersion: string | null;
  readonly kind: string | null;
  readonly namespace: string | null;
  readonly name: string | null;
}

export interface PodSite {
  readonly object: ObjectRef;
  /** Path from the document root to the pod spec (`['spec','template','spec']`). */
  readonly podPath: Path;
  /** Path to the pod template's (or Pod's) metadata, for annotations. */
  readonly metadataPath: Path;
  readonly spec: PodSpec;
  /** Annotations of the pod template merged over the owning object's (pod template wins). */
  readonly annotations: Readonly<Record<string, string>>;
  /** Annotations of the owning object itself (for suppressions written on a Deployment/Job). */
  readonly objectAnnotations: Readonly<Record<string, string>>;
  readonly lifetime: Lifetime;
  /** Why the lifetime is what it is, for messages ("CronJob", "Pod with restartPolicy Never"). */
  readonly lifetimeReason: string;
}

export interface SkippedObject {
  readonly object: ObjectRef;
  readonly reason: string;
}

/**
 * Where a kind keeps its pod template(s), and how its pods end. `paths` may contain `*` to
 * expand over an array (KubeRay `workerGroupSpecs[*].template`).
 */
export interface WorkloadKind {
  readonly group: string; // '' for core, 'apps', 'batch', 'argoproj.io', ...
  readonly kind: string;
  readonly templates: readonly (readonly string[])[];
  readonly lifetime: Lifetime;
}

/** Template paths point at a PodTemplateSpec (metadata + spec), or `[]` for a Pod itself. */
export const BUILTIN_WORKLOADS: readonly WorkloadKind[] = [
  { group: '', kind: 'Pod', templates: [[]], lifetime: 'unknown' },
  { group: '', kind: 'PodTemplate', templates: [['template']], lifetime: 'unknown' },
  { group: '', kind: 'ReplicationController', templates: [['spec', 'template']], lifetime: 'long-running' },
  { group: 'apps', kind: 'Deployment', templates: [['spec', 'template']], lifetime: 'long-running' },
  { group: 'apps', kind: 'ReplicaSet', templates: [['spec', 'template']], lifetime: 'long-running' },
  { group: 'apps', kind: 'StatefulSet', templates: [['spec', 'template']], lifetime: 'long-running' },
  { group: 'apps', kind: 'DaemonSet', templates: [['spec', 'template']], lifetime: 'long-running' },
  { group: 'batch', kind: 'Job', templates: [['spec', 'template']], lifetime: 'run-to-completion' },
  { group: 'batch', kind: 'CronJob', templates: [['spec', 'jobTemplate', 'spec', 'template']], lifetime: 'run-to-completion' },
];

/** CRDs that embed a PodTemplateSpec. Extend with `--workload-kind` / config `workloads:`. */
export const CRD_WORKLOADS: readonly WorkloadKind[] = [
  { group: 'argoproj.io', kind: 'Rollout', templates: [['spec', 'template']], lifetime: 'long-running' },
  { group: 'ray.io', kind: 'RayCluster', templates: [['spec', 'headGroupSpec', 'template'], ['spec', 'workerGroupSpecs', '*', 'template']], lifetime: 'long-running' },
  { group: 'ray.io', kind: 'RayService', templates: [['spec', 'rayClusterConfig', 'headGroupSpec', 'template'], ['spec', 'rayClusterConfig', 'workerGroupSpecs', '*', 'template']], lifetime: 'long-running' },
  { group: 'ray.io', kind: 'RayJob', templates: [['spec', 'rayClusterSpec', 'headGroupSpec', 'template'], ['spec', 'rayClusterSpec', 'workerGroupSpecs', '*', 'template'], ['spec', 'submitterPodTemplate']], lifetime: 'long-running' },
  { group: 'batch.volcano.sh', kind: 'Job', templates: [['spec', 'tasks', '*', 'template']], lifetime: 'run-to-completion' },
  { group: 'kubeflow.org', kind: 'PyTorchJob', templates: [['spec', 'pytorchReplicaSpecs', '*', 'template']], lifetime: 'run-to-completion' },
];

/**
 * Objects whose pods get their sidecars from an orchestrator that manages sidecar lifecycles
 * itself (Argo Workflows kills `sidecars:` when the main exits; Tekton stops them after steps).
 */
const ORCHESTRATED: readonly { group: string; kinds: readonly string[]; reason: string }[] = [
  { group: 'argoproj.io', kinds: ['Workflow', 'WorkflowTemplate', 'ClusterWorkflowTemplate', 'CronWorkflow'], reason: 'Argo Workflows manages its templates\' `sidecars:` (stopped when the main container exits)' },
  { group: 'tekton.dev', kinds: ['Task', 'TaskRun', 'ClusterTask', 'Pipeline', 'PipelineRun'], reason: 'Tekton manages `sidecars:` of a Task (stopped after the last step)' },
];

export interface WorkloadRegistry {
  readonly kinds: readonly WorkloadKind[];
}

export const defaultWorkloadRegistry: WorkloadRegistry = { kinds: [...BUILTIN_WORKLOADS, ...CRD_WORKLOADS] };

function groupOf(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(v)) return out;
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

export function objectRefOf(obj: Record<string, unknown>): ObjectRef {
  const md = isRecord(obj.metadata) ? obj.metadata : {};
  return { apiVersion: strOrNull(obj.apiVersion), kind: strOrNull(obj.kind), namespace: strOrNull(md.namespace), name: strOrNull(md.name) };
}

export function getAt(root: unknown, path: Path): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (typeof seg === 'number') cur = Array.isArray(cur) ? cur[seg] : undefined;
    else cur = isRecord(cur) ? cur[seg] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

function expand(root: unknown, pattern: readonly string[]): Path[] {
  let paths: (string | number)[][] = [[]];
  for (const seg of pattern) {
    const next: (string | number)[][] = [];
    for (const p of paths) {
      if (seg === '*') {
        const arr = getAt(root, p);
        if (Array.isArray(arr)) arr.forEach((_, i) => next.push([...p, i]));
      } else next.push([...p, seg]);
    }
    paths = next;
  }
  return paths.filter((p) => getAt(root, p) !== undefined);
}

const HELM_HOOK = 'helm.sh/hook';

function podLifetime(kind: WorkloadKind, spec: Record<string, unknown>, annotations: Record<string, string>): { lifetime: Lifetime; reason: string } {
  const rp = typeof spec.restartPolicy === 'string' ? spec.restartPolicy : 'Always';
  if (kind.lifetime === 'run-to-completion') return { lifetime: 'run-to-completion', reason: kind.kind };
  // A Helm hook pod blocks the release until it completes (seed 000: Airbyte bootloader).
  if (kind.kind === 'Pod' && annotations[HELM_HOOK]) return { lifetime: 'run-to-completion', reason: `Helm hook Pod (${annotations[HELM_HOOK]})` };
  if (kind.kind === 'Pod' || kind.kind === 'PodTemplate') {
    if (rp === 'Never' || rp === 'OnFailure') return { lifetime: 'run-to-completion', reason: `Pod with restartPolicy ${rp}` };
    return { lifetime: 'long-running', reason: `Pod with restartPolicy ${rp}` };
  }
  return { lifetime: kind.lifetime, reason: kind.kind };
}

export interface FindPodSitesResult {
  readonly sites: readonly PodSite[];
  readonly skipped: readonly SkippedObject[];
}

/**
 * Finds every pod spec in one parsed document. `kind: List` (and `*List`) items are walked
 * recursively with `items[i]` paths, as the findings contract addresses them.
 */
export function findPodSites(doc: unknown, registry: WorkloadRegistry = defaultWorkloadRegistry, base: Path = []): FindPodSitesResult {
  const sites: PodSite[] = [];
  const skipped: SkippedObject[] = [];
  if (!isRecord(doc)) return { sites, skipped };
  const kindName = typeof doc.kind === 'string' ? doc.kind : '';
  if (Array.isArray(doc.items) && (kindName === 'List' || kindName.endsWith('List'))) {
    doc.items.forEach((item, i) => {
      const r = findPodSites(item, registry, [...base, 'items', i]);
      sites.push(...r.sites);
      skipped.push(...r.skipped);
    });
    return { sites, skipped };
  }
  const group = groupOf(doc.apiVersion);
  const ref = objectRefOf(doc);
  const orchestrated = ORCHESTRATED.find((o) => o.group === group && o.kinds.includes(kindName));
  if (orchestrated) {
    skipped.push({ object: ref, reason: orchestrated.reason });
    return { sites, skipped };
  }
  const wk = registry.kinds.find((k) => k.kind === kindName && k.group === group);
  if (!wk) return { sites, skipped };
  const objectAnnotations = stringRecord(getAt(doc, ['metadata', 'annotations']));
  for (const pattern of wk.templates) {
    for (const tplPath of expand(doc, pattern)) {
      const specPath = wk.kind === 'Pod' ? ['spec'] : [...tplPath, 'spec'];
      const metadataPath = wk.kind === 'Pod' ? ['metadata'] : [...tplPath, 'metadata'];
      const spec = getAt(doc, specPath);
      if (!isRecord(spec)) continue;
      const tplAnnotations = stringRecord(getAt(doc, [...metadataPath, 'annotations']));
      const annotations = Object.assign({}, objectAnnotations, tplAnnotations); // not a leading spread: docs/adr/0012
      const { lifetime, reason } = podLifetime(wk, spec, annotations);
      sites.push({
        object: ref,
        podPath: [...base, ...specPath],
        metadataPath: [...base, ...metadataPath],
        spec: spec as unknown as PodSpec,
        annotations,
        objectAnnotations,
        lifetime,
        lifetimeReason: reason,
      });
    }
  }
  return { sites, skipped };
}
