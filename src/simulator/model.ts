// Named parameters of the kubelet model and the version toggles. Every number here is a
// property of the kubelet (or of the container runtime), not of any scenario file.
import type { DurationMs } from '../scenario/index';

export interface KubeletModel {
  /**
   * Generic PLEG relist period (pkg/kubelet/pleg/generic.go, `genericPlegRelistPeriod` = 1 s).
   * The kubelet learns that a container started or exited only at the next relist, and a pod
   * worker only syncs once its status cache is newer than its previous sync
   * (pod_workers.go, `podCache.GetNewerThan`). Syncs therefore run on relist ticks
   * (multiples of this period from pod creation) or right after a probe result changed.
   * This produces the ≈1 s gap between "init container exited" and "next container Starting"
   * seen in the node e2e logs.
   */
  readonly plegRelistPeriodMs: DurationMs;
  /**
   * CRI CreateContainer + StartContainer for an image already present: from the sync's
   * decision to the process running. Starts within one sync are sequential.
   */
  readonly containerStartMs: DurationMs;
  /**
   * RunPodSandbox (pause container, network) before the first container of the pod can start.
   * Measured on the harness cluster: first `Starting` 0.45–0.85 s after the Pod was created.
   */
  readonly podSandboxMs: DurationMs;
  /**
   * After a sync that failed (e.g. a start refused with CrashLoopBackOff) the pod worker
   * requeues the pod after this period (pod_workers.go `backOffPeriod`, 10 s, jittered by up to
   * +50 %; 11 s stays deterministic). From 1.35 a back-off requeues at its expiry instead
   * (VersionFeatures.requeueAtBackoffExpiry).
   */
  readonly podWorkerBackOffMs: DurationMs;
  /** CrashLoopBackOff (kubelet.go `backOffPeriod`/`MaxContainerBackOff`, flowcontrol.Backoff). */
  readonly crashLoopInitialMs: DurationMs;
  readonly crashLoopMaxMs: DurationMs;
  /** killContainer's `minimumGracePeriodInSeconds` (kuberuntime_container.go): 2 s. */
  readonly minimumGracePeriodS: number;
  /** Pod terminationGracePeriodSeconds when the spec has none (API default). */
  readonly defaultTerminationGracePeriodS: number;
}

export const DEFAULT_MODEL: KubeletModel = {
  plegRelistPeriodMs: 1000,
  containerStartMs: 100,
  podSandboxMs: 500,
  podWorkerBackOffMs: 11_000,
  crashLoopInitialMs: 10_000,
  crashLoopMaxMs: 300_000,
  minimumGracePeriodS: 2,
  defaultTerminationGracePeriodS: 30,
};

export interface KubeVersion { readonly major: number; readonly minor: number; readonly patch?: number }

export function parseVersion(text: string): KubeVersion | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  return m[3] === undefined ? { major: Number(m[1]), minor: Number(m[2]) } : { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/** Behaviour switches derived from the modelled kubelet version. */
export interface VersionFeatures {
  /**
   * KEP-753: < 1.28 the API server drops the unknown `restartPolicy` of init containers, so a
   * "sidecar" is a regular init container that blocks initialization.
   */
  readonly nativeSidecars: boolean;
  /**
   * Ordered termination of sidecars (PR #120620, 1.29): sidecars get their stop signal only after
   * every main container and every later sidecar stopped. 1.28 alpha: all containers at once.
   */
  readonly orderedTermination: boolean;
  /**
   * #125880 fixed by PR #125935 (1.31.0), cherry-picked to 1.30.4 (#126331) and 1.29.8 (#126332):
   * without the fix, a sidecar waits (until the grace period runs out) for a later init
   * container that is not running. A version without a patch number is read as the newest
   * patch of its minor release.
   */
  readonly terminationIgnoresNotRunning: boolean;
  /** PR #126525 (≈1.32): a running sidecar whose image changed is restarted. */
  readonly sidecarRestartOnImageChange: boolean;
  /**
   * PR #133066 (1.35): a sync refused by CrashLoopBackOff requeues the pod at the back-off's
   * expiry instead of after the pod worker's fixed 10 s backOffPeriod (kubernetes#123602).
   */
  readonly requeueAtBackoffExpiry: boolean;
}

export function versionFeatures(text: string): VersionFeatures {
  const v = parseVersion(text) ?? { major: 1, minor: 33 };
  const minor = v.major > 1 ? 99 : v.minor;
  const fixedPatch = minor === 29 ? 8 : minor === 30 ? 4 : 0;
  return {
    nativeSidecars: minor >= 28,
    orderedTermination: minor >= 29,
    terminationIgnoresNotRunning: minor >= 31 || (minor >= 29 && (v.patch === undefined || v.patch >= fixedPatch)),
    sidecarRestartOnImageChange: minor >= 32,
    requeueAtBackoffExpiry: minor >= 35,
  };
}
