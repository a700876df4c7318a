// Wires the reaper: kube client, logger, metrics, HTTP endpoints, leader election, controller.
// Returns the exit code: 0 after a graceful shutdown, 1 on a fatal error.
import type { Writable } from 'node:stream';
import type { Catalog } from '../catalog/types';
import { connectKube, type KubeApi } from '../kube/client';
import { createEventRecorder } from '../kube/events';
import { LeaderElector } from '../kube/leader';
import { Reaper } from './controller';
import { DEFAULT_DECIDE } from './decide';
import { createExecutor } from './executor';
import { createMetrics } from './metrics';
import { startServer } from './server';
import { commonJsExports } from '../util/lazy-import';
import type { ReaperSettings } from '../cli/commands/reaper';

export const REPORTING_CONTROLLER = 'sidecarctl.dev/reaper';

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export interface RunDeps {
  readonly stderr: Writable;
  readonly now: () => number;
  readonly shutdown: AbortSignal;
  readonly version: string;
  readonly catalog: Catalog;
  /** Tests pass a client; otherwise one is made from the settings' kubeconfig. */
  readonly api?: KubeApi;
  /** Called once the HTTP server listens (tests read the port). */
  readonly onListening?: (port: number) => void;
}

export async function runReaper(s: ReaperSettings, d: RunDeps): Promise<number> {
  const { pino } = commonJsExports(await import('pino'));
  const log = pino({ level: s.logLevel, base: { controller: 'reaper', identity: s.identity }, timestamp: pino.stdTimeFunctions.isoTime }, d.stderr);
  let api: KubeApi;
  try {
    api = d.api ?? (await connectKube({ ...(s.kubeconfig ? { kubeconfig: s.kubeconfig } : {}), ...(s.context ? { context: s.context } : {}), inCluster: s.inCluster, env: s.clusterEnv, ...(s.home ? { home: s.home } : {}), maxSockets: s.workers * 2 + 4 }));
  } catch (e) {
    log.error({ err: (e as Error).message }, 'cannot connect to Kubernetes');
    return 1;
  }
  const bundle = await createMetrics(d.version);
  const events = createEventRecorder({ api, controller: REPORTING_CONTROLLER, instance: s.identity, now: d.now, log });
  const executor = createExecutor({ api, execTimeoutMs: 15_000, httpTimeoutMs: 5_000 });
  const makeReaper = () =>
    new Reaper({
      api, executor, events, metrics: bundle.metrics, log, now: d.now, sleep: abortableSleep, random: Math.random,
      namespaces: s.namespaces,
      ...(s.labelSelector ? { labelSelector: s.labelSelector } : {}),
      view: { catalog: d.catalog, catalogSidecars: s.catalogSidecars, defaultSignal: s.signal, ...(s.annotationSelector ? { annotationSelector: s.annotationSelector } : {}) },
      decide: { ...DEFAULT_DECIDE, stopTimeoutMs: s.stopTimeoutMs, maxAttempts: s.maxAttempts, lastResort: s.lastResort },
      workers: s.workers,
      listPageSize: s.listPageSize,
    });
  let reaper: Reaper | undefined;
  let elector: LeaderElector | undefined;
  const WATCH_STALE_MS = 15 * 60_000;
  const server = await startServer({
    host: s.listen.host,
    port: s.listen.port,
    source: {
      health: () => {
        const now = d.now();
        if (elector && !elector.healthy(now)) return 'the leader has not renewed its lease';
        if (reaper?.isSynced && now - reaper.lastWatchActivity() > WATCH_STALE_MS) return 'no watch event or bookmark for 15 minutes';
        return undefined;
      },
      ready: () => (elector ? !elector.isLeader || !!reaper?.isSynced : !!reaper?.isSynced),
      metrics: () => bundle.render(),
    },
  });
  d.onListening?.(server.port);
  log.info({ listen: `${s.listen.host}:${server.port}`, server: api.server, namespaces: s.namespaces.length ? s.namespaces : 'all', leaderElect: s.leaderElect }, 'reaper starting');

  // Leadership lost (the lease could not be renewed in time, e.g. while the API server restarts):
  // stop acting at once — another replica may lead now — and stand for election again in this
  // process, as client-go's `leaderelection.RunOrDie` in a loop does. State lives on the pods, so a
  // new term starts from a fresh list and loses nothing.
  let terms = 0;
  const stopped = new Promise<void>((resolve) => {
    if (d.shutdown.aborted) resolve();
    d.shutdown.addEventListener('abort', () => resolve(), { once: true });
  });
  if (!s.leaderElect) {
    reaper = makeReaper();
    reaper.start();
  } else {
    const elect = () => {
      elector = new LeaderElector({
        api, namespace: s.leaseNamespace, name: s.leaseName, identity: s.identity, timings: s.timings, now: d.now, sleep: abortableSleep, log,
        onStartedLeading: () => {
          terms++;
          bundle.setLeader(true);
          reaper = makeReaper();
          reaper.start();
        },
        onStoppedLeading: (why) => {
          bundle.setLeader(false);
          log.error({ why }, 'leader election: lost the lease; stopping work and standing again');
          const r = reaper;
          reaper = undefined;
          void (async () => {
            await r?.close();
            if (!d.shutdown.aborted) elect();
          })();
        },
        onNewLeader: (id) => log.info({ leader: id }, 'leader election: current leader'),
      });
      void elector.start();
    };
    elect();
  }
  await stopped;
  log.info({}, 'reaper stopping');
  await reaper?.close();
  await elector?.close();
  await server.close();
  if (!d.api) api.close();
  await new Promise<void>((r) => log.flush(() => r()));
  log.info({ terms }, 'reaper stopped');
  return 0;
}
