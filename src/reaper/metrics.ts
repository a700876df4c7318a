// Prometheus metrics for the reaper (prom-client, imported lazily by the command). Names follow
// the Prometheus naming guide and controller-runtime's (../shared/research/performance-and-ecosystem.md
// D6): one `sidecarctl_` prefix, base units, `_total` counters, no per-pod labels.
import type { ReaperMetrics } from './controller';
import { commonJsExports } from '../util/lazy-import';

export interface MetricsBundle {
  readonly metrics: ReaperMetrics;
  setLeader(v: boolean): void;
  /** Prometheus text exposition. */
  render(): Promise<{ contentType: string; body: string }>;
}

export async function createMetrics(version: string): Promise<MetricsBundle> {
  const prom = commonJsExports(await import('prom-client'));
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry });
  const reaction = new prom.Histogram({
    name: 'sidecarctl_reaper_reaction_seconds',
    help: 'Time from the last main container\'s termination (status finishedAt, whole seconds) to the first stop request of a sidecar.',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  const actions = new prom.Counter({ name: 'sidecarctl_reaper_actions_total', help: 'Stop actions by strategy (http, exec, signal, last-resort-*) and outcome (sent, failed, unavailable).', labelNames: ['strategy', 'outcome'], registers: [registry] });
  const watchEvents = new prom.Counter({ name: 'sidecarctl_reaper_watch_events_total', help: 'Pod watch events by type.', labelNames: ['type'], registers: [registry] });
  const watchRestarts = new prom.Counter({ name: 'sidecarctl_reaper_watch_restarts_total', help: 'Pod watch restarts by reason (gone = 410 relist, error, closed, idle).', labelNames: ['reason'], registers: [registry] });
  const tracked = new prom.Gauge({ name: 'sidecarctl_reaper_tracked_pods', help: 'Pods watched that have sidecars in containers.', registers: [registry] });
  const pending = new prom.Gauge({ name: 'sidecarctl_reaper_pending_pods', help: 'Pods whose trimmed view is held: a stop action is due now or at a known time (stop timeout, back-off).', registers: [registry] });
  const depth = new prom.Gauge({ name: 'sidecarctl_reaper_workqueue_depth', help: 'Pods waiting for a worker.', registers: [registry] });
  const leader = new prom.Gauge({ name: 'sidecarctl_reaper_leader', help: '1 when this replica holds the lease.', registers: [registry] });
  new prom.Gauge({ name: 'sidecarctl_build_info', help: 'Build information.', labelNames: ['version'], registers: [registry] }).set({ version }, 1);
  return {
    metrics: {
      reaction: (s) => reaction.observe(s),
      action: (strategy, outcome) => actions.inc({ strategy, outcome }),
      watchEvent: (type) => watchEvents.inc({ type }),
      watchRestart: (reason) => watchRestarts.inc({ reason }),
      tracked: (n) => tracked.set(n),
      pending: (n) => pending.set(n),
      queueDepth: (n) => depth.set(n),
    },
    setLeader: (v) => leader.set(v ? 1 : 0),
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
