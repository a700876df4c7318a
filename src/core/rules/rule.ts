// The shape of a lint rule. Rules are pure: they read the PodModel and the target version and
// return hits; analyze() turns hits into findings with paths, and plan() decides which of
// them `fix` can change (the finding's `fix` field says so).
import type { Category, FixStatus, KubeVersion, Path, Severity } from '../types';
import type { PodModel } from '../pod-model';

export interface RuleContext {
  readonly model: PodModel;
  readonly kubeVersion: KubeVersion;
}

export interface RuleHit {
  /** Container the hit is about; findings point at it. */
  readonly container?: string;
  /** Path relative to the container (or the pod spec when no container), e.g. `['startupProbe']`. */
  readonly subPath?: Path;
  readonly message: string;
  /** Overrides the rule's default severity for this hit. */
  readonly severity?: Severity;
  /** What fix would do if the plan contains a change for this hit: `manual` when a person must act. */
  readonly fix?: FixStatus;
}

export interface Rule {
  readonly id: string;
  readonly category: Category;
  readonly severity: Severity;
  /** Default fix status when a hit does not say. */
  readonly fix: FixStatus;
  /** One line: what the rule finds. */
  readonly summary: string;
  /** Why it matters and what `fix` does, shown by `sidecarctl explain <rule>`. */
  readonly explain: string;
  readonly links: readonly string[];
  check(ctx: RuleContext): RuleHit[];
}

export const KEP_753 = 'https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/753-sidecar-containers';
export const SIDECAR_DOCS = 'https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/';
export const CSQL_HEALTH_DOCS = 'https://github.com/GoogleCloudPlatform/cloud-sql-proxy/tree/main/examples/k8s-health-check';
