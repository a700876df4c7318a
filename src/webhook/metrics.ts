// Prometheus metrics of the webhook (prom-client, imported lazily so the lint/fix CLI never
// loads it). Buckets start below a millisecond (the handler's own scale) and end at the
// apiserver's own webhook histogram buckets (apiserver_admission_webhook_admission_duration_seconds:
// 5 ms … 2.5 s, k8s.io/apiserver/pkg/admission/metrics), so the two can be read side by side.
import type { Outcome } from './admit';
import { commonJsExports } from '../util/lazy-import';

export interface WebhookMetrics {
  observe(outcome: Outcome, seconds: number): void;
  certReload(result: 'ok' | 'error'): void;
  render(): Promise<{ contentType: string; text: string }>;
}

export const LATENCY_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1, 2.5];

export async function createMetrics(): Promise<WebhookMetrics> {
  const prom = commonJsExports(await import('prom-client'));
  // A registry of our own: no module-level (global) state shared with anything else.
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry, prefix: 'sidecarctl_webhook_' });
  const requests = new prom.Counter({ name: 'sidecarctl_webhook_requests_total', help: 'AdmissionReview requests by outcome', labelNames: ['outcome'], registers: [registry] });
  const latency = new prom.Histogram({ name: 'sidecarctl_webhook_request_duration_seconds', help: 'Time from request start to response end, by outcome', labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const reloads = new prom.Counter({ name: 'sidecarctl_webhook_certificate_reloads_total', help: 'Serving certificate reloads by result', labelNames: ['result'], registers: [registry] });
  // Label children resolved once: no per-request label lookups.
  const byOutcome = new Map<Outcome, { c: { inc(): void }; h: { observe(v: number): void } }>();
  for (const o of ['patched', 'reaper', 'warned', 'unchanged', 'skipped', 'error', 'bad-request'] as const) byOutcome.set(o, { c: requests.labels(o), h: latency.labels(o) });
  return {
    observe(outcome, seconds) {
      const m = byOutcome.get(outcome)!;
      m.c.inc();
      m.h.observe(seconds);
    },
    certReload(result) { reloads.labels(result).inc(); },
    async render() { return { contentType: registry.contentType, text: await registry.metrics() }; },
  };
}

/** For tests and benchmarks that do not look at metrics. */
export const noMetrics: WebhookMetrics = { observe() {}, certReload() {}, async render() { return { contentType: 'text/plain', text: '' }; } };
