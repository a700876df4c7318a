// Types of scenario files and of the result format (../shared/spec/scenario-format.md).
// Field names follow the spec exactly; additions are optional and marked as extensions.
import type { Pod } from 'kubernetes-types/core/v1';
import type { DurationMs } from './duration';

export type { Pod };

export const SCENARIO_API_VERSION = 'sidecarctl.dev/v1alpha1';
export const SCENARIO_KIND = 'Scenario';

/** What the kubelet model defaults to when a scenario names no version (current semantics). */
export const DEFAULT_SCENARIO_KUBERNETES_VERSION = '1.33';

/** Default `observeFor` (spec: 2m). */
export const DEFAULT_OBSERVE_FOR_MS: DurationMs = 120_000;

/** Default exit code of an app whose `needs` are not met when it starts. */
export const DEFAULT_NEEDS_FAIL_EXIT_CODE = 1;

/** `onSigterm`: wait `after`, then exit with `exitCode`; or ignore it (only SIGKILL ends the process). */
export type OnSigterm = { readonly after: DurationMs; readonly exitCode: number } | 'ignore';

/** How one run (one container instance) of the process behaves. */
export interface ProcessRun {
  /** From process start until it serves ("Started"). */
  readonly startDelay: DurationMs;
  /** After startDelay, how long until it exits by itself (`FOREVER` = never). */
  readonly run: DurationMs;
  /** Code of a natural exit. */
  readonly exitCode: number;
  readonly onSigterm: OnSigterm;
}

/** A `runs:` entry: overrides for run N (1-based: runs[N-1]); the last entry repeats. */
export type RunOverride = Partial<ProcessRun>;

export interface ContainerBehavior extends ProcessRun {
  /** Containers this one talks to at start; if one is not serving when this one starts, it fails at once. */
  readonly needs: readonly string[];
  readonly needsFailExitCode: number;
  readonly runs: readonly RunOverride[];
}

export type ProbeKind = 'startup' | 'liveness' | 'readiness';
export const PROBE_KINDS: readonly ProbeKind[] = ['startup', 'liveness', 'readiness'];

/** `fail` | `pass` | `fail-after 10s` (passes for that long after the container's run started, then fails). */
export type ProbeOverride =
  | { readonly kind: 'fail' }
  | { readonly kind: 'pass' }
  | { readonly kind: 'fail-after'; readonly after: DurationMs };

export type ProbeOverrides = Partial<Record<ProbeKind, ProbeOverride>>;

export type ScenarioAction =
  | { readonly at: DurationMs; readonly delete: { readonly gracePeriodSeconds?: number } }
  | { readonly at: DurationMs; readonly updateImage: { readonly container: string; readonly image?: string } };

export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;
export type PodPhase = (typeof POD_PHASES)[number];

export type Assertion =
  | { readonly starts: string }
  | { readonly doesNotStart: string }
  | { readonly startsBefore: readonly [string, string] }
  | { readonly exitsBefore: readonly [string, string] }
  | { readonly runTogether: readonly [string, string] }
  | { readonly hasRestarted: string }
  | { readonly hasNotRestarted: string }
  | { readonly exitCode: { readonly container: string; readonly code: number; readonly reason?: string } }
  | { readonly needUnmet: string }
  | { readonly noNeedUnmet: string };

export const ASSERTION_KEYS = [
  'starts', 'doesNotStart', 'startsBefore', 'exitsBefore', 'runTogether',
  'hasRestarted', 'hasNotRestarted', 'exitCode', 'needUnmet', 'noNeedUnmet',
] as const;
export type AssertionKey = (typeof ASSERTION_KEYS)[number];

export interface Expect {
  readonly phase?: PodPhase;
  readonly completesWithin?: DurationMs;
  readonly assertions: readonly Assertion[];
}

export interface Scenario {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly description?: string };
  readonly kubernetesVersion: string;
  readonly pod: Pod;
  /** One entry per container of the pod (init and regular); containers absent from the file get the defaults. */
  readonly behavior: Readonly<Record<string, ContainerBehavior>>;
  readonly probes: Readonly<Record<string, ProbeOverrides>>;
  readonly observeFor: DurationMs;
  /** Sorted by `at` (stable). */
  readonly actions: readonly ScenarioAction[];
  readonly expect?: Expect;
}

// ---------------------------------------------------------------------------------------------
// Result format

export type EventType =
  | 'Starting' | 'Started' | 'Exiting' | 'Signal'
  | 'PreStopStarting' | 'PreStopExiting' | 'ProbeFailed' | 'NeedUnmet'
  /** extension: a postStart hook (it blocks the next container's start) */
  | 'PostStartStarting' | 'PostStartExiting'
  /** extension: a (re)start refused by CrashLoopBackOff; `until` is when the back-off expires */
  | 'BackOff';

export interface TimelineEvent {
  /** Seconds from pod creation. */
  readonly t: number;
  readonly container: string;
  /** 1-based run (container instance) number. */
  readonly run: number;
  readonly type: EventType;
  readonly exitCode?: number;
  readonly signal?: 'SIGTERM' | 'SIGKILL';
  readonly probe?: ProbeKind;
  /** extension, on NeedUnmet: the containers that were not serving */
  readonly unmet?: readonly string[];
  /** extension, on BackOff: seconds from pod creation when the back-off expires */
  readonly until?: number;
  /** extension: why (e.g. `Killing` reason on a Signal, a hook's failure) */
  readonly reason?: string;
}

export interface ReadyChange { readonly t: number; readonly ready: boolean }

export interface ContainerOutcome {
  readonly restarts: number;
  readonly exitCode?: number;
  readonly reason?: string;
}

export interface AssertionResult {
  /** The assertion as written; `{phase: X}` and `{completesWithin: "10s"}` are reported here too. */
  readonly assertion: Readonly<Record<string, unknown>>;
  readonly holds: boolean;
  /** extension: why it fails (or what was observed) */
  readonly detail?: string;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly kubernetesVersion: string;
  readonly events: readonly TimelineEvent[];
  readonly phase: PodPhase;
  /** Seconds at which the pod reached a terminal phase, `null` if it never did. */
  readonly completedAt: number | null;
  readonly ready: readonly ReadyChange[];
  readonly containers: Readonly<Record<string, ContainerOutcome>>;
  readonly assertions: readonly AssertionResult[];
}

/** Reason of a container's exit as the kubelet reports it. */
export function exitReason(code: number): 'Completed' | 'Error' {
  return code === 0 ? 'Completed' : 'Error';
}
