// The reaper controller: watches pods, keeps the trimmed view of the ones with sidecars in
// `containers`, and — on the leader only — stops sidecars once the pod's work is done.
//
// Per pod key, one worker at a time (client-go workqueue semantics: a key added while it is being
// processed is processed again afterwards, never concurrently). Acting on a pod:
//   1. decide on the cached view (cheap filter);
//   2. GET the pod fresh and decide again on it (the cache may be behind);
//   3. claim: write the record (status `claimed`) with the pod's resourceVersion as precondition —
//      a 409 means the pod changed (or another replica acted): start over from 1;
//   4. perform each action, emit an Event per action, write the outcomes to the record;
//   5. schedule the next look (stop timeout, back-off) from the decision on the new record.
// All I/O goes through injected ports (KubeApi, StopExecutor, EventRecorder, metrics, clock).
import type { KubeApi } from '../kube/client';
import { KubeHttpError } from '../kube/client';
import type { EventRecorder } from '../kube/events';
import { ListWatch } from '../kube/list-watch';
import { decide, recordAfter } from './decide';
import { formatRecord, RECORD_ANNOTATION } from './record';
import type { DecideOptions, PodView, ReaperRecord, StopAction, StopRecord } from './types';
import { viewPod, ViewCache, type ViewOptions } from './view';

export interface Outcome {
  readonly status: 'sent' | 'failed' | 'unavailable';
  readonly detail: string;
}

export interface StopExecutor {
  perform(view: PodView, action: StopAction): Promise<Outcome>;
}

export interface ReaperMetrics {
  reaction(seconds: number): void;
  action(strategy: string, outcome: string): void;
  watchEvent(type: string): void;
  watchRestart(reason: string): void;
  /** Pods watched that have a sidecar in `containers`. */
  tracked(n: number): void;
  /** Of those, pods whose view is held: an action is due now or at a known time. */
  pending(n: number): void;
  queueDepth(n: number): void;
}

export const noMetrics: ReaperMetrics = { reaction() {}, action() {}, watchEvent() {}, watchRestart() {}, tracked() {}, pending() {}, queueDepth() {} };

export interface Logger {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
  debug(o: object, m: string): void;
}

export interface ReaperOptions {
  readonly api: KubeApi;
  readonly executor: StopExecutor;
  readonly events: EventRecorder;
  readonly metrics?: ReaperMetrics;
  readonly log: Logger;
  readonly now: () => number;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
  /** Namespaces to watch; empty = all (cluster-wide). */
  readonly namespaces: readonly string[];
  readonly labelSelector?: string;
  readonly view: ViewOptions;
  readonly decide: Omit<DecideOptions, 'now'>;
  readonly workers?: number;
  /** Pods per list page. Small pages keep what one page parses inside V8's young generation, so
   *  it dies there instead of being promoted: with 25, RSS peaks at ≈63 MiB right after listing
   *  10k pods, with 100 at ≈68 MiB (ADR 0011). */
  readonly listPageSize?: number;
  /** Watch only Running pods (`status.phase=Running`): completed pods leave the cache at once. */
  readonly runningOnly?: boolean;
  readonly watchIdleMs?: number;
}

const CONFLICT_RETRY_MS = 50;

export class Reaper {
  private readonly cache = new Map<string, PodView>();
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; t: ReturnType<typeof setTimeout> }>();
  private readonly failures = new Map<string, number>();
  /** Claims written (or maybe written) but not acted on, per pod key: see DecideOptions.ownClaims. */
  private readonly unperformed = new Map<string, ReaperRecord>();
  private readonly watches: ListWatch<PodView>[] = [];
  private readonly stop = new AbortController();
  private active = 0;
  private readonly metrics: ReaperMetrics;
  private synced = 0;
  /** Recognition per pod template and shared strings (view.ts): what keeps a cached pod ≈1 KiB. */
  private readonly views = new ViewCache();

  constructor(private readonly o: ReaperOptions) {
    this.metrics = o.metrics ?? noMetrics;
  }

  /** Pods watched that have a sidecar in `containers` (dormant ones included). */
  get trackedPods(): number {
    return this.watches.reduce((n, w) => n + w.size, 0);
  }

  /** Pods whose view is held because an action is due now or later. */
  get pendingPods(): number {
    return this.cache.size;
  }

  /** All watches listed at least once. */
  get isSynced(): boolean {
    return this.synced >= this.watches.length && this.watches.length > 0;
  }

  /** Oldest "last event or bookmark" over the watches, for /healthz. */
  lastWatchActivity(): number {
    return this.watches.reduce((m, w) => Math.min(m, w.lastSeen), Number.POSITIVE_INFINITY);
  }

  start(): void {
    const paths = this.o.namespaces.length ? this.o.namespaces.map((ns) => `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`) : ['/api/v1/pods'];
    for (const path of paths) {
      let listedOnce = false;
      const lw = new ListWatch<PodView>({
        api: this.o.api,
        path,
        ...(this.o.labelSelector ? { labelSelector: this.o.labelSelector } : {}),
        ...(this.o.listPageSize ? { pageSize: this.o.listPageSize } : {}),
        ...(this.o.runningOnly !== false ? { fieldSelector: 'status.phase=Running' } : {}),
        transform: (raw) => {
          const r = viewPod(raw, this.o.view, this.views);
          return r.kind === 'view' ? r.view : undefined;
        },
        events: {
          upsert: (key, view) => {
            this.consider(key, view);
            this.countPods();
          },
          delete: (key) => {
            this.cache.delete(key);
            this.clearTimer(key);
            this.failures.delete(key);
            this.unperformed.delete(key);
            this.countPods();
          },
          synced: (n) => {
            if (!listedOnce) this.synced++;
            listedOnce = true;
            this.countPods();
            this.o.log.info({ path, pods: n }, 'pods listed');
          },
        },
        now: this.o.now,
        sleep: this.o.sleep,
        random: this.o.random,
        log: this.o.log,
        ...(this.o.watchIdleMs ? { idleMs: this.o.watchIdleMs } : {}),
        onEvent: (t) => this.metrics.watchEvent(t),
        onRestart: (r) => this.metrics.watchRestart(r),
      });
      this.watches.push(lw);
      void lw.start();
    }
  }

  async close(): Promise<void> {
    this.stop.abort();
    for (const { t } of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.watches.map((w) => w.close()));
    // Let in-flight actions finish their record writes: a half-written claim is retried by the next leader anyway.
    const deadline = this.o.now() + 10_000;
    while (this.active > 0 && this.o.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  private opts(key: string): DecideOptions {
    const own = this.unperformed.get(key);
    return { ...this.o.decide, now: this.o.now(), ...(own ? { ownClaims: own } : {}) };
  }

  /**
   * Holds the view only while a decision may need it without a new watch event: to act now, or at
   * a time (stop timeout, back-off). A pod whose decision is idle — a main container still runs or
   * may restart, or nothing is left to do — needs nothing until it changes, and every change comes
   * as a watch event carrying the whole pod. So running Jobs cost their key in the watch's set of
   * known pods (≈0.1 KiB), not a view (≈0.65 KiB): memory follows the pods being finished, not the
   * pods watched (ADR 0011).
   */
  private consider(key: string, view: PodView): void {
    const d = decide(view, this.opts(key));
    if (d.kind === 'idle') {
      this.cache.delete(key);
      return;
    }
    this.cache.set(key, view);
    if (d.kind === 'act') this.enqueue(key);
    else this.schedule(key, d.at);
  }

  private countPods(): void {
    this.metrics.tracked(this.trackedPods);
    this.metrics.pending(this.pendingPods);
  }

  private schedule(key: string, at: number): void {
    if (this.stop.signal.aborted) return;
    const cur = this.timers.get(key);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.t);
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.enqueue(key);
    }, Math.max(0, at - this.o.now()));
    this.timers.set(key, { at, t });
  }

  private clearTimer(key: string): void {
    const cur = this.timers.get(key);
    if (cur) clearTimeout(cur.t);
    this.timers.delete(key);
  }

  private enqueue(key: string): void {
    if (this.stop.signal.aborted) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.metrics.queueDepth(this.queue.length);
    this.pump();
  }

  private pump(): void {
    const max = this.o.workers ?? 8;
    while (this.active < max && this.queue.length && !this.stop.signal.aborted) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      this.metrics.queueDepth(this.queue.length);
      void this.process(key)
        .then(() => this.failures.delete(key))
        .catch((e: unknown) => {
          const n = (this.failures.get(key) ?? 0) + 1;
          this.failures.set(key, n);
          const delay = Math.min(30_000, 100 * 2 ** Math.min(n, 9)) * (0.5 + this.o.random() / 2);
          this.o.log.warn({ pod: key, err: (e as Error).message, retryInMs: Math.round(delay) }, 'reconcile failed');
          this.schedule(key, this.o.now() + delay);
        })
        .finally(() => {
          this.active--;
          this.processing.delete(key);
          if (this.dirty.delete(key)) this.enqueue(key);
          this.pump();
        });
    }
  }

  private podPath(ns: string, name: string): string {
    return `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`;
  }

  private async process(key: string): Promise<void> {
    const cached = this.cache.get(key);
    if (!cached || this.stop.signal.aborted) return;
    const pre = decide(cached, this.opts(key));
    if (pre.kind !== 'act') {
      if (pre.kind === 'wait') this.schedule(key, pre.at);
      return;
    }
    // Fresh read: never act on the cache alone.
    let raw: Record<string, unknown>;
    try {
      raw = await this.o.api.request<Record<string, unknown>>({ method: 'GET', path: this.podPath(cached.namespace, cached.name), timeoutMs: 10_000 });
    } catch (e) {
      if (e instanceof KubeHttpError && e.status === 404) return;
      throw e;
    }
    const r = viewPod(raw, this.o.view, this.views);
    if (r.kind !== 'view' || r.view.uid !== cached.uid) return;
    const view = r.view;
    const now = this.o.now();
    const d = decide(view, { ...this.opts(key), now });
    if (d.kind !== 'act') {
      if (d.kind === 'wait') this.schedule(key, d.at);
      if (d.kind === 'idle' && d.reason.startsWith('cannot act')) {
        await this.o.events.emit({ regarding: view, type: 'Warning', reason: 'SidecarStopBlocked', action: 'StopSidecar', note: d.reason });
      }
      return;
    }
    if (this.stop.signal.aborted) return;
    // Claim before acting, conditional on the version we decided on.
    const claimed: Record<string, StopRecord> = { ...view.record };
    for (const a of d.actions) claimed[a.container] = recordAfter(a, 'claimed', now);
    let rv: string;
    // Until the claim's answer arrives we do not know whether it was stored; if the answer is
    // lost, the stored claim is recognised as ours (and not yet acted on) by the next decision.
    const own: Record<string, StopRecord> = {};
    for (const a of d.actions) own[a.container] = claimed[a.container]!;
    this.unperformed.set(key, own);
    try {
      rv = await this.writeRecord(view, claimed, view.resourceVersion);
      this.unperformed.delete(key);
    } catch (e) {
      if (e instanceof KubeHttpError && (e.status === 409 || e.status === 404 || e.status === 422)) this.unperformed.delete(key);
      if (e instanceof KubeHttpError && e.status === 409) {
        this.schedule(key, this.o.now() + CONFLICT_RETRY_MS);
        return;
      }
      if (e instanceof KubeHttpError && e.status === 404) return;
      throw e;
    }
    const results = await Promise.all(d.actions.map(async (a) => ({ a, out: await this.perform(view, a) })));
    const doneAt = this.o.now();
    const outcomes: Record<string, StopRecord> = {};
    for (const { a, out } of results) {
      const last = a.what.kind === 'last-resort';
      const status: StopRecord['status'] = last && out.status === 'sent' ? 'gave-up' : out.status;
      outcomes[a.container] = recordAfter(a, status, doneAt);
      this.metrics.action(a.what.kind === 'last-resort' ? `last-resort-${a.what.policy}` : a.what.kind, out.status);
      if (out.status === 'sent' && a.step === 0 && a.attempt === 1 && d.mainsDoneAt !== undefined) this.metrics.reaction(Math.max(0, doneAt - d.mainsDoneAt) / 1000);
      this.o.log.info({ pod: { namespace: view.namespace, name: view.name }, container: a.container, run: a.run, step: a.what.kind, attempt: a.attempt, outcome: out.status, detail: out.detail }, 'sidecar stop');
      await this.o.events.emit(eventFor(view, a, out));
    }
    const finalRecord = await this.mergeRecord(view, rv, outcomes, claimed);
    const next = decide({ ...view, record: finalRecord }, { ...this.o.decide, now: this.o.now() });
    if (next.kind === 'wait') this.schedule(key, next.at);
    else if (next.kind === 'act') this.enqueue(key);
  }

  private async perform(view: PodView, a: StopAction): Promise<Outcome> {
    try {
      return await this.o.executor.perform(view, a);
    } catch (e) {
      return { status: 'failed', detail: (e as Error).message };
    }
  }

  /** Merge-patches the record annotation; with `rv`, conditional on that resourceVersion. Returns the new resourceVersion. */
  private async writeRecord(view: PodView, record: ReaperRecord, rv?: string): Promise<string> {
    const res = await this.o.api.request<{ metadata?: { resourceVersion?: string } }>({
      method: 'PATCH',
      path: this.podPath(view.namespace, view.name),
      contentType: 'application/merge-patch+json',
      body: { metadata: { ...(rv ? { resourceVersion: rv } : {}), uid: view.uid, annotations: { [RECORD_ANNOTATION]: formatRecord(record) } } },
      timeoutMs: 10_000,
    });
    return res.metadata?.resourceVersion ?? '';
  }

  /** Writes the outcomes over the claims, re-reading the pod on conflicts; only our own claims are replaced. */
  private async mergeRecord(view: PodView, rv: string, outcomes: Record<string, StopRecord>, claimed: ReaperRecord): Promise<ReaperRecord> {
    let base: ReaperRecord = claimed;
    let version = rv;
    for (let i = 0; i < 5; i++) {
      const merged: Record<string, StopRecord> = { ...base };
      for (const [c, rec] of Object.entries(outcomes)) {
        const mine = claimed[c]!;
        const cur = base[c];
        if (!cur || (cur.run === mine.run && cur.step === mine.step && cur.attempt === mine.attempt)) merged[c] = rec;
      }
      try {
        await this.writeRecord(view, merged, version);
        return merged;
      } catch (e) {
        if (!(e instanceof KubeHttpError && e.status === 409)) {
          if (e instanceof KubeHttpError && e.status === 404) return merged;
          throw e;
        }
      }
      const raw = await this.o.api.request<Record<string, unknown>>({ method: 'GET', path: this.podPath(view.namespace, view.name), timeoutMs: 10_000 });
      const r = viewPod(raw, this.o.view, this.views);
      if (r.kind !== 'view' || r.view.uid !== view.uid) return merged;
      base = r.view.record;
      version = r.view.resourceVersion;
    }
    throw new Error(`could not write the outcome record after 5 conflicts`);
  }
}

function eventFor(view: PodView, a: StopAction, out: Outcome): Parameters<EventRecorder['emit']>[0] {
  const w = a.what;
  const how = w.kind === 'last-resort' ? `last resort (${w.policy}): ${w.why}` : w.source;
  const attempt = a.attempt > 1 ? ` (attempt ${a.attempt})` : '';
  if (w.kind === 'last-resort') {
    if (w.policy === 'event') return { regarding: view, type: 'Warning', reason: 'SidecarNotStopped', action: 'StopSidecar', note: `Could not stop sidecar "${a.container}": ${w.why}. The pod stays Running; policy "event" takes no further action.` };
    return out.status === 'sent'
      ? { regarding: view, type: 'Warning', reason: 'PodDeletedToStopSidecar', action: 'DeletePod', note: `Deleted the pod: sidecar "${a.container}" could not be stopped (${w.why}).` }
      : { regarding: view, type: 'Warning', reason: 'SidecarStopFailed', action: 'DeletePod', note: `Deleting the pod to stop "${a.container}" failed${attempt}: ${out.detail}` };
  }
  if (out.status === 'sent') return { regarding: view, type: 'Normal', reason: 'SidecarStopRequested', action: 'StopSidecar', note: `Main containers are done; asked sidecar "${a.container}" to stop via ${how}${attempt}.` };
  if (out.status === 'unavailable') return { regarding: view, type: 'Warning', reason: 'SidecarStopUnavailable', action: 'StopSidecar', note: `Cannot stop "${a.container}" via ${how}: ${out.detail}. Trying the next way.` };
  return { regarding: view, type: 'Warning', reason: 'SidecarStopFailed', action: 'StopSidecar', note: `Stopping "${a.container}" via ${how} failed${attempt}: ${out.detail}` };
}
