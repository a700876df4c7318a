// Kubernetes Events (events.k8s.io/v1) about a pod: one per action and failure, so `kubectl
// describe pod` shows what the reaper did. Events are best-effort ("informative, supplemental
// data", API reference): a failure to write one is logged, never retried, never fatal.
// Repeats of the same (pod, reason, note) within `dedupeMs` are dropped, like client-go's
// EventCorrelator spam filter, with a bounded memory.
import type { KubeApi } from './client';

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface EventInput {
  readonly regarding: PodRef;
  readonly type: 'Normal' | 'Warning';
  /** UpperCamelCase, ≤128 chars. */
  readonly reason: string;
  /** Machine-readable verb, ≤128 chars. */
  readonly action: string;
  /** ≤1 kB. */
  readonly note: string;
}

export interface EventRecorder {
  emit(e: EventInput): Promise<void>;
}

export function createEventRecorder(o: {
  api: KubeApi;
  controller: string;
  instance: string;
  now: () => number;
  log: { warn(o: object, m: string): void };
  dedupeMs?: number;
  maxRemembered?: number;
}): EventRecorder {
  const recent = new Map<string, number>();
  const dedupeMs = o.dedupeMs ?? 10 * 60_000;
  const max = o.maxRemembered ?? 4096;
  let seq = 0;
  return {
    async emit(e) {
      const now = o.now();
      const key = `${e.regarding.uid}\u0000${e.reason}\u0000${e.note}`;
      const prev = recent.get(key);
      if (prev !== undefined && now - prev < dedupeMs) return;
      recent.delete(key);
      recent.set(key, now);
      if (recent.size > max) recent.delete(recent.keys().next().value!);
      const t = new Date(now).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
      const body = {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: `${e.regarding.name}.${now.toString(16)}${(seq++ % 4096).toString(16)}`.slice(0, 253), namespace: e.regarding.namespace },
        eventTime: t,
        reportingController: o.controller,
        reportingInstance: o.instance.slice(0, 128),
        action: e.action.slice(0, 128),
        reason: e.reason.slice(0, 128),
        note: e.note.slice(0, 1024),
        type: e.type,
        regarding: { apiVersion: 'v1', kind: 'Pod', namespace: e.regarding.namespace, name: e.regarding.name, uid: e.regarding.uid },
      };
      try {
        await o.api.request({ method: 'POST', path: `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(e.regarding.namespace)}/events`, body, timeoutMs: 10_000 });
      } catch (err) {
        o.log.warn({ err: (err as Error).message, pod: { namespace: e.regarding.namespace, name: e.regarding.name }, reason: e.reason }, 'could not record an event');
      }
    },
  };
}
