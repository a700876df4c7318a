// Version facts the rules and the planner depend on. Each threshold cites its source.
import type { KubeVersion } from './types';

/** The newest minor release the rules know; the default target. */
export const DEFAULT_KUBE_VERSION: KubeVersion = { major: 1, minor: 36 };

export function parseKubeVersion(text: string): KubeVersion | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/.exec(text.trim());
  if (!m) return undefined;
  const v: KubeVersion = { major: Number(m[1]), minor: Number(m[2]) };
  return m[3] === undefined ? v : { major: v.major, minor: v.minor, patch: Number(m[3]) };
}

export function formatKubeVersion(v: KubeVersion): string {
  return v.patch === undefined ? `${v.major}.${v.minor}` : `${v.major}.${v.minor}.${v.patch}`;
}

/** Compares minor versions (patch ignored). */
export function minorAtLeast(v: KubeVersion, minor: number): boolean {
  return v.major > 1 || (v.major === 1 && v.minor >= minor);
}

/**
 * Native sidecars (KEP-753): alpha in 1.28 behind the SidecarContainers gate (off by default),
 * beta and on by default from 1.29, GA in 1.33. A 1.27 or older apiserver drops the unknown
 * `restartPolicy` field of init containers, turning the sidecar into a blocking init container.
 */
export type NativeSidecarSupport = 'none' | 'alpha-gate' | 'supported';
export function nativeSidecarSupport(v: KubeVersion): NativeSidecarSupport {
  if (minorAtLeast(v, 29)) return 'supported';
  if (minorAtLeast(v, 28)) return 'alpha-gate';
  return 'none';
}

/**
 * kubernetes/kubernetes#125880: with several native sidecars, an earlier sidecar got no SIGTERM
 * until the grace period ran out when a later one had never started. Fixed by #125935 in 1.31.0
 * and cherry-picked to 1.30.4 (#126331) and 1.29.8 (#126332).
 */
export function hasMultiSidecarTerminationFix(v: KubeVersion): boolean | 'unknown' {
  if (minorAtLeast(v, 31)) return true;
  if (!minorAtLeast(v, 29)) return true; // no ordered sidecar termination to get wrong
  const fixedPatch = v.minor === 30 ? 4 : 8;
  if (v.patch === undefined) return 'unknown';
  return v.patch >= fixedPatch;
}

/** KEP-5307 ContainerRestartRules: `restartPolicy` on regular containers and Never/OnFailure on init containers; beta (on) in 1.35. */
export function allowsContainerRestartPolicy(v: KubeVersion): boolean {
  return minorAtLeast(v, 35);
}

/** The `sleep` lifecycle action (KEP-3960): beta, on by default, in 1.30. */
export function supportsSleepAction(v: KubeVersion): boolean {
  return minorAtLeast(v, 30);
}
