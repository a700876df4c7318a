// Who the webhook acts on, and how. Pure decisions over the request's namespace, the pod's
// annotations, the server's settings and the cluster's versions; unit- and property-tested.
import { nativeSidecarSupport } from '../core/kube-version';
import type { KubeVersion } from '../core/types';

/** Per-namespace label and per-pod annotation: `enabled`, `warn` or `disabled`. */
export const OPT_KEY = 'sidecarctl.dev/webhook';
/** What the webhook did, as `rule:container` pairs (comma-separated), for people and for audits. */
export const APPLIED_ANNOTATION = 'sidecarctl.dev/webhook-applied';
/** Read by the terminator controller (src/core/pod-model.ts: SIDECAR_LIST_ANNOTATIONS). */
export const REAPER_ANNOTATION = 'sidecarctl.dev/sidecars';

export type Mode = 'fix' | 'warn';

export interface PolicySettings {
  readonly mode: Mode;
  /** Namespaces never touched: kube-system and the webhook's own (good practices: avoid kube-system). */
  readonly excludedNamespaces: ReadonlySet<string>;
  /** Below 1.29, annotate legacy sidecars of run-to-completion pods for the reaper instead of only warning. */
  readonly reaperFallback: boolean;
}

export type Decision =
  | { readonly action: 'skip'; readonly reason: string }
  | { readonly action: 'warn'; readonly reason: string }
  | { readonly action: 'fix' }
  | { readonly action: 'reaper'; readonly reason: string };

export interface ClusterVersions {
  readonly apiserver: KubeVersion;
  /** The oldest kubelet of any node (undefined: no nodes yet). */
  readonly oldestKubelet?: KubeVersion;
}

/** The version the fix must target: the oldest of the apiserver and every kubelet (Istio does the same). */
export function effectiveVersion(v: ClusterVersions): KubeVersion {
  const k = v.oldestKubelet;
  if (!k) return v.apiserver;
  const older = k.major < v.apiserver.major || (k.major === v.apiserver.major && k.minor < v.apiserver.minor);
  return older ? k : v.apiserver;
}

export function optValue(raw: string | undefined): 'enabled' | 'warn' | 'disabled' | undefined {
  if (raw === undefined) return undefined;
  const v = raw.trim().toLowerCase();
  if (v === 'enabled' || v === 'true' || v === 'on') return 'enabled';
  if (v === 'warn') return 'warn';
  if (v === 'disabled' || v === 'false' || v === 'off') return 'disabled';
  return undefined;
}

export function decide(input: {
  readonly namespace: string;
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly settings: PolicySettings;
  /** The version the fix targets (effectiveVersion), or undefined when not known yet. */
  readonly version: KubeVersion | undefined;
}): Decision {
  const { namespace, podAnnotations, settings, version } = input;
  if (settings.excludedNamespaces.has(namespace)) return { action: 'skip', reason: `namespace ${namespace} is never mutated` };
  const opt = optValue(podAnnotations[OPT_KEY]);
  // Opting out always wins, whatever the namespace says (the webhook configuration's
  // matchConditions already skip such pods; this is the same rule on the server side).
  if (opt === 'disabled') return { action: 'skip', reason: `pod annotation ${OPT_KEY}: disabled` };
  if (!version) return { action: 'warn', reason: 'cluster versions not known yet: nothing changed' };
  if (settings.mode === 'warn' || opt === 'warn') return { action: 'warn', reason: 'warn mode: nothing changed' };
  if (nativeSidecarSupport(version) !== 'supported') {
    return settings.reaperFallback
      ? { action: 'reaper', reason: `a node or the apiserver runs ${version.major}.${version.minor} (< 1.29): native sidecars unavailable` }
      : { action: 'warn', reason: `a node or the apiserver runs ${version.major}.${version.minor} (< 1.29): native sidecars unavailable` };
  }
  return { action: 'fix' };
}
