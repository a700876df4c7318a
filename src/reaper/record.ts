// The durable record of what the reaper did to each sidecar run, kept on the pod itself in the
// annotation `sidecarctl.dev/reaper`. Writing it before acting (with the pod's resourceVersion as
// a precondition) is what makes actions happen once per sidecar run across reaper restarts and
// leader changes: a new leader reads what the old one did from the pod, not from its memory.
import type { ReaperRecord, StopRecord } from './types';

export const RECORD_ANNOTATION = 'sidecarctl.dev/reaper';
/** Per-pod signal override: `INT` (every sidecar) or `fluentd=INT,vault-agent=TERM`. */
export const SIGNAL_ANNOTATION = 'sidecarctl.dev/stop-signal';

const STATUSES: ReadonlySet<StopRecord['status']> = new Set(['claimed', 'sent', 'failed', 'unavailable', 'gave-up']);
const MAX_LEN = 16 * 1024;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function isStopRecord(v: unknown): v is StopRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.run === 'string' && Number.isInteger(r.step) && (r.step as number) >= 0 && Number.isInteger(r.attempt) && (r.attempt as number) >= 1
    && typeof r.status === 'string' && STATUSES.has(r.status as StopRecord['status']) && typeof r.at === 'number' && Number.isFinite(r.at);
}

/** Parses the annotation. An unreadable value is an error, never silently an empty record: acting on
 *  a pod whose history we cannot read could repeat an action. */
export function parseRecord(text: string | undefined): { record: ReaperRecord; error?: string } {
  if (text === undefined || text === '') return { record: {} };
  if (text.length > MAX_LEN) return { record: {}, error: `${RECORD_ANNOTATION} is longer than ${MAX_LEN} characters` };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { record: {}, error: `${RECORD_ANNOTATION} is not JSON: ${(e as Error).message}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { record: {}, error: `${RECORD_ANNOTATION} is not a JSON object` };
  const out: Record<string, StopRecord> = {};
  for (const [name, r] of Object.entries(v)) {
    // Keys are container names (RFC 1123 labels); anything else (`__proto__`) is refused.
    if (!DNS_LABEL.test(name)) return { record: {}, error: `${RECORD_ANNOTATION}: "${name.slice(0, 64)}" is not a container name` };
    if (!isStopRecord(r)) return { record: {}, error: `${RECORD_ANNOTATION}: the entry for "${name}" is malformed` };
    out[name] = { run: r.run, step: r.step, attempt: r.attempt, status: r.status, at: r.at };
  }
  return { record: out };
}

/** Canonical text (sorted keys) so equal records give equal annotations. */
export function formatRecord(record: ReaperRecord): string {
  const sorted: Record<string, StopRecord> = {};
  for (const k of Object.keys(record).sort()) {
    const r = record[k]!;
    sorted[k] = { run: r.run, step: r.step, attempt: r.attempt, status: r.status, at: r.at };
  }
  return JSON.stringify(sorted);
}

/** Signals a user may ask for. A closed list: the value reaches `kill -s`, and SIGKILL cannot work
 *  anyway (the kernel drops SIGKILL sent to a PID namespace's init from inside it; pid_namespaces(7)). */
export const SIGNALS = ['TERM', 'INT', 'QUIT', 'HUP', 'USR1', 'USR2'] as const;
export type SignalName = (typeof SIGNALS)[number];

export function normalizeSignal(s: string): SignalName | undefined {
  const up = s.trim().toUpperCase().replace(/^SIG/, '');
  return (SIGNALS as readonly string[]).includes(up) ? (up as SignalName) : undefined;
}

/** Reads the per-pod signal annotation for one container; `undefined` = use the default. */
export function signalFor(annotation: string | undefined, container: string): { signal?: SignalName; error?: string } {
  if (!annotation || !annotation.trim()) return {};
  const parts = annotation.split(',').map((s) => s.trim()).filter(Boolean);
  let fallback: string | undefined;
  let own: string | undefined;
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq < 0) fallback = p;
    else if (p.slice(0, eq).trim() === container) own = p.slice(eq + 1);
  }
  const chosen = own ?? fallback;
  if (chosen === undefined) return {};
  const sig = normalizeSignal(chosen);
  return sig ? { signal: sig } : { error: `${SIGNAL_ANNOTATION}: "${chosen}" is not one of ${SIGNALS.join(', ')}` };
}
