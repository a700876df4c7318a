// The reaper's decision: given a pod's view and the time, which sidecar runs to stop now and how.
// Pure (no I/O, no clock): the controller calls it on its cache to find candidates and again on a
// freshly read pod before acting.
//
// Safety invariant (property-tested): nothing is selected while any main container runs or may
// still run again. The kubelet restarts a container that exited when the pod's restartPolicy is
// Always, or OnFailure with a non-zero exit code (pkg/kubelet/kuberuntime/kuberuntime_manager.go
// computePodActions → ShouldContainerBeRestarted, pkg/kubelet/container/helpers.go), so:
//  - restartPolicy Always: never act (those pods are not run-to-completion);
//  - OnFailure: act only when every main exited 0;
//  - Never: act when every main terminated, whatever its exit code or reason (Error, OOMKilled,
//    ContainerCannotRun): prior art acted only on `Completed`/`Error` and left OOM-killed pods stuck.
// A sidecar's readiness does not matter (a NotReady sidecar still keeps the pod Running).
//
// Once per run: every action is keyed by the sidecar's containerID and recorded on the pod
// (record.ts) before it is performed; the record decides what comes next (wait for the exit,
// retry with back-off, the next step, the last resort).
import type { ContainerRun, Decision, DecideOptions, PodView, SidecarPlan, StopAction, StopRecord } from './types';

export const DEFAULT_DECIDE: Omit<DecideOptions, 'now'> = {
  stopTimeoutMs: 30_000,
  claimTimeoutMs: 60_000,
  maxAttempts: 5,
  baseBackoffMs: 1_000,
  maxBackoffMs: 30_000,
  lastResort: 'event',
};

export type Gate = { readonly ok: true; readonly mainsDoneAt?: number } | { readonly ok: false; readonly reason: string };

/** Whether the pod's work is over for good: every main container terminated and none will restart. */
export function mainsDone(view: PodView): Gate {
  if (view.deleting) return { ok: false, reason: 'the pod is being deleted: the kubelet stops every container' };
  if (view.phase !== 'Running') return { ok: false, reason: `the pod is ${view.phase}` };
  if (view.restartPolicy === 'Always') return { ok: false, reason: 'restartPolicy Always: main containers are restarted after they exit' };
  let doneAt: number | undefined;
  for (const m of view.mains) {
    const run = view.runs.find((r) => r.name === m);
    if (!run || run.state !== 'terminated') return { ok: false, reason: `main container "${m}" is ${run?.state ?? 'unknown'}` };
    if (view.restartPolicy === 'OnFailure' && run.exitCode !== 0) {
      return { ok: false, reason: `main container "${m}" exited ${run.exitCode ?? '(unknown)'} and restartPolicy OnFailure restarts it` };
    }
    if (run.finishedAt !== undefined) doneAt = Math.max(doneAt ?? run.finishedAt, run.finishedAt);
  }
  return doneAt !== undefined ? { ok: true, mainsDoneAt: doneAt } : { ok: true };
}

export function backoffMs(attempt: number, o: Pick<DecideOptions, 'baseBackoffMs' | 'maxBackoffMs'>): number {
  return Math.min(o.maxBackoffMs, o.baseBackoffMs * 2 ** Math.max(0, attempt - 1));
}

type One = { readonly action: StopAction } | { readonly wait: number; readonly reason: string } | { readonly idle: string };

function actionAt(plan: SidecarPlan, run: string, step: number, attempt: number, o: DecideOptions, why: string): One {
  if (step < plan.steps.length) return { action: { container: plan.name, run, step, attempt, what: plan.steps[step]! } };
  if (step === plan.steps.length) return { action: { container: plan.name, run, step, attempt, what: { kind: 'last-resort', policy: o.lastResort, why } } };
  return { idle: `"${plan.name}": gave up` };
}

function decideOne(plan: SidecarPlan, run: ContainerRun | undefined, rec: StopRecord | undefined, o: DecideOptions): One {
  if (!run || run.state !== 'running') return { idle: `sidecar "${plan.name}" is ${run?.state ?? 'unknown'}` };
  if (!run.id) return { idle: `sidecar "${plan.name}" has no containerID yet` };
  const noSteps = plan.steps.length === 0 ? 'no stop step is known for it' : '';
  if (!rec || rec.run !== run.id) return actionAt(plan, run.id, 0, 1, o, noSteps || 'first step');
  const next = (why: string) => actionAt(plan, run.id!, rec.step + 1, 1, o, why);
  const isLast = rec.step >= plan.steps.length;
  switch (rec.status) {
    case 'gave-up':
      return { idle: `"${plan.name}": gave up` };
    case 'claimed': {
      const own = o.ownClaims?.[plan.name];
      if (own && own.run === rec.run && own.step === rec.step && own.attempt === rec.attempt && own.at === rec.at) {
        return actionAt(plan, run.id, rec.step, rec.attempt, o, 'our own claim, not yet performed');
      }
      // An attempt was claimed but never reported: its process died (or lost leadership) mid-way.
      const t = rec.at + o.claimTimeoutMs;
      return o.now >= t ? actionAt(plan, run.id, rec.step, rec.attempt + 1, o, 'retry of an unfinished attempt') : { wait: t, reason: `"${plan.name}": an attempt is in flight` };
    }
    case 'sent': {
      if (isLast) return { idle: `"${plan.name}": the last resort ran` };
      const t = rec.at + o.stopTimeoutMs;
      return o.now >= t ? next(`still running ${Math.round(o.stopTimeoutMs / 1000)} s after ${describe(plan, rec.step)}`) : { wait: t, reason: `"${plan.name}": waiting for it to exit` };
    }
    case 'failed': {
      if (rec.attempt >= o.maxAttempts) return isLast ? { idle: `"${plan.name}": the last resort failed ${rec.attempt} times` } : next(`${describe(plan, rec.step)} failed ${rec.attempt} times`);
      const t = rec.at + backoffMs(rec.attempt, o);
      return o.now >= t ? actionAt(plan, run.id, rec.step, rec.attempt + 1, o, 'retry') : { wait: t, reason: `"${plan.name}": back-off after a failed attempt` };
    }
    case 'unavailable':
      return isLast ? { idle: `"${plan.name}": the last resort is unavailable` } : next(`${describe(plan, rec.step)} is not possible in this container`);
  }
}

function describe(plan: SidecarPlan, step: number): string {
  const s = plan.steps[step];
  return s ? s.source : 'the last resort';
}

export function decide(view: PodView, o: DecideOptions): Decision {
  const gate = mainsDone(view);
  if (!gate.ok) return { kind: 'idle', reason: gate.reason };
  if (view.annotationError) return { kind: 'idle', reason: `cannot act: ${view.annotationError}` };
  const actions: StopAction[] = [];
  let wait: { at: number; reason: string } | undefined;
  const idle: string[] = [];
  for (const plan of view.sidecars) {
    const one = decideOne(plan, view.runs.find((r) => r.name === plan.name), view.record[plan.name], o);
    if ('action' in one) actions.push(one.action);
    else if ('wait' in one) {
      if (!wait || one.wait < wait.at) wait = { at: one.wait, reason: one.reason };
    } else idle.push(one.idle);
  }
  const doneAt = gate.mainsDoneAt !== undefined ? { mainsDoneAt: gate.mainsDoneAt } : {};
  if (actions.length) return { kind: 'act', actions, ...doneAt, ...(wait ? { also: wait } : {}) };
  if (wait) return { kind: 'wait', reason: wait.reason, at: wait.at };
  return { kind: 'idle', reason: idle.join('; ') || 'nothing to stop' };
}

/** The record an action leaves once it has been performed with `outcome`. */
export function recordAfter(a: StopAction, status: StopRecord['status'], at: number): StopRecord {
  return { run: a.run, step: a.step, attempt: a.attempt, status, at };
}
