// The event-driven kubelet model. One `PodSimulation` instance simulates one pod on a virtual
// clock (`now`, in integer milliseconds): a priority queue of timed events, no wall clock, no
// I/O, no shared state between instances. Comments name the kubelet function each rule follows
// (kubernetes/kubernetes pkg/kubelet/...), as read in ../shared/research/kubelet-semantics.md.
import type { Container } from 'kubernetes-types/core/v1';
import {
  behaviorForRun, exitReason, msToSeconds,
  type ContainerOutcome, type PodPhase, type ReadyChange, type Scenario, type TimelineEvent,
} from '../scenario/index';
import { hookModel, probeModel, probeOutcome, type HookModel, type ProbeKind, type ProbeModel } from './actions';
import { EventQueue, type Timed } from './queue';
import type { KubeletModel, VersionFeatures } from './model';

type Kind = 'init' | 'sidecar' | 'main';

interface Spec {
  readonly name: string;
  readonly kind: Kind;
  /** index in initContainers, or in containers for mains */
  readonly index: number;
  readonly container: Container;
  readonly probes: Partial<Record<ProbeKind, ProbeModel>>;
  readonly postStart?: HookModel;
  readonly preStop?: HookModel;
}

interface Run {
  readonly n: number;
  readonly startAt: number;
  readonly servesAt: number;
  readonly imageGen: number;
  exited: boolean;
  exitAt: number;
  exitCode: number;
  sigtermExitAt: number;
  preStopOpen: boolean;
}

type ProbeResult = 'unknown' | 'success' | 'failure';
interface Worker { result: ProbeResult; last: 'success' | 'failure' | null; streak: number; onHold: boolean; stopped: boolean }

interface CState {
  readonly spec: Spec;
  run: Run | null;
  runs: number;
  /** ContainerStatus.Started for the current run (startup probe passed, or running without one, after postStart). */
  started: boolean;
  workers: Record<ProbeKind, Worker>;
  /** flowcontrol.Backoff entry for this container (kuberuntime doBackOff). */
  backoff: { delayMs: number; lastUpdate: number; gen: number } | null;
  imageGen: number;
  starting: boolean;
  /** FinishedAt of the previous instance: doBackOff's reference when the current one is killed and restarted in one sync. */
  prevFinishedAt: number | null;
  /** the back-off expiry last reported as a `BackOff` event (one event per back-off, not per sync) */
  backoffShownUntil: number | null;
}

/** Timed events of the queue. `cls`: what happens first at the same instant (processes, then the kubelet). */
type EvBody = (
  | { kind: 'served'; c: CState; run: Run }
  | { kind: 'exit'; c: CState; run: Run; code: number; signal?: 'SIGKILL' }
  | { kind: 'launch'; job: SyncJob; c: CState }
  | { kind: 'hookDone'; fn: () => void }
  | { kind: 'timer'; fn: () => void }
  | { kind: 'action'; idx: number }
  | { kind: 'probe'; c: CState; run: Run; probe: ProbeKind }
  | { kind: 'probeResult'; c: CState; run: Run; probe: ProbeKind; pass: boolean }
  | { kind: 'sync'; token: number }
  | { kind: 'deadline' }
);
type Ev = Timed & EvBody;

type NewEv = { t: number; cls: number } & EvBody;

const CLS_PROCESS = 0;
const CLS_KUBELET = 1;
const CLS_ACTION = 2;
const CLS_PROBE = 3;
const CLS_SYNC = 4;

type Step =
  | { kind: 'killPod' }
  | { kind: 'kill'; c: CState; reason: 'startup' | 'liveness' | 'spec' }
  | { kind: 'start'; c: CState; snapshotFinishedAt: number | null };

interface SyncJob { steps: Step[]; i: number; failed: boolean; cancelled: boolean; /** earliest CrashLoopBackOff expiry met in this sync (ms) */ backoffUntil: number | null }

/** termination ordering (kuberuntime_termination_order.go): a channel per container, closed when its kill returns. */
interface Ordering {
  readonly closed: Set<string>;
  readonly prereqs: Map<string, string[]>;
  readonly waiters: Set<() => void>;
}

export interface EngineOutput {
  readonly events: TimelineEvent[];
  readonly phase: PodPhase;
  readonly completedAt: number | null;
  readonly ready: ReadyChange[];
  readonly containers: Record<string, ContainerOutcome>;
  /** container names in pod order (init containers first) with their kind, for renderers */
  readonly lanes: { name: string; kind: Kind }[];
  /** virtual time (s) at which the simulation stopped */
  readonly endedAt: number;
}

export class PodSimulation {
  private now = 0;
  private readonly q = new EventQueue<Ev>();
  private readonly events: TimelineEvent[] = [];
  private readonly cs: CState[];
  private readonly byName = new Map<string, CState>();
  private readonly inits: CState[];
  private readonly mains: CState[];
  private readonly rp: 'Always' | 'OnFailure' | 'Never';
  private readonly tgps: number;
  private readonly horizon: number;

  // pod worker state (pod_workers.go)
  private syncRunning: SyncJob | null = null;
  private syncScheduled: { at: number; token: number } | null = null;
  private syncAfterRun: number | null = null;
  private syncToken = 0;
  private lastSyncEnd = Number.NEGATIVE_INFINITY;
  /** KillPod done (natural completion or failed init with restartPolicy Never): no more syncs. */
  private finished = false;
  /** deletion / active deadline: syncTerminatingPod, no restarts */
  private terminating = false;
  private deletionGraceS: number | null = null;
  private forcedPhase: PodPhase | null = null;
  private anyMainStarted = false;
  private phase: PodPhase = 'Pending';
  private completedAt: number | null = null;
  private podReady = false;
  private readonly ready: ReadyChange[] = [];
  private activeKills = 0;
  private sandboxReady = false;

  constructor(private readonly scenario: Scenario, private readonly model: KubeletModel, private readonly features: VersionFeatures) {
    const spec = scenario.pod.spec!;
    this.rp = (spec.restartPolicy ?? 'Always') as 'Always' | 'OnFailure' | 'Never';
    this.tgps = spec.terminationGracePeriodSeconds ?? model.defaultTerminationGracePeriodS;
    const mk = (c: Container, kind: Kind, index: number): CState => {
      const ov = scenario.probes[c.name] ?? {};
      // Probe workers exist for regular containers and restartable init containers only (prober_manager.AddPod).
      const probes: Partial<Record<ProbeKind, ProbeModel>> = {};
      if (kind !== 'init') {
        for (const k of ['startup', 'liveness', 'readiness'] as const) {
          const m = probeModel(k, c[`${k}Probe`], ov[k]);
          if (m) probes[k] = m;
        }
      }
      const hooks = kind === 'init' ? {} : {
        ...(c.lifecycle?.postStart ? { postStart: hookModel(c.lifecycle.postStart)! } : {}),
        ...(c.lifecycle?.preStop ? { preStop: hookModel(c.lifecycle.preStop)! } : {}),
      };
      const w = (): Worker => ({ result: 'unknown', last: null, streak: 0, onHold: false, stopped: false });
      return {
        spec: { name: c.name, kind, index, container: c, probes, ...hooks },
        run: null, runs: 0, started: false,
        workers: { startup: w(), liveness: w(), readiness: w() },
        backoff: null, imageGen: 0, starting: false, prevFinishedAt: null, backoffShownUntil: null,
      };
    };
    this.inits = (spec.initContainers ?? []).map((c, i) =>
      mk(c, c.restartPolicy === 'Always' && features.nativeSidecars ? 'sidecar' : 'init', i));
    this.mains = spec.containers.map((c, i) => mk(c, 'main', i));
    this.cs = [...this.inits, ...this.mains];
    for (const c of this.cs) this.byName.set(c.spec.name, c);

    // How long to run: observeFor, and at least until the last action plus its grace period.
    let horizon = scenario.observeFor;
    for (const a of scenario.actions) {
      const extra = 'delete' in a ? ((a.delete.gracePeriodSeconds ?? this.tgps) + model.minimumGracePeriodS + 2) * 1000 : 0;
      horizon = Math.max(horizon, a.at + extra);
    }
    const ads = spec.activeDeadlineSeconds;
    if (ads !== undefined) horizon = Math.max(horizon, ads * 1000 + (this.tgps + model.minimumGracePeriodS + 2) * 1000);
    this.horizon = horizon;
  }

  run(): EngineOutput {
    this.scenario.actions.forEach((a, idx) => this.push({ t: a.at, cls: CLS_ACTION, kind: 'action', idx }));
    const ads = this.scenario.pod.spec!.activeDeadlineSeconds;
    if (ads !== undefined) this.push({ t: ads * 1000, cls: CLS_ACTION, kind: 'deadline' });
    // The pod is admitted at t=0: first sync right away (HandlePodAdditions -> UpdatePod).
    this.requestSync(0, 'api');
    let done = false;
    for (;;) {
      const e = this.q.pop();
      if (!e || e.t > this.horizon) break;
      this.now = e.t;
      this.handle(e);
      this.updatePhaseAndReady();
      if (this.isDone()) { done = true; break; }
    }
    // a pod that never ends was watched until the horizon, even if nothing happened late on
    const endedAt = done ? this.now : this.horizon;
    const containers: Record<string, ContainerOutcome> = {};
    for (const c of this.cs) {
      const r = c.run;
      containers[c.spec.name] = r && r.exited
        ? { restarts: Math.max(0, c.runs - 1), exitCode: r.exitCode, reason: exitReason(r.exitCode) }
        : { restarts: Math.max(0, c.runs - 1) };
    }
    return {
      events: this.events,
      phase: this.phase,
      completedAt: this.completedAt === null ? null : msToSeconds(this.completedAt),
      ready: this.ready,
      containers,
      lanes: this.cs.map((c) => ({ name: c.spec.name, kind: c.spec.kind })),
      endedAt: msToSeconds(endedAt),
    };
  }

  // ------------------------------------------------------------------------------------------
  // plumbing

  private push(e: NewEv): void { this.q.push(e as Ev); }
  private timer(at: number, fn: () => void, cls = CLS_KUBELET): void { this.push({ t: at, cls, kind: 'timer', fn }); }

  private emit(c: CState, type: TimelineEvent['type'], extra: Partial<TimelineEvent> = {}): void {
    this.events.push({ t: msToSeconds(this.now), container: c.spec.name, run: Math.max(1, c.runs), type, ...extra });
  }

  private isDone(): boolean {
    if (this.completedAt === null) return false;
    if (this.activeKills > 0) return false;
    return this.cs.every((c) => !c.run || c.run.exited);
  }

  private handle(e: Ev): void {
    switch (e.kind) {
      case 'served': return this.onServed(e.c, e.run);
      case 'exit': return this.onExit(e.c, e.run, e.code, e.signal);
      case 'launch': return this.onLaunch(e.job, e.c);
      case 'hookDone': case 'timer': return e.fn();
      case 'action': return this.onAction(e.idx);
      case 'deadline': return this.onActiveDeadline();
      case 'probe': return this.onProbeTick(e.c, e.run, e.probe);
      case 'probeResult': return this.onProbeResult(e.c, e.run, e.probe, e.pass);
      case 'sync': if (this.syncScheduled && this.syncScheduled.token === e.token) { this.syncScheduled = null; this.sync(); } return;
    }
  }

  // ------------------------------------------------------------------------------------------
  // processes (the test container of the node e2e tests: Starting, sleep startDelay, Started,
  // sleep run, Exiting; on SIGTERM wait `after`, then exit)

  private startProcess(c: CState): Run {
    if (c.run?.exited) c.prevFinishedAt = c.run.exitAt;
    c.runs++;
    const b = behaviorForRun(this.scenario.behavior[c.spec.name]!, c.runs);
    const run: Run = {
      n: c.runs, startAt: this.now, servesAt: this.now + b.startDelay, imageGen: c.imageGen,
      exited: false, exitAt: Number.POSITIVE_INFINITY, exitCode: 0, sigtermExitAt: Number.POSITIVE_INFINITY, preStopOpen: false,
    };
    c.run = run;
    c.started = false;
    // A new container ID resets the probe workers (worker.go: new containerID -> initial value, onHold cleared).
    for (const k of ['startup', 'liveness', 'readiness'] as const) {
      const w = c.workers[k];
      w.result = k === 'liveness' ? 'success' : k === 'readiness' ? 'failure' : 'unknown';
      w.last = null; w.streak = 0; w.onHold = false; w.stopped = this.terminating && k !== 'readiness';
    }
    if (c.spec.kind === 'main') this.anyMainStarted = true;
    this.emit(c, 'Starting');
    if (Number.isFinite(run.servesAt)) {
      this.push({ t: run.servesAt, cls: CLS_PROCESS, kind: 'served', c, run });
      if (Number.isFinite(b.run)) this.push({ t: run.servesAt + b.run, cls: CLS_PROCESS, kind: 'exit', c, run, code: b.exitCode });
    }
    for (const k of ['startup', 'liveness', 'readiness'] as const) if (c.spec.probes[k]) this.scheduleProbe(c, run, k, this.now);
    return run;
  }

  private isServing(c: CState): boolean {
    const r = c.run;
    return !!r && !r.exited && this.now >= r.servesAt;
  }

  private onServed(c: CState, run: Run): void {
    if (c.run !== run || run.exited) return;
    // A process whose needs are not met when it would serve does not serve: it reports NeedUnmet
    // and exits at once (no Started), as the harness's behaviour image does.
    const b = this.scenario.behavior[c.spec.name]!;
    const unmet = b.needs.filter((n) => !this.isServing(this.byName.get(n)!));
    if (unmet.length > 0) {
      this.emit(c, 'NeedUnmet', { unmet });
      this.onExit(c, run, b.needsFailExitCode);
      return;
    }
    this.emit(c, 'Started');
  }

  private sigterm(c: CState, run: Run, reason: string): void {
    if (run.exited) return;
    this.emit(c, 'Signal', { signal: 'SIGTERM', reason });
    const b = behaviorForRun(this.scenario.behavior[c.spec.name]!, run.n);
    if (b.onSigterm === 'ignore') return;
    const at = this.now + b.onSigterm.after;
    if (at < run.sigtermExitAt) {
      run.sigtermExitAt = at;
      this.push({ t: at, cls: CLS_PROCESS, kind: 'exit', c, run, code: b.onSigterm.exitCode });
    }
  }

  private sigkill(c: CState, run: Run, reason: string): void {
    if (run.exited) return;
    this.emit(c, 'Signal', { signal: 'SIGKILL', reason });
    this.onExit(c, run, 137);
  }

  private readonly exitListeners = new Map<Run, (() => void)[]>();
  private onRunExit(run: Run, fn: () => void): void {
    if (run.exited) { fn(); return; }
    const l = this.exitListeners.get(run);
    if (l) l.push(fn); else this.exitListeners.set(run, [fn]);
  }

  private onExit(c: CState, run: Run, code: number, _signal?: 'SIGKILL'): void {
    if (c.run !== run || run.exited) return;
    if (run.preStopOpen) { run.preStopOpen = false; this.emit(c, 'PreStopExiting', { reason: 'KilledWithContainer' }); }
    run.exited = true;
    run.exitAt = this.now;
    run.exitCode = code;
    c.started = false;
    this.emit(c, 'Exiting', { exitCode: code });
    const ls = this.exitListeners.get(run);
    if (ls) { this.exitListeners.delete(run); for (const fn of ls) fn(); }
    // PLEG notices the exit at its next relist and the pod worker syncs (generic.go relist).
    this.requestSync(this.now, 'pleg');
  }

  // ------------------------------------------------------------------------------------------
  // probes (prober/worker.go doProbe)

  private scheduleProbe(c: CState, run: Run, k: ProbeKind, from: number): void {
    const p = c.spec.probes[k]!;
    // Workers tick every period from when the pod was added (t=0).
    const t = Math.ceil(from / p.periodMs) * p.periodMs;
    this.push({ t: t === from && from === run.startAt ? t : Math.max(t, from), cls: CLS_PROBE, kind: 'probe', c, run, probe: k });
  }

  private onProbeTick(c: CState, run: Run, k: ProbeKind): void {
    const w = c.workers[k];
    if (c.run !== run || run.exited || w.onHold || w.stopped) return;
    const p = c.spec.probes[k]!;
    const next = (): void => this.push({ t: this.now + p.periodMs, cls: CLS_PROBE, kind: 'probe', c, run, probe: k });
    // Probe disabled for InitialDelaySeconds (seconds since StartedAt, truncated).
    if (Math.floor((this.now - run.startAt) / 1000) < p.initialDelayS) return next();
    if (c.started) {
      if (k === 'startup') return; // startup probing stops once the container has started
    } else if (k !== 'startup') return next(); // liveness/readiness wait for Started
    const o = probeOutcome(p, this.isServing(c), this.now - run.startAt);
    if (o.durationMs > 0) this.push({ t: this.now + o.durationMs, cls: CLS_PROBE, kind: 'probeResult', c, run, probe: k, pass: o.pass });
    else this.onProbeResult(c, run, k, o.pass);
    if (!(k === 'startup' && c.started)) next();
  }

  private onProbeResult(c: CState, run: Run, k: ProbeKind, pass: boolean): void {
    const w = c.workers[k];
    if (c.run !== run || run.exited || w.onHold || w.stopped) return;
    const p = c.spec.probes[k]!;
    const r = pass ? 'success' : 'failure';
    if (!pass) this.emit(c, 'ProbeFailed', { probe: k });
    if (w.last === r) w.streak++; else { w.last = r; w.streak = 1; }
    if ((r === 'failure' && w.streak < p.failureThreshold) || (r === 'success' && w.streak < p.successThreshold)) return;
    const changed = w.result !== r;
    w.result = r;
    if ((k === 'liveness' || k === 'startup') && r === 'failure') { w.onHold = true; w.streak = 0; }
    if (k === 'startup' && r === 'success') c.started = true;
    // A changed result reaches the sync loop through the results manager's update channel.
    if (changed && k !== 'readiness') this.requestSync(this.now, 'probe');
  }

  // ------------------------------------------------------------------------------------------
  // pod worker: syncs are serialized; a sync runs once the status cache is newer than the end of
  // the previous one (GetNewerThan), i.e. on the next relist tick.

  private tickAtOrAfter(t: number): number { const p = this.model.plegRelistPeriodMs; return Math.ceil(t / p) * p; }
  private tickAfter(t: number): number { const p = this.model.plegRelistPeriodMs; return (Math.floor(t / p) + 1) * p; }
  private lastTick(t: number): number { const p = this.model.plegRelistPeriodMs; return Math.floor(t / p) * p; }

  private requestSync(at: number, kind: 'pleg' | 'probe' | 'api' | 'requeue'): void {
    if (this.finished || this.terminating) return;
    let t = kind === 'pleg' ? this.tickAtOrAfter(at) : at;
    if (this.lastSyncEnd > Number.NEGATIVE_INFINITY) t = Math.max(t, this.tickAfter(this.lastSyncEnd));
    if (this.syncRunning) { this.syncAfterRun = this.syncAfterRun === null ? t : Math.min(this.syncAfterRun, t); return; }
    if (this.syncScheduled && this.syncScheduled.at <= t) return;
    const token = ++this.syncToken;
    this.syncScheduled = { at: t, token };
    this.push({ t, cls: CLS_SYNC, kind: 'sync', token });
  }

  /** What the kubelet's status cache says about a container: exits after the last relist are not known yet. */
  private observed(c: CState): 'none' | 'running' | 'exited' {
    const r = c.run;
    if (!r) return 'none';
    if (!r.exited) return 'running';
    return r.exitAt <= this.lastTick(this.now) || r.exitAt <= this.lastSyncEnd ? 'exited' : 'running';
  }

  /** kuberuntime_manager.go computePodActions + kuberuntime_container.go computeInitContainerActions. */
  private computePodActions(): Step[] {
    const steps: Step[] = [];
    const view = new Map<CState, 'none' | 'running' | 'exited'>();
    for (const c of this.cs) view.set(c, this.observed(c));
    const finishedAt = (c: CState): number | null => (c.run && view.get(c) === 'exited' ? c.run.exitAt : c.prevFinishedAt);
    const start = (c: CState): Step => ({ kind: 'start', c, snapshotFinishedAt: finishedAt(c) });

    // podHasInitialized: a main container is running (or created).
    let podHasInitialized = this.mains.some((m) => view.get(m) === 'running');
    let prevInit = podHasInitialized;
    const initToStart: Step[] = [];
    const kills: Step[] = [];
    const n = this.inits.length;
    for (let i = n - 1; i >= 0; i--) {
      const c = this.inits[i]!;
      const s = view.get(c)!;
      const sidecar = c.spec.kind === 'sidecar';
      if (s === 'none') {
        if (prevInit && sidecar) initToStart.push(start(c));
        continue;
      }
      if (prevInit && !sidecar) continue; // after initialization regular init containers are ignored
      if (s === 'running') {
        if (sidecar) {
          const startup = c.spec.probes.startup;
          let initialized = true;
          if (startup) {
            const res = c.workers.startup.result;
            if (res !== 'success') {
              initialized = false;
              if (res === 'failure') { kills.push({ kind: 'kill', c, reason: 'startup' }); initToStart.push(start(c)); }
            }
          } else if (!c.started) initialized = false;
          if (initialized) {
            if (i === n - 1) podHasInitialized = true;
            else if (!prevInit) initToStart.push(start(this.inits[i + 1]!));
            if (this.features.sidecarRestartOnImageChange && c.run!.imageGen !== c.imageGen) {
              kills.push({ kind: 'kill', c, reason: 'spec' }); initToStart.push(start(c));
            } else if (c.spec.probes.liveness && c.workers.liveness.result === 'failure') {
              kills.push({ kind: 'kill', c, reason: 'liveness' }); initToStart.push(start(c));
            }
          }
        }
      } else {
        const code = c.run!.exitCode;
        if (sidecar) initToStart.push(start(c));
        else if (code === 0) {
          if (i === n - 1) podHasInitialized = true;
          else if (!prevInit) initToStart.push(start(this.inits[i + 1]!));
        } else if (this.rp === 'Never') {
          return [{ kind: 'killPod' }];
        } else initToStart.push(start(c));
      }
      prevInit = true;
    }
    if (!prevInit && n > 0) initToStart.push(start(this.inits[0]!));
    if (n === 0) podHasInitialized = true;

    if (!podHasInitialized) return [...kills, ...initToStart];

    let keep = 0;
    const mainStarts: Step[] = [];
    for (const m of this.mains) {
      const s = view.get(m)!;
      if (s !== 'running') {
        // ShouldContainerBeRestarted (pkg/kubelet/container/helpers.go)
        if (s === 'none' || this.rp === 'Always' || (this.rp === 'OnFailure' && m.run!.exitCode !== 0)) mainStarts.push(start(m));
        continue;
      }
      let restart = this.rp !== 'Never';
      let reason: 'spec' | 'liveness' | 'startup' | null = null;
      if (m.run!.imageGen !== m.imageGen) { reason = 'spec'; restart = true; }
      else if (m.spec.probes.liveness && m.workers.liveness.result === 'failure') reason = 'liveness';
      else if (m.spec.probes.startup && m.workers.startup.result === 'failure') reason = 'startup';
      if (reason === null) { keep++; continue; }
      if (restart) mainStarts.push(start(m));
      kills.push({ kind: 'kill', c: m, reason });
    }
    if (keep === 0 && mainStarts.length === 0) {
      // "To prevent the restartable init containers to keep pod alive, we should not restart them."
      return [{ kind: 'killPod' }];
    }
    return [...kills, ...initToStart, ...mainStarts];
  }

  private sync(): void {
    if (this.finished || this.terminating) return;
    // kubelet.SyncPod: a pod whose phase is already terminal is not set up again; the pod worker
    // moves on to syncTerminatingPod, which stops whatever still runs (no restarts).
    if (this.completedAt !== null) {
      const job: SyncJob = { steps: [], i: 0, failed: false, cancelled: false, backoffUntil: null };
      this.syncRunning = job;
      this.killPod(null, () => { this.finished = true; this.endSync(job); });
      return;
    }
    const job: SyncJob = { steps: this.computePodActions(), i: 0, failed: false, cancelled: false, backoffUntil: null };
    this.syncRunning = job;
    this.runSteps(job);
  }

  private runSteps(job: SyncJob): void {
    while (!job.cancelled && job.i < job.steps.length) {
      const step = job.steps[job.i++]!;
      if (step.kind === 'killPod') {
        this.killPod(null, () => { this.finished = true; this.endSync(job); });
        return;
      }
      if (step.kind === 'kill') {
        const run = step.c.run;
        if (!run || run.exited) continue;
        this.killContainer(step.c, run, null, null, step.reason, () => this.runSteps(job));
        return;
      }
      // start: doBackOff, then CreateContainer/StartContainer, then the blocking postStart hook.
      const c = step.c;
      if (c.run && !c.run.exited) continue; // (re)started already
      const until = this.inBackOff(c, step.snapshotFinishedAt);
      if (until !== null) {
        job.failed = true;
        job.backoffUntil = job.backoffUntil === null ? until : Math.min(job.backoffUntil, until);
        if (c.backoffShownUntil !== until) {
          c.backoffShownUntil = until;
          this.emit(c, 'BackOff', { until: msToSeconds(until), reason: 'CrashLoopBackOff' });
        }
        if (c.spec.kind === 'init') break; // a regular init container that cannot start aborts the sync
        continue;
      }
      c.starting = true;
      const sandbox = this.sandboxReady ? 0 : this.model.podSandboxMs;
      this.sandboxReady = true;
      this.push({ t: this.now + sandbox + this.model.containerStartMs, cls: CLS_KUBELET, kind: 'launch', job, c });
      return;
    }
    this.endSync(job);
  }

  private onLaunch(job: SyncJob, c: CState): void {
    c.starting = false;
    if (job.cancelled) return;
    const run = this.startProcess(c);
    const ps = c.spec.postStart;
    const afterPostStart = (): void => {
      if (job.cancelled) return;
      if (run.exited) { this.runSteps(job); return; }
      if (!c.spec.probes.startup) {
        c.started = true;
        if (c.spec.kind === 'sidecar' && run.n === 1) this.chainAfterSidecar(job, c);
      }
      // PLEG reports ContainerStarted at the next relist.
      this.requestSync(run.startAt, 'pleg');
      this.runSteps(job);
    };
    if (!ps) return afterPostStart();
    this.emit(c, 'PostStartStarting');
    this.push({
      t: this.now + ps.durationMs, cls: CLS_KUBELET, kind: 'hookDone', fn: () => {
        if (c.run !== run || run.exited) { this.runSteps(job); return; }
        this.emit(c, 'PostStartExiting', ps.fails ? { reason: 'FailedPostStartHook' } : {});
        if (!ps.fails) return afterPostStart();
        // FailedPostStartHook: the container is killed; the start counts as failed.
        job.failed = true;
        this.killContainer(c, run, null, null, 'spec', () => {
          if (c.spec.kind === 'init') this.endSync(job); else this.runSteps(job);
        });
      },
    });
  }

  /**
   * A sidecar without startupProbe counts as started once it runs and its postStart returned, and
   * the kubelet goes on with the next init container (or, after the last one, the main
   * containers) in the same sync: on a real 1.36 kubelet consecutive sidecars and the first main
   * container start about 0.1 s apart (test/e2e/simulator-conformance.test.ts, SC-E01/E26; also
   * the start-order observation of PR #137954). Only containers that never ran are added.
   */
  private chainAfterSidecar(job: SyncJob, c: CState): void {
    const next: Step[] = [];
    if (c.spec.index < this.inits.length - 1) {
      const n = this.inits[c.spec.index + 1]!;
      if (!n.run && !n.starting && !job.steps.slice(job.i).some((s) => s.kind === 'start' && s.c === n)) next.push({ kind: 'start', c: n, snapshotFinishedAt: null });
    } else {
      for (const m of this.mains) {
        if (!m.run && !m.starting && !job.steps.slice(job.i).some((s) => s.kind === 'start' && s.c === m)) next.push({ kind: 'start', c: m, snapshotFinishedAt: null });
      }
    }
    job.steps.splice(job.i, 0, ...next);
  }

  private endSync(job: SyncJob): void {
    if (this.syncRunning !== job) return;
    this.syncRunning = null;
    this.lastSyncEnd = this.now;
    const after = this.syncAfterRun;
    this.syncAfterRun = null;
    if (after !== null) this.requestSync(Math.max(after, this.now), 'api');
    // pod_workers.go completeWork: a sync that returned an error is requeued after backOffPeriod
    // (10 s); since PR #133066 (1.35) a CrashLoopBackOff error carries its expiry and the pod is
    // requeued at that moment. Both are jittered by up to +50 % (wait.Jitter, factor 0.5); the
    // model takes the earliest time, and the conformance comparison allows the jitter.
    if (job.failed) {
      const at = this.features.requeueAtBackoffExpiry && job.backoffUntil !== null
        ? Math.max(this.now, job.backoffUntil)
        : this.now + this.model.podWorkerBackOffMs;
      this.requestSync(at, 'requeue');
    }
  }

  /**
   * kuberuntime_manager.go doBackOff with flowcontrol.Backoff: the reference is the FinishedAt
   * of the latest exited instance in the sync's snapshot; the first restart is immediate, then
   * 10 s, 20 s, ... capped at 300 s; an entry unused for 2 x max (10 min) starts over.
   * Returns the back-off's expiry when the start must wait (kubecontainer.NewBackoffError), else null.
   */
  private inBackOff(c: CState, finishedAt: number | null): number | null {
    if (finishedAt === null) return null;
    const b = c.backoff;
    const expired = !b || b.gen !== c.imageGen || finishedAt - b.lastUpdate > 2 * this.model.crashLoopMaxMs;
    if (!expired && this.now - finishedAt < b!.delayMs) return finishedAt + b!.delayMs;
    c.backoff = expired
      ? { delayMs: this.model.crashLoopInitialMs, lastUpdate: this.now, gen: c.imageGen }
      : { delayMs: Math.min(b!.delayMs * 2, this.model.crashLoopMaxMs), lastUpdate: this.now, gen: c.imageGen };
    return null;
  }

  // ------------------------------------------------------------------------------------------
  // killing (kuberuntime_container.go killContainer, killContainersWithSyncResult)

  /**
   * killContainer: grace = override ?? setTerminationGracePeriod; preStop runs first (its time,
   * in whole seconds, comes off the grace); with an ordering the container then waits for its
   * turn (also deducted, truncated); at least minimumGracePeriodInSeconds remain; then the stop
   * signal, and SIGKILL when the remaining grace has passed. `done` runs when the kill returns,
   * i.e. when the container has exited (the ordering channel closes then).
   */
  private killContainer(c: CState, run: Run, overrideS: number | null, ordering: Ordering | null,
    reason: 'startup' | 'liveness' | 'spec' | 'pod', done: () => void): void {
    this.activeKills++;
    const finish = (): void => { this.activeKills--; done(); };
    let grace: number;
    if (overrideS !== null) grace = overrideS;
    else if (this.deletionGraceS !== null) grace = this.deletionGraceS;
    else {
      const probe = reason === 'startup' || reason === 'liveness' ? c.spec.probes[reason] : undefined;
      grace = probe?.terminationGracePeriodS ?? this.tgps;
    }
    const why = reason === 'pod' ? 'Killing' : reason === 'spec' ? 'ContainerChanged' : reason === 'startup' ? 'FailedStartupProbe' : 'FailedLivenessProbe';
    const stop = (): void => {
      grace = Math.max(grace, this.model.minimumGracePeriodS);
      if (run.exited) return finish();
      this.sigterm(c, run, why);
      this.timer(this.now + grace * 1000, () => this.sigkill(c, run, 'GracePeriodExpired'));
      this.onRunExit(run, finish);
    };
    const waitTurn = (): void => {
      if (!ordering || grace <= 0) return stop();
      const prereqs = ordering.prereqs.get(c.spec.name) ?? [];
      const ready = (): boolean => prereqs.every((p) => ordering.closed.has(p));
      if (ready()) return stop();
      const startedWaiting = this.now;
      let over = false;
      const proceed = (): void => {
        if (over) return;
        over = true;
        ordering.waiters.delete(check);
        grace -= Math.floor((this.now - startedWaiting) / 1000);
        stop();
      };
      const check = (): void => { if (ready()) proceed(); };
      ordering.waiters.add(check);
      this.timer(startedWaiting + grace * 1000, proceed);
    };
    const ps = c.spec.preStop;
    if (ps && grace > 0 && !run.exited) {
      const started = this.now;
      this.emit(c, 'PreStopStarting');
      run.preStopOpen = true;
      const budget = grace * 1000;
      const end = started + Math.min(ps.durationMs, budget);
      this.push({
        t: end, cls: CLS_KUBELET, kind: 'hookDone', fn: () => {
          if (run.preStopOpen && ps.durationMs <= budget) {
            run.preStopOpen = false;
            this.emit(c, 'PreStopExiting', ps.fails ? { reason: 'FailedPreStopHook' } : {});
          }
          grace -= Math.floor((this.now - started) / 1000);
          waitTurn();
        },
      });
      return;
    }
    waitTurn();
  }

  /** killPodWithSyncResult: all running containers in parallel, with the termination ordering. */
  private killPod(overrideS: number | null, done: () => void): void {
    const running = this.cs.filter((c) => c.run && !c.run.exited);
    const hasSidecar = this.inits.some((c) => c.spec.kind === 'sidecar');
    const ordering = this.features.orderedTermination && hasSidecar ? this.newOrdering(new Set(running)) : null;
    let left = running.length;
    if (left === 0) { done(); return; }
    for (const c of running) {
      this.killContainer(c, c.run!, overrideS, ordering, 'pod', () => {
        if (ordering) {
          ordering.closed.add(c.spec.name);
          for (const w of [...ordering.waiters]) w();
        }
        if (--left === 0) done();
      });
    }
  }

  /** newTerminationOrdering (kuberuntime_termination_order.go). */
  private newOrdering(running: Set<CState>): Ordering {
    const closed = new Set<string>();
    const prereqs = new Map<string, string[]>();
    const mainNames = this.mains.map((m) => m.spec.name);
    for (const m of this.mains) if (!running.has(m)) closed.add(m.spec.name);
    let later: string | null = null;
    for (let i = this.inits.length - 1; i >= 0; i--) {
      const c = this.inits[i]!;
      // PR #125935 (#125880): a not-running init container is pre-closed, so nobody waits on it.
      // Before the fix only main containers were pre-closed.
      if (!running.has(c) && this.features.terminationIgnoresNotRunning) closed.add(c.spec.name);
      if (c.spec.kind === 'sidecar') {
        prereqs.set(c.spec.name, later === null ? [...mainNames] : [...mainNames, later]);
        later = c.spec.name;
      }
    }
    return { closed, prereqs, waiters: new Set() };
  }

  /** Deletion (syncTerminatingPod) or active deadline: no more syncs, liveness/startup probes stop. */
  private terminate(graceS: number, phase: PodPhase | null): void {
    if (this.terminating || this.completedAt !== null) return;
    this.terminating = true;
    if (phase) this.forcedPhase = phase;
    if (this.syncRunning) this.syncRunning.cancelled = true;
    this.syncRunning = null;
    this.syncScheduled = null;
    for (const c of this.cs) {
      c.workers.liveness.stopped = true;
      c.workers.startup.stopped = true;
    }
    this.activeKills++;
    this.killPod(graceS, () => { this.activeKills--; });
  }

  private onAction(idx: number): void {
    const a = this.scenario.actions[idx]!;
    if ('delete' in a) {
      // calculateEffectiveGracePeriod: the delete option, else the pod's; at least 1 s.
      const g = Math.max(1, a.delete.gracePeriodSeconds ?? this.tgps);
      this.deletionGraceS = g;
      this.terminate(g, null);
      return;
    }
    const c = this.byName.get(a.updateImage.container)!;
    c.imageGen++;
    this.requestSync(this.now, 'api');
  }

  private onActiveDeadline(): void {
    // activeDeadlineSeconds: the kubelet fails the pod (DeadlineExceeded) and kills it.
    this.terminate(this.tgps, 'Failed');
  }

  // ------------------------------------------------------------------------------------------
  // phase (kubelet_pods.go getPhase) and the Ready condition (status/generate.go)

  private computePhase(): PodPhase {
    let pendingInit = 0, failedInit = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
    for (const c of this.inits) {
      const r = c.run;
      if (c.spec.kind === 'init') {
        if (!r || !r.exited) pendingInit++;
        else if (r.exitCode !== 0) failedInit++;
      } else if (!r) { pendingInit++; waiting++; }
      else if (!r.exited) { running++; if (!c.started) pendingInit++; }
      // terminated sidecars are ignored: their exit codes never count
    }
    for (const m of this.mains) {
      const r = m.run;
      if (!r) waiting++;
      else if (!r.exited) running++;
      else { stopped++; if (r.exitCode === 0) succeeded++; }
    }
    const allStopped = this.terminating && this.activeKills === 0 && this.cs.every((c) => !c.run || c.run.exited);
    if (allStopped && this.forcedPhase) return this.forcedPhase;
    if (failedInit > 0 && this.rp === 'Never') return 'Failed';
    let phase: PodPhase;
    if ((pendingInit > 0 && !this.anyMainStarted) || waiting > 0) phase = 'Pending';
    else if (running > 0) phase = 'Running';
    else if (stopped > 0) {
      if (allStopped) phase = stopped === succeeded ? 'Succeeded' : 'Failed';
      else if (this.rp === 'Always') phase = 'Running';
      else if (stopped === succeeded) phase = 'Succeeded';
      else if (this.rp === 'Never') phase = 'Failed';
      else phase = 'Running';
    } else phase = 'Pending';
    // A terminated pod whose phase is not terminal is marked Failed (generateAPIPodStatus).
    if (allStopped && phase !== 'Succeeded' && phase !== 'Failed') phase = 'Failed';
    return phase;
  }

  private containerReady(c: CState): boolean {
    const r = c.run;
    if (!r || r.exited || !c.started) return false;
    return c.spec.probes.readiness ? c.workers.readiness.result === 'success' : true;
  }

  private updatePhaseAndReady(): void {
    if (this.completedAt === null) {
      const p = this.computePhase();
      this.phase = p;
      // Terminal phases are sticky; containers still running are stopped by the next sync's KillPod.
      if (p === 'Succeeded' || p === 'Failed') this.completedAt = this.now;
    }
    const terminal = this.completedAt !== null;
    let ready = !terminal;
    if (ready) for (const c of this.cs) if (c.spec.kind !== 'init' && !this.containerReady(c)) { ready = false; break; }
    if (ready !== this.podReady) {
      this.podReady = ready;
      const t = msToSeconds(this.now);
      const last = this.ready[this.ready.length - 1];
      // a change undone at the same instant was never visible
      if (last && last.t === t) this.ready.pop();
      else this.ready.push({ t, ready });
    }
  }
}

