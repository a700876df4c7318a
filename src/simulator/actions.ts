// How probes and lifecycle hooks of the pod spec turn out, read from the spec itself as
// ../shared/spec/scenario-format.md describes: exec commands are interpreted, network probes
// pass while the process serves, and `probes:` overrides win.
import type { LifecycleHandler, Probe } from 'kubernetes-types/core/v1';
import type { DurationMs, ProbeOverride } from '../scenario/index';
import { isShellProgram } from '../catalog/flags';

/** What an exec command does, as far as the model cares. */
export type CommandEffect =
  | { readonly kind: 'serving' }                 // `test -f started` and anything unknown: passes once started
  | { readonly kind: 'pass' }                    // true, /bin/true, exit 0
  | { readonly kind: 'fail'; readonly code: number } // false, exit N
  | { readonly kind: 'sleep'; readonly ms: DurationMs }; // sleep N: takes N s, then passes

export function commandEffect(command: readonly string[] | undefined): CommandEffect {
  if (!command || command.length === 0) return { kind: 'serving' };
  let script = command.join(' ');
  if (command.length >= 3 && isShellProgram(command[0]!) && command[1] === '-c') script = command.slice(2).join(' ');
  const s = script.trim().replace(/;$/, '').trim();
  if (s === 'true' || s === '/bin/true' || s === ':' || s === 'exit 0') return { kind: 'pass' };
  if (s === 'false' || s === '/bin/false') return { kind: 'fail', code: 1 };
  let m = /^exit\s+(\d+)$/.exec(s);
  if (m) return Number(m[1]) === 0 ? { kind: 'pass' } : { kind: 'fail', code: Number(m[1]) };
  m = /^(?:\/bin\/)?sleep\s+(\d+(?:\.\d+)?)$/.exec(s);
  if (m) return { kind: 'sleep', ms: Math.round(Number(m[1]) * 1000) };
  return { kind: 'serving' };
}

export interface HookModel {
  /** How long the handler runs. */
  readonly durationMs: DurationMs;
  /** Whether it fails (FailedPostStartHook / FailedPreStopHook). */
  readonly fails: boolean;
}

/** `sleep.seconds`, exec `sleep N`, exec `exit N` (fails at once); anything else returns at once. */
export function hookModel(h: LifecycleHandler | undefined): HookModel | undefined {
  if (!h) return undefined;
  if (h.sleep) return { durationMs: Math.max(0, h.sleep.seconds) * 1000, fails: false };
  if (h.exec) {
    const e = commandEffect(h.exec.command);
    if (e.kind === 'sleep') return { durationMs: e.ms, fails: false };
    if (e.kind === 'fail') return { durationMs: 0, fails: true };
    return { durationMs: 0, fails: false };
  }
  return { durationMs: 0, fails: false };
}

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

/** A probe with the API defaults filled in (core/v1 Probe). */
export interface ProbeModel {
  readonly kind: ProbeKind;
  readonly initialDelayS: number;
  readonly periodMs: DurationMs;
  readonly timeoutMs: DurationMs;
  readonly successThreshold: number;
  readonly failureThreshold: number;
  /** probe-level terminationGracePeriodSeconds (liveness/startup kills) */
  readonly terminationGracePeriodS?: number;
  readonly effect: CommandEffect | { readonly kind: 'network' };
  readonly override?: ProbeOverride;
}

export function probeModel(kind: ProbeKind, p: Probe | undefined, override: ProbeOverride | undefined): ProbeModel | undefined {
  if (!p) return undefined;
  const base = {
    kind,
    initialDelayS: p.initialDelaySeconds ?? 0,
    periodMs: (p.periodSeconds ?? 10) * 1000,
    timeoutMs: (p.timeoutSeconds ?? 1) * 1000,
    successThreshold: p.successThreshold ?? 1,
    failureThreshold: p.failureThreshold ?? 3,
    effect: p.exec ? commandEffect(p.exec.command) : { kind: 'network' as const },
  };
  return {
    ...base,
    ...(p.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodS: p.terminationGracePeriodSeconds } : {}),
    ...(override ? { override } : {}),
  };
}

/**
 * Outcome of one probe execution: pass/fail and how long it took.
 * `serving`: the process is past its startDelay and running; `sinceRunStartMs` for `fail-after`.
 */
export function probeOutcome(m: ProbeModel, serving: boolean, sinceRunStartMs: number): { pass: boolean; durationMs: number } {
  const o = m.override;
  if (o) {
    if (o.kind === 'pass') return { pass: true, durationMs: 0 };
    if (o.kind === 'fail') return { pass: false, durationMs: 0 };
    return { pass: sinceRunStartMs < o.after, durationMs: 0 };
  }
  const e = m.effect;
  switch (e.kind) {
    case 'network': case 'serving': return { pass: serving, durationMs: 0 };
    case 'pass': return { pass: true, durationMs: 0 };
    case 'fail': return { pass: false, durationMs: 0 };
    case 'sleep': return e.ms >= m.timeoutMs ? { pass: false, durationMs: m.timeoutMs } : { pass: true, durationMs: e.ms };
  }
}
