// The reaper's data model: the trimmed view of a pod it keeps (only what `decide` reads), the
// stop steps a sidecar offers, the durable record of what was done (a pod annotation), and the
// decisions. Pure types, no I/O.

/** One way to stop a sidecar, most preferred first (see `stopSteps`). */
export type StopStep =
  /** The sidecar's own HTTP shutdown endpoint, called from the reaper on the pod IP. */
  | { readonly kind: 'http'; readonly port: number; readonly path: string; readonly method: 'GET' | 'POST'; readonly source: string }
  /** The sidecar binary's own stop command run by exec (no shell needed), e.g. `cloud-sql-proxy shutdown`. */
  | { readonly kind: 'exec'; readonly command: readonly string[]; readonly source: string }
  /** `kill -s <signal> 1` by exec through the image's `/bin/sh` (needs a shell in the image). */
  | { readonly kind: 'signal'; readonly signal: string; readonly source: string };

export type StepKind = StopStep['kind'];

/** What to do when every step failed or the sidecar kept running after each. */
export type LastResort = 'event' | 'delete-pod';

export interface SidecarPlan {
  readonly name: string;
  /** How we know it is a sidecar (annotation key, catalog profile). */
  readonly evidence: string;
  readonly steps: readonly StopStep[];
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** The state of one container's current run, from `status.containerStatuses[]`. */
export interface ContainerRun {
  readonly name: string;
  readonly state: 'running' | 'waiting' | 'terminated' | 'unknown';
  /** The runtime's id of this run (`containerd://…`): a restart gets a new one. */
  readonly id?: string;
  readonly exitCode?: number;
  readonly reason?: string;
  /** `state.terminated.finishedAt` in ms since the epoch (the API gives whole seconds). */
  readonly finishedAt?: number;
}

/** What was done to one sidecar run, kept in the pod annotation `sidecarctl.dev/reaper`. */
export interface StopRecord {
  /** The container run this record is about (containerID). */
  readonly run: string;
  /** Index into the sidecar's plan steps; `steps.length` = the last resort. */
  readonly step: number;
  /** Attempt number of this step, from 1. */
  readonly attempt: number;
  /** `claimed`: an attempt is in flight (written before acting, so a crash is noticed);
   *  `sent`: the step succeeded, waiting for the container to exit; `failed`: retry with back-off;
   *  `unavailable`: the step cannot work in this container (no shell, no binary): next step;
   *  `gave-up`: the last resort ran. */
  readonly status: 'claimed' | 'sent' | 'failed' | 'unavailable' | 'gave-up';
  /** ms since the epoch of the status. */
  readonly at: number;
}

export type ReaperRecord = Readonly<Record<string, StopRecord>>;

/** The trimmed pod the reaper caches and decides on (≈1 KiB; the full object is ≈10 KiB). */
export interface PodView {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly phase: string;
  readonly deleting: boolean;
  readonly restartPolicy: RestartPolicy;
  readonly podIP?: string;
  /** Regular containers that are the pod's work. */
  readonly mains: readonly string[];
  /** Regular containers to stop once the work is done. */
  readonly sidecars: readonly SidecarPlan[];
  /** Current runs of the regular containers (mains and sidecars). */
  readonly runs: readonly ContainerRun[];
  readonly record: ReaperRecord;
  /** The record or signal annotation is unreadable: the reaper must not act blindly. */
  readonly annotationError?: string;
}

export interface DecideOptions {
  readonly now: number;
  /** After a step succeeded, how long the sidecar may take to exit before the next step. */
  readonly stopTimeoutMs: number;
  /** A `claimed` record older than this is an attempt whose process died: retry it. */
  readonly claimTimeoutMs: number;
  /** Attempts per step for retryable failures (API errors, timeouts). */
  readonly maxAttempts: number;
  /** Back-off before attempt n+1 is `min(maxBackoffMs, baseBackoffMs * 2^(n-1))`. */
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly lastResort: LastResort;
  /** Claims this process wrote (or tried to write) without performing the action, e.g. because
   *  the claim's response was lost when the API server went away. A `claimed` record equal to
   *  one of these is ours and was not acted on: act now instead of waiting for the claim to expire. */
  readonly ownClaims?: ReaperRecord;
}

export interface StopAction {
  readonly container: string;
  readonly run: string;
  readonly step: number;
  readonly attempt: number;
  /** The step to perform, or the last resort when `step === plan.steps.length`. */
  readonly what: StopStep | { readonly kind: 'last-resort'; readonly policy: LastResort; readonly why: string };
}

export type Decision =
  /** Nothing to do until the pod changes. */
  | { readonly kind: 'idle'; readonly reason: string }
  /** Nothing to do now; look again at `at` (a step's stop timeout, a back-off, a claim's expiry). */
  | { readonly kind: 'wait'; readonly reason: string; readonly at: number }
  | { readonly kind: 'act'; readonly actions: readonly StopAction[]; readonly mainsDoneAt?: number; readonly also?: { readonly reason: string; readonly at: number } };
