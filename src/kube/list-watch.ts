// List-then-watch of one collection, with what client-node's ListWatch lacks
// (../shared/research/performance-and-ecosystem.md C4/C5):
//  - a paginated initial list (`limit`), raw JSON, and a transform at ingest so the cache holds
//    only what the consumer reads;
//  - watch bookmarks (`allowWatchBookmarks`) so a reconnect resumes from a recent resourceVersion;
//  - 410 Gone (HTTP status or an ERROR event with code 410) → relist, with DELETE for objects that
//    vanished meanwhile (client-go reflector semantics, tools/cache/reflector.go);
//  - any other watch error or end → reconnect from the last resourceVersion with jittered
//    exponential back-off (1 s → 30 s), never a silent stop;
//  - an inactivity timer: a watch that delivers neither events nor bookmarks for `idleMs` is
//    restarted (watches can go quiet without closing: client-node #301/#596/#958);
//  - a server-side `timeoutSeconds` randomised like client-go (5–10 min) so watches roll over.
// The clock, the sleep and the random source are injected.
import type { KubeApi } from './client';
import { KubeHttpError } from './client';

export interface WatchEvents<T> {
  /** Called for ADDED/MODIFIED and for every object of a (re)list. `obj` is the transformed value. */
  upsert(key: string, obj: T): void;
  delete(key: string): void;
  /** A full (re)list finished: the cache is in sync. */
  synced?(count: number): void;
}

export interface ListWatchOptions<T> {
  readonly api: KubeApi;
  /** Collection path, e.g. `/api/v1/pods` or `/api/v1/namespaces/x/pods`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Raw object → cached value; `undefined` = not interesting (treated as absent). */
  readonly transform: (raw: Record<string, unknown>) => T | undefined;
  readonly events: WatchEvents<T>;
  readonly pageSize?: number;
  readonly idleMs?: number;
  readonly now: () => number;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
  readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void };
  /** Metrics hooks. */
  readonly onEvent?: (type: string) => void;
  readonly onRestart?: (reason: 'gone' | 'error' | 'closed' | 'idle') => void;
}

function keyOf(o: Record<string, unknown>): string | undefined {
  const md = o.metadata as { namespace?: string; name?: string } | undefined;
  if (!md?.name) return undefined;
  return md.namespace ? `${md.namespace}/${md.name}` : md.name;
}

export class ListWatch<T> {
  private readonly stop = new AbortController();
  private rv = '';
  private known = new Set<string>();
  private lastActivity = 0;
  private running?: Promise<void>;

  constructor(private readonly o: ListWatchOptions<T>) {}

  /** Time of the last list, event or bookmark (for /healthz freshness). */
  get lastSeen(): number {
    return this.lastActivity;
  }

  /** Objects known after the last list and the events since (those `transform` kept). */
  get size(): number {
    return this.known.size;
  }

  get resourceVersion(): string {
    return this.rv;
  }

  start(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.running?.catch(() => undefined);
  }

  private async list(): Promise<void> {
    const seen = new Set<string>();
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.o.api.request<{ metadata?: { resourceVersion?: string; continue?: string }; items?: Record<string, unknown>[] }>({
        method: 'GET',
        path: this.o.path,
        // 100 per page unless told (the reaper asks for 25), not client-go's 500: fewer raw objects
        // alive at once during the list, which sets the process's peak RSS (ADRs 0010, 0011).
        query: { limit: this.o.pageSize ?? 100, continue: cont, labelSelector: this.o.labelSelector, fieldSelector: this.o.fieldSelector },
        timeoutMs: 60_000,
      });
      for (const item of page.items ?? []) {
        const key = keyOf(item);
        if (!key) continue;
        const t = this.o.transform(item);
        if (t === undefined) continue;
        seen.add(key);
        this.o.events.upsert(key, t);
      }
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? rv;
    } while (cont && !this.stop.signal.aborted);
    for (const k of this.known) if (!seen.has(k)) this.o.events.delete(k);
    this.known = seen;
    this.rv = rv;
    this.lastActivity = this.o.now();
    this.o.events.synced?.(seen.size);
  }

  /** One watch connection; resolves with why it ended. */
  private async watchOnce(): Promise<'gone' | 'closed' | 'idle'> {
    const conn = new AbortController();
    const onStop = () => conn.abort();
    this.stop.signal.addEventListener('abort', onStop, { once: true });
    let ended: 'gone' | 'closed' | 'idle' = 'closed';
    const idleMs = this.o.idleMs ?? 5 * 60_000;
    let last = this.o.now();
    const timer = setInterval(() => {
      if (this.o.now() - last > idleMs) {
        ended = 'idle';
        conn.abort();
      }
    }, Math.min(idleMs, 10_000));
    timer.unref?.();
    try {
      await this.o.api.stream({
        path: this.o.path,
        query: {
          watch: 1,
          resourceVersion: this.rv,
          allowWatchBookmarks: true,
          // client-go's reflector: minWatchTimeout 5 min, times (1 + rand) → 5–10 min.
          timeoutSeconds: Math.floor(300 * (1 + this.o.random())),
          labelSelector: this.o.labelSelector,
          fieldSelector: this.o.fieldSelector,
        },
        signal: conn.signal,
        onLine: (line) => {
          last = this.o.now();
          this.lastActivity = last;
          let ev: { type?: string; object?: Record<string, unknown> };
          try {
            ev = JSON.parse(line) as typeof ev;
          } catch {
            return;
          }
          const obj = ev.object ?? {};
          this.o.onEvent?.(ev.type ?? 'UNKNOWN');
          if (ev.type === 'ERROR') {
            if ((obj as { code?: number }).code === 410) ended = 'gone';
            conn.abort();
            return;
          }
          const rv = (obj.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
          if (ev.type === 'BOOKMARK') {
            if (rv) this.rv = rv;
            return;
          }
          const key = keyOf(obj);
          if (rv) this.rv = rv;
          if (!key) return;
          if (ev.type === 'DELETED') {
            if (this.known.delete(key)) this.o.events.delete(key);
            return;
          }
          const t = this.o.transform(obj);
          if (t === undefined) {
            // No longer interesting (e.g. the annotation was removed): forget it.
            if (this.known.delete(key)) this.o.events.delete(key);
            return;
          }
          this.known.add(key);
          this.o.events.upsert(key, t);
        },
      });
    } catch (e) {
      if (e instanceof KubeHttpError && e.status === 410) ended = 'gone';
      else if (!this.stop.signal.aborted && ended === 'closed') throw e;
    } finally {
      clearInterval(timer);
      this.stop.signal.removeEventListener('abort', onStop);
    }
    return ended;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    let needList = true;
    while (!this.stop.signal.aborted) {
      try {
        if (needList) {
          await this.list();
          needList = false;
        }
        const why = await this.watchOnce();
        if (this.stop.signal.aborted) break;
        this.o.onRestart?.(why);
        if (why === 'gone') {
          this.o.log.info({ path: this.o.path }, 'watch: resourceVersion too old (410 Gone), relisting');
          needList = true;
        }
        failures = 0;
      } catch (e) {
        if (this.stop.signal.aborted) break;
        failures++;
        this.o.onRestart?.('error');
        // An error mid-list restarts the list; a watch error resumes from the last resourceVersion.
        if (!this.rv) needList = true;
        const delay = Math.min(30_000, 1000 * 2 ** Math.min(failures - 1, 5)) * (0.5 + this.o.random() / 2);
        this.o.log.warn({ path: this.o.path, err: (e as Error).message, retryInMs: Math.round(delay) }, 'watch failed, retrying');
        await this.o.sleep(delay, this.stop.signal);
      }
    }
  }
}
