// Lease-based leader election (coordination.k8s.io/v1), following client-go's
// tools/leaderelection/leaderelection.go (client-node has none):
//  - a candidate takes the lease when it is missing, released (empty holder) or expired. Expiry is
//    judged on the candidate's own clock from when it last saw the record change
//    (observedTime + leaseDuration), not from renewTime, so clock skew between replicas is harmless;
//  - every write carries the resourceVersion it read (optimistic concurrency): of two candidates,
//    one gets 409 Conflict and stays a follower;
//  - the leader renews every retryPeriod; if it cannot renew within renewDeadline it stops
//    leading (the caller stops all work and exits, like controller-runtime), before the lease it
//    holds can expire for others (renewDeadline < leaseDuration);
//  - on graceful shutdown it releases the lease (empty holder, leaseDurationSeconds 1) so a
//    follower takes over at once.
// Defaults are client-go's: 15 s / 10 s / 2 s.
import type { KubeApi } from './client';
import { KubeHttpError } from './client';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

export interface LeaderTimings {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}
export const CLIENT_GO_TIMINGS: LeaderTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface Observed {
  /** The lease's spec as last read (JSON), and when (our clock) it last changed. */
  readonly record: string;
  readonly at: number;
}

export type LeaseStep =
  | { readonly kind: 'create'; readonly spec: LeaseSpec }
  | { readonly kind: 'update'; readonly spec: LeaseSpec; readonly transition: boolean }
  | { readonly kind: 'follow'; readonly holder: string; readonly expiresAt: number };

/** Pure: what a candidate does with the lease it just read. */
export function leaseStep(lease: Lease | undefined, observed: Observed | undefined, o: { identity: string; now: number; leaseDurationMs: number }): LeaseStep {
  const durationS = Math.ceil(o.leaseDurationMs / 1000);
  const now = microTime(o.now);
  if (!lease) return { kind: 'create', spec: { holderIdentity: o.identity, leaseDurationSeconds: durationS, acquireTime: now, renewTime: now, leaseTransitions: 0 } };
  const s = lease.spec ?? {};
  const holder = s.holderIdentity ?? '';
  const transitions = s.leaseTransitions ?? 0;
  if (holder === o.identity) return { kind: 'update', spec: { ...s, holderIdentity: o.identity, leaseDurationSeconds: durationS, renewTime: now }, transition: false };
  const since = observed?.at ?? o.now;
  const expiresAt = since + (s.leaseDurationSeconds ?? durationS) * 1000;
  if (holder === '' || o.now >= expiresAt) {
    return { kind: 'update', spec: { holderIdentity: o.identity, leaseDurationSeconds: durationS, acquireTime: now, renewTime: now, leaseTransitions: transitions + 1 }, transition: true };
  }
  return { kind: 'follow', holder, expiresAt };
}

export interface LeaderElectorOptions {
  readonly api: KubeApi;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly timings?: LeaderTimings;
  readonly now: () => number;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void };
  readonly onStartedLeading: () => void;
  /** Leadership lost (renew deadline passed) or given up. The caller must stop all work. */
  readonly onStoppedLeading: (why: string) => void;
  readonly onNewLeader?: (identity: string) => void;
}

export class LeaderElector {
  private readonly stop = new AbortController();
  private observed?: Observed;
  private leading = false;
  private lastRenew = 0;
  private run?: Promise<void>;
  private lastLeader = '';

  constructor(private readonly o: LeaderElectorOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** For /healthz: a leader that has not renewed within the renew deadline is unhealthy. */
  healthy(now: number): boolean {
    const t = this.o.timings ?? CLIENT_GO_TIMINGS;
    return !this.leading || now - this.lastRenew <= t.renewDeadlineMs + t.retryPeriodMs;
  }

  start(): Promise<void> {
    this.run ??= this.loop();
    return this.run;
  }

  private path(name?: string): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.o.namespace)}/leases${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  /** One acquire-or-renew round; true when we hold the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const t = this.o.timings ?? CLIENT_GO_TIMINGS;
    let lease: Lease | undefined;
    try {
      lease = await this.o.api.request<Lease>({ method: 'GET', path: this.path(this.o.name), timeoutMs: t.retryPeriodMs * 2 });
    } catch (e) {
      if (!(e instanceof KubeHttpError && e.status === 404)) throw e;
    }
    const now = this.o.now();
    if (lease) {
      const rec = JSON.stringify(lease.spec ?? {});
      if (this.observed?.record !== rec) this.observed = { record: rec, at: now };
      const holder = lease.spec?.holderIdentity ?? '';
      if (holder && holder !== this.lastLeader) {
        this.lastLeader = holder;
        this.o.onNewLeader?.(holder);
      }
    }
    const step = leaseStep(lease, this.observed, { identity: this.o.identity, now, leaseDurationMs: t.leaseDurationMs });
    if (step.kind === 'follow') return false;
    const body: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.name, namespace: this.o.namespace, ...(lease?.metadata.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}) }, spec: step.spec };
    try {
      const written = step.kind === 'create'
        ? await this.o.api.request<Lease>({ method: 'POST', path: this.path(), body, timeoutMs: t.retryPeriodMs * 2 })
        : await this.o.api.request<Lease>({ method: 'PUT', path: this.path(this.o.name), body, timeoutMs: t.retryPeriodMs * 2 });
      this.observed = { record: JSON.stringify(written.spec ?? {}), at: now };
      return true;
    } catch (e) {
      // 409: another candidate wrote first (or created it); we stay a follower.
      if (e instanceof KubeHttpError && e.status === 409) return false;
      throw e;
    }
  }

  private async loop(): Promise<void> {
    const t = this.o.timings ?? CLIENT_GO_TIMINGS;
    while (!this.stop.signal.aborted) {
      let held = false;
      try {
        held = await this.tryAcquireOrRenew();
      } catch (e) {
        this.o.log.warn({ err: (e as Error).message, lease: `${this.o.namespace}/${this.o.name}` }, 'leader election: cannot read or write the lease');
      }
      if (this.stop.signal.aborted) break;
      const now = this.o.now();
      if (held) {
        this.lastRenew = now;
        if (!this.leading) {
          this.leading = true;
          this.o.log.info({ identity: this.o.identity, lease: `${this.o.namespace}/${this.o.name}` }, 'leader election: became the leader');
          this.o.onStartedLeading();
        }
      } else if (this.leading && now - this.lastRenew > t.renewDeadlineMs) {
        this.leading = false;
        this.o.onStoppedLeading(`could not renew the lease within ${t.renewDeadlineMs} ms`);
        return;
      }
      await this.o.sleep(t.retryPeriodMs, this.stop.signal);
    }
  }

  /** Stops the loop; a leader releases the lease so a follower takes over without waiting for expiry. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.run?.catch(() => undefined);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.o.api.request<Lease>({ method: 'GET', path: this.path(this.o.name), timeoutMs: 5000 });
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      await this.o.api.request({ method: 'PUT', path: this.path(this.o.name), timeoutMs: 5000, body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.o.now()) } } });
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message }, 'leader election: could not release the lease');
    }
  }
}
