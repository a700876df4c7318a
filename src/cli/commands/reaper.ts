// `sidecarctl reaper`: the controller that stops sidecars in `containers` once a pod's main
// containers are done (clusters below 1.29, or workloads not yet migrated to native sidecars).
// See docs/reaper.md. This is the command's entry: it reads flags and environment once, builds
// the adapters (client-node, pino, prom-client — all imported lazily, so `lint`/`fix` never load
// them), and wires leader election to the controller.
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { CliError, ExitCode, type CliContext } from '../context';
import { VERSION } from '../version';
import { parseDuration } from '../../scenario/duration';
import { defaultCatalog } from '../../catalog/index';
import { DEFAULT_DECIDE } from '../../reaper/decide';
import { normalizeSignal, SIGNALS } from '../../reaper/record';
import type { LastResort } from '../../reaper/types';

interface ReaperFlags {
  kubeconfig?: string;
  context?: string;
  namespace: string[];
  selector?: string;
  annotationSelector: string[];
  catalog: boolean;
  signal: string;
  lastResort: string;
  stopTimeout: string;
  maxAttempts: string;
  workers: string;
  leaderElect: boolean;
  leaseNamespace?: string;
  leaseName: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  identity?: string;
  listen: string;
  logLevel: string;
  optimize: boolean;
  listPageSize: string;
}

const collect = (v: string, acc: string[]) => [...acc, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

function duration(flag: string, v: string, minMs = 1): number {
  const d = parseDuration(v);
  if (d === undefined || !Number.isFinite(d) || d < minMs) throw new CliError(`--${flag}: "${v}" is not a duration of at least ${minMs} ms (use 500ms, 15s, 2m)`);
  return d;
}

function positiveInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliError(`--${flag}: "${v}" is not a positive integer`);
  return Number(v);
}

/** Validated settings: every flag is checked before anything connects. Exported for tests. */
export function parseReaperFlags(flags: ReaperFlags, env: Readonly<Record<string, string | undefined>>) {
  const signal = normalizeSignal(flags.signal);
  if (!signal) throw new CliError(`--signal: "${flags.signal}" is not one of ${SIGNALS.join(', ')}`);
  if (flags.lastResort !== 'event' && flags.lastResort !== 'delete-pod') throw new CliError(`--last-resort: "${flags.lastResort}" is not one of event, delete-pod`);
  const annotationSelector: Record<string, string> = {};
  for (const a of flags.annotationSelector) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new CliError(`--annotation-selector: "${a}" is not key=value`);
    annotationSelector[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const timings = { leaseDurationMs: duration('lease-duration', flags.leaseDuration), renewDeadlineMs: duration('renew-deadline', flags.renewDeadline), retryPeriodMs: duration('retry-period', flags.retryPeriod) };
  // client-go's own checks (leaderelection.NewLeaderElector): duration > deadline > retry period.
  if (!(timings.leaseDurationMs > timings.renewDeadlineMs && timings.renewDeadlineMs > timings.retryPeriodMs)) {
    throw new CliError('--lease-duration must be greater than --renew-deadline, which must be greater than --retry-period');
  }
  const m = /^(.*):(\d+)$/.exec(flags.listen);
  if (!m || Number(m[2]) > 65535) throw new CliError(`--listen: "${flags.listen}" is not host:port (e.g. 0.0.0.0:8080, 127.0.0.1:0)`);
  for (const ns of flags.namespace) if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns)) throw new CliError(`--namespace: "${ns}" is not a namespace name`);
  const inCluster = !!env.KUBERNETES_SERVICE_HOST && !flags.kubeconfig;
  let leaseNamespace = flags.leaseNamespace ?? env.POD_NAMESPACE;
  if (!leaseNamespace && inCluster) {
    try {
      leaseNamespace = readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
    } catch { /* not mounted */ }
  }
  return {
    kubeconfig: flags.kubeconfig ?? env.KUBECONFIG?.split(':')[0] ?? undefined,
    context: flags.context,
    inCluster,
    clusterEnv: { KUBERNETES_SERVICE_HOST: env.KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT: env.KUBERNETES_SERVICE_PORT },
    home: env.HOME,
    namespaces: flags.namespace,
    labelSelector: flags.selector,
    annotationSelector: Object.keys(annotationSelector).length ? annotationSelector : undefined,
    catalogSidecars: flags.catalog,
    signal,
    lastResort: flags.lastResort as LastResort,
    stopTimeoutMs: duration('stop-timeout', flags.stopTimeout),
    maxAttempts: positiveInt('max-attempts', flags.maxAttempts),
    workers: positiveInt('workers', flags.workers),
    listPageSize: positiveInt('list-page-size', flags.listPageSize),
    leaderElect: flags.leaderElect,
    leaseNamespace: leaseNamespace || 'default',
    leaseName: flags.leaseName,
    timings,
    identity: flags.identity ?? env.POD_NAME ?? `${hostname()}_${randomBytes(4).toString('hex')}`,
    listen: { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) },
    logLevel: flags.logLevel,
    optimize: flags.optimize,
  };
}

export type ReaperSettings = ReturnType<typeof parseReaperFlags>;

/** The process's termination signals as an AbortSignal: the only place this command touches `process`. */
function processShutdown(): AbortSignal {
  const ac = new AbortController();
  for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => ac.abort(s));
  return ac.signal;
}

export function register(program: Command, ctx: CliContext, deps: { shutdown?: () => AbortSignal } = {}): void {
  program.command('reaper')
    .description('run the sidecar reaper: stop sidecars in `containers` once every main container of a pod has exited (Jobs on clusters below 1.29)')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('-n, --namespace <ns>', 'watch this namespace (repeatable or comma-separated; default: all)', collect, [] as string[])
    .option('-l, --selector <selector>', 'label selector for pods (server-side)')
    .option('--annotation-selector <key=value>', 'only pods with this annotation value (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--catalog', 'also stop catalog-recognised sidecars (Cloud SQL proxy, istio-proxy, …) no annotation lists', false)
    .option('--signal <signal>', `signal for the kill step (${SIGNALS.join(', ')})`, 'TERM')
    .option('--last-resort <policy>', 'when no step stops a sidecar: event (report only) or delete-pod', 'event')
    .option('--stop-timeout <duration>', 'how long a sidecar may take to exit before the next step', '30s')
    .option('--max-attempts <n>', 'attempts per step for retryable failures', String(DEFAULT_DECIDE.maxAttempts))
    .option('--workers <n>', 'pods processed in parallel', '8')
    .option('--list-page-size <n>', 'pods per page of the initial list and relists (client-go uses 500: faster relists, ≈5 MiB more transient memory)', '25')
    .option('--no-leader-elect', 'run without leader election (a single replica)')
    .option('--lease-namespace <ns>', 'namespace of the Lease (default: the pod\'s, else default)')
    .option('--lease-name <name>', 'name of the Lease', 'sidecarctl-reaper')
    .option('--lease-duration <duration>', 'client-go LeaseDuration', '15s')
    .option('--renew-deadline <duration>', 'client-go RenewDeadline', '10s')
    .option('--retry-period <duration>', 'client-go RetryPeriod', '2s')
    .option('--identity <id>', 'this replica\'s identity in the Lease (default: $POD_NAME, else hostname_random)')
    .option('--listen <host:port>', '/healthz, /readyz and /metrics', '0.0.0.0:8080')
    .option('--log-level <level>', 'trace, debug, info, warn, error', 'info')
    .option('--optimize', 'let V8\'s optimizing compiler run (≈7 MiB more memory; the reaper\'s work is I/O-bound)', false)
    .action(async (flags: ReaperFlags) => {
      const s = parseReaperFlags(flags, ctx.env);
      // The controller spends its time waiting on the API server; what it computes per event takes
      // microseconds in V8's interpreter and baseline compiler. The optimizing compiler (TurboFan)
      // still kicks in during the initial list of thousands of pods and leaves its code pages and
      // compilation memory behind: 7–8 MiB of RSS against a 64 MiB budget (ADR 0011, measured by
      // bench/reaper.bench.ts). Set before any code of the controller runs, so nothing is
      // optimized later; it only affects tiering decisions.
      if (!s.optimize) ctx.setV8Flags?.('--no-opt');
      const { runReaper } = await import('../../reaper/run');
      const code = await runReaper(s, { stderr: ctx.io.stderr, now: ctx.now, shutdown: (deps.shutdown ?? processShutdown)(), version: VERSION, catalog: defaultCatalog });
      if (code !== 0) throw new CliError('the reaper stopped with an error (see the log)', ExitCode.findings);
    });
}
