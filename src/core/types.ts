// Types of the pure core. Nothing here does I/O: the CLI, the webhook and the reaper adapt
// these values to files, HTTP and the Kubernetes API.
import type { Container, ContainerPort, EnvVar, PodSpec, Probe } from 'kubernetes-types/core/v1';

export type { Container, ContainerPort, EnvVar, PodSpec, Probe };

/** Finding categories: the fixed vocabulary of ../shared/spec/findings-format.md. */
export const CATEGORIES = [
  'startup-race',
  'job-never-completes',
  'shutdown-order',
  'missing-startup-probe',
  'broken-probe',
  'removable-workaround',
  'version',
  'invalid',
  'ordering',
] as const;
export type Category = (typeof CATEGORIES)[number];

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** `auto`: `sidecarctl fix` changes it; `manual`: a person must decide; `none`: nothing to change. */
export type FixStatus = 'auto' | 'manual' | 'none';

/** A path into a YAML document's data, e.g. `['spec','template','spec','containers',1]`. */
export type Path = readonly (string | number)[];

/** Which list of the pod spec a container sits in. */
export type ContainerList = 'containers' | 'initContainers';

export interface ContainerRef {
  readonly name: string;
  readonly list: ContainerList;
  readonly index: number;
}

/** A finding as the pure core produces it; adapters add file/line/column. */
export interface Finding {
  readonly rule: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly message: string;
  readonly fix: FixStatus;
  /** Container the finding is about (absent for pod-level findings). */
  readonly container?: string;
  /** Where in the document the finding points (container, or a field of it). */
  readonly path: Path;
  /**
   * Simulated evidence (`lint --explain`): what the kubelet model says happens as written and
   * after `fix`, e.g. "app started at 0.6 s, proxy serves at 3.0 s".
   */
  readonly evidence?: { readonly before: string; readonly after?: string };
}

/**
 * One edit of a pod spec, the unit every adapter understands (YAML text edit, JSON Patch,
 * in-memory apply). Containers are addressed by name: names are unique across a pod's
 * init and regular containers (API validation), and names survive moves.
 */
export type Change =
  | { readonly kind: 'move-to-init'; readonly container: string; /** index in the final initContainers list */ readonly index: number; readonly rule: string; readonly reason: string }
  | { readonly kind: 'set-field'; readonly container: string; readonly field: 'restartPolicy' | 'startupProbe' | 'livenessProbe'; readonly value: unknown; readonly rule: string; readonly reason: string }
  | { readonly kind: 'add-args'; readonly container: string; readonly args: readonly string[]; readonly rule: string; readonly reason: string }
  | { readonly kind: 'replace-arg'; readonly container: string; readonly index: number; readonly value: string; readonly inCommand: boolean; readonly rule: string; readonly reason: string }
  | { readonly kind: 'set-env'; readonly container: string; readonly env: EnvVar; readonly rule: string; readonly reason: string }
  | { readonly kind: 'add-port'; readonly container: string; readonly port: ContainerPort; readonly rule: string; readonly reason: string }
  | { readonly kind: 'remove-container'; readonly container: string; readonly rule: string; readonly reason: string };

export type ChangeKind = Change['kind'];

/** A parsed Kubernetes version (`1.29`, `v1.30.3`). `patch` is undefined when not given. */
export interface KubeVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch?: number;
}
