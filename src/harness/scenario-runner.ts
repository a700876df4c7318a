// Runs a scenario file (../shared/spec/scenario-format.md) as a real Pod on
// the harness cluster and reports the same result JSON as the simulator.
//
// Each container is played by the behaviour image; its process logs
// Starting/Started/Exiting/Signal/NeedUnmet/PreStop* lines with a kernel
// timestamp to an emptyDir, which the runner reads straight from the kubelet's
// pod directory on this host while the pod runs (so the lines survive a pod
// deletion). What a process cannot log itself — being SIGKILLed — is taken from
// the container statuses (exit 137, finishedAt), probe failures from the
// kubelet's `Unhealthy` events, the phase and readiness from polling the pod.
// Times are seconds from just before the Pod was POSTed.
import { readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Container, ContainerStatus, Pod } from 'kubernetes-types/core/v1';
import {
  parseScenarioText,
  defaultBehavior,
  podContainerNames,
  evaluateAssertions,
  sortEvents,
  msToSeconds,
  REAL_RUN_TOLERANCE_SECONDS,
  type Scenario,
  type ScenarioResult,
  type TimelineEvent,
  type PodPhase,
  type ReadyChange,
  type ContainerOutcome,
  type ProbeKind,
  type EventType,
} from '../scenario/index';
import { castToBehaviour, servedPorts, withLogVolume, NEED_PORT_BASE } from './behaviour';
import { KubeClient, KubeApiError, waitFor, type KubeObject } from './kube';
import { clusterUp, type ClusterInfo } from './cluster';
import { silentLogger, type HarnessLogger } from './log';
import { harnessPaths, type HarnessPaths } from './paths';
import { defaultSleep } from './exec';

export interface RealRunOptions {
  /** an already running cluster; default: `clusterUp()` (idempotent) */
  readonly cluster?: ClusterInfo;
  readonly paths?: HarnessPaths;
  readonly log?: HarnessLogger;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** keep the namespace afterwards (debugging) */
  readonly keep?: boolean;
  readonly pollMs?: number;
}

export async function runScenarioFile(source: string, text: string, opts: RealRunOptions = {}): Promise<ScenarioResult> {
  const { scenario } = parseScenarioText(text, { source });
  return runScenarioOnCluster(scenario, opts);
}

/** Seconds of the host's CLOCK_BOOTTIME, the clock the behaviour image logs with (/proc/uptime). */
function uptimeSeconds(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

/** A DNS-label-safe piece of a name: lower case, at most `max` characters, no dash at either end. */
const slug = (s: string, max = 40) => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, max).replace(/^-+|-+$/g, '');

/** The pod the scenario describes, with every container played by the behaviour image. */
export function scenarioPod(s: Scenario, image: string, namespace: string, logHostDir?: string): Pod {
  const spec = s.pod.spec!;
  const names = podContainerNames(s.pod);
  const needPort = (n: string) => NEED_PORT_BASE + names.indexOf(n);
  const cast = (c: Container): Container => {
    const behavior = s.behavior[c.name] ?? defaultBehavior();
    return castToBehaviour(c, {
      image,
      behavior,
      servePorts: [...servedPorts(c), needPort(c.name)],
      needs: behavior.needs.map((n) => ({ name: n, port: needPort(n) })),
      ...(s.probes[c.name] ? { probeOverrides: s.probes[c.name] } : {}),
    });
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: s.pod.metadata?.name ?? 'scenario', namespace, labels: { 'sidecarctl.dev/scenario': slug(s.metadata.name) } },
    spec: {
      ...spec,
      // No API token is needed by the behaviour processes; leaving it out
      // keeps token projection out of the measured start path.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      ...(spec.initContainers ? { initContainers: spec.initContainers.map(cast) } : {}),
      containers: spec.containers.map(cast),
      volumes: withLogVolume(spec.volumes, logHostDir),
    },
  };
}

interface LogLine { up: number; run: number; type: string; args: string[] }

function parseLog(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    const [up, run, type, ...args] = line.trim().split(/\s+/);
    if (!up || !run || !type || Number.isNaN(Number(up))) continue;
    out.push({ up: Number(up), run: Number(run), type, args });
  }
  return out;
}

interface Termination { containerID: string; exitCode: number; reason?: string; finishedAt?: string; startedAt?: string }

export async function runScenarioOnCluster(s: Scenario, opts: RealRunOptions = {}): Promise<ScenarioResult> {
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const paths = opts.paths ?? harnessPaths();
  const cluster = opts.cluster ?? (await clusterUp({ log, paths }));
  const client = KubeClient.fromKubeconfig(cluster.kubeconfig);
  const ns = `sc-${slug(s.metadata.name, 30)}-${Math.random().toString(36).slice(2, 7)}`;
  try {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await waitFor('default service account', () => client.getOrUndefined('v1', 'ServiceAccount', 'default', ns), { timeoutMs: 30_000, sleep, now });
    // Logs go to a host directory of this run, so the last lines of a deleted
    // pod are still there after the kubelet removed the pod's own volumes.
    const logDir = join(paths.scenarioLogs, ns);
    const pod = scenarioPod(s, cluster.images.behaviour, ns, logDir);
    const podName = pod.metadata!.name!;
    const names = podContainerNames(s.pod);
    const actions = [...s.actions];
    const lastActionEnd = actions.reduce((m, a) => Math.max(m, a.at + ('delete' in a ? (a.delete.gracePeriodSeconds ?? s.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000 : 0)), 0);
    const observeMs = Math.max(s.observeFor, lastActionEnd + 2000);

    const offsetMs = now() - uptimeSeconds() * 1000; // wall clock of uptime 0
    const t0 = now();
    const created = await client.create(pod as KubeObject, ns);
    const uid = (created.metadata as { uid: string }).uid;
    log.info(`scenario ${s.metadata.name}: pod ${ns}/${podName} created (uid ${uid})`);

    const logs = new Map<string, string>();
    const terminations = new Map<string, Map<string, Termination>>();
    const ready: ReadyChange[] = [];
    let lastReady: boolean | undefined;
    let phase: PodPhase = 'Pending';
    let completedAt: number | null = null;
    let lastStatuses: ContainerStatus[] = [];
    let gone = false;
    const elapsed = () => now() - t0;

    const snapshotLogs = () => {
      if (!existsSync(logDir)) return;
      for (const f of readdirSync(logDir)) {
        if (!f.endsWith('.log')) continue;
        try {
          logs.set(f.slice(0, -4), readFileSync(join(logDir, f), 'utf8'));
        } catch {
          /* removed while reading: keep the last copy */
        }
      }
    };
    const record = (st: ContainerStatus) => {
      const m = terminations.get(st.name) ?? new Map<string, Termination>();
      terminations.set(st.name, m);
      for (const t of [st.lastState?.terminated, st.state?.terminated]) {
        if (t?.containerID && !m.has(t.containerID)) {
          m.set(t.containerID, { containerID: t.containerID, exitCode: t.exitCode, ...(t.reason ? { reason: t.reason } : {}), ...(t.finishedAt ? { finishedAt: t.finishedAt } : {}), ...(t.startedAt ? { startedAt: t.startedAt } : {}) });
        }
      }
    };

    // The kubelet writes a deleted pod's terminal phase and removes the object within
    // milliseconds; the watch sees that update, the 200 ms poll may not.
    const rv = (created.metadata as { resourceVersion?: string }).resourceVersion ?? '0';
    const watch = client.watch<Pod>(`/api/v1/namespaces/${ns}/pods?fieldSelector=metadata.name%3D${podName}&resourceVersion=${rv}`, (e) => {
      // also the last container statuses (a SIGKILLed container's 137) before the object goes
      [...(e.object?.status?.initContainerStatuses ?? []), ...(e.object?.status?.containerStatuses ?? [])].forEach(record);
      const ph = e.object?.status?.phase as PodPhase | undefined;
      if ((ph === 'Succeeded' || ph === 'Failed') && completedAt === null) {
        phase = ph;
        completedAt = msToSeconds(elapsed());
      }
    });

    for (;;) {
      while (actions.length && actions[0]!.at <= elapsed()) {
        const a = actions.shift()!;
        if ('delete' in a) {
          log.info(`action at ${a.at} ms: delete pod`);
          await client.delete('v1', 'Pod', podName, ns, a.delete.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: a.delete.gracePeriodSeconds } : {});
        } else {
          const target = a.updateImage.container;
          const image = a.updateImage.image ?? cluster.images.behaviourAlt;
          log.info(`action at ${a.at} ms: update image of ${target} to ${image}`);
          const cur = await client.get<Pod>('v1', 'Pod', podName, ns);
          const patchList = (list: Container[] | undefined) => list?.map((c) => (c.name === target ? { ...c, image } : c));
          await client.request('PUT', `/api/v1/namespaces/${ns}/pods/${podName}`, {
            ...cur,
            spec: { ...cur.spec, initContainers: patchList(cur.spec?.initContainers), containers: patchList(cur.spec?.containers) },
          });
        }
      }
      let p: Pod | undefined;
      try {
        p = await client.get<Pod>('v1', 'Pod', podName, ns);
      } catch (e) {
        if (e instanceof KubeApiError && e.status === 404) gone = true;
        else throw e;
      }
      snapshotLogs();
      if (p) {
        // never step back from a terminal phase the watch already saw
        if (phase !== 'Succeeded' && phase !== 'Failed') phase = (p.status?.phase as PodPhase | undefined) ?? phase;
        const statuses = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
        statuses.forEach(record);
        lastStatuses = statuses;
        const r = p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
        if (r !== lastReady) {
          ready.push({ t: msToSeconds(elapsed()), ready: r });
          lastReady = r;
        }
        if ((phase === 'Succeeded' || phase === 'Failed') && completedAt === null) completedAt = msToSeconds(elapsed());
      }
      const doneActions = actions.length === 0;
      if (gone) {
        await sleep(300); // the watch's last events (the DELETED object's final statuses)
        snapshotLogs();
        break;
      }
      if (completedAt !== null && doneActions && elapsed() >= lastActionEnd) {
        await sleep(500); // let the last log lines land
        snapshotLogs();
        break;
      }
      if (elapsed() >= observeMs && doneActions) break;
      await sleep(opts.pollMs ?? 200);
    }

    watch.stop();

    // Events from the processes' own logs.
    const events: TimelineEvent[] = [];
    const toT = (up: number) => msToSeconds(offsetMs + up * 1000 - t0);
    for (const name of names) {
      for (const l of parseLog(logs.get(name) ?? '')) {
        const base = { t: toT(l.up), container: name, run: l.run };
        const type = l.type as EventType;
        if (type === 'Exiting' || type === 'PreStopExiting' || type === 'PostStartExiting') events.push({ ...base, type, exitCode: Number(l.args[0] ?? 0) });
        else if (type === 'Signal') events.push({ ...base, type, signal: 'SIGTERM' });
        else if (type === 'NeedUnmet') events.push({ ...base, type, unmet: l.args });
        else events.push({ ...base, type });
      }
    }
    // Exits the process could not log: SIGKILL (137) or a kill before its trap ran.
    for (const name of names) {
      const ends = [...(terminations.get(name)?.values() ?? [])].sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''));
      ends.forEach((t, i) => {
        const run = i + 1;
        if (events.some((e) => e.container === name && e.run === run && e.type === 'Exiting')) return;
        const lastOfRun = Math.max(0, ...events.filter((e) => e.container === name && e.run === run).map((e) => e.t));
        const at = Math.max(lastOfRun, t.finishedAt ? msToSeconds(Date.parse(t.finishedAt) - t0) : lastOfRun);
        if (t.exitCode === 137) events.push({ t: at, container: name, run, type: 'Signal', signal: 'SIGKILL' });
        events.push({ t: at, container: name, run, type: 'Exiting', exitCode: t.exitCode, reason: t.reason ?? 'from container status' });
      });
    }
    // Probe failures: the kubelet's Unhealthy events (second resolution, aggregated by count).
    try {
      const evs = await client.request<{ items: { reason?: string; message?: string; involvedObject?: { fieldPath?: string }; firstTimestamp?: string; lastTimestamp?: string; eventTime?: string; count?: number }[] }>(
        'GET',
        `/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${podName}`)}`,
      );
      for (const e of evs.items) {
        if (e.reason !== 'Unhealthy') continue;
        const kind = e.message?.match(/^(Startup|Liveness|Readiness) probe/)?.[1]?.toLowerCase() as ProbeKind | undefined;
        const container = e.involvedObject?.fieldPath?.match(/\{(.+)\}/)?.[1];
        if (!kind || !container) continue;
        const times = [e.firstTimestamp ?? e.eventTime, (e.count ?? 1) > 1 ? e.lastTimestamp : undefined].filter((x): x is string => Boolean(x));
        for (const ts of times) {
          const t = msToSeconds(Date.parse(ts) - t0);
          const run = Math.max(1, ...events.filter((x) => x.container === container && x.type === 'Starting' && x.t <= t + 1).map((x) => x.run));
          events.push({ t, container, run, type: 'ProbeFailed', probe: kind });
        }
      }
    } catch (e) {
      log.info(`could not read pod events: ${String(e)}`);
    }

    const sorted = sortEvents(events);
    const containers: Record<string, ContainerOutcome> = {};
    for (const name of names) {
      const st = lastStatuses.find((x) => x.name === name);
      const ends = [...(terminations.get(name)?.values() ?? [])].sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''));
      const last = st?.state?.terminated ?? ends[ends.length - 1];
      containers[name] = {
        restarts: st?.restartCount ?? 0,
        ...(last ? { exitCode: last.exitCode, ...(last.reason ? { reason: last.reason } : {}) } : {}),
      };
    }
    const result: ScenarioResult = {
      scenario: s.metadata.name,
      kubernetesVersion: cluster.kubernetesVersion.replace(/^v(\d+\.\d+).*/, '$1'),
      events: sorted,
      phase,
      completedAt,
      ready,
      containers,
      assertions: evaluateAssertions(sorted, s.expect, { phase, completedAt, toleranceSeconds: REAL_RUN_TOLERANCE_SECONDS }),
    };
    return result;
  } finally {
    if (!opts.keep) {
      await client.delete('v1', 'Namespace', ns).catch(() => undefined);
      rmSync(join(paths.scenarioLogs, ns), { recursive: true, force: true });
    }
    client.close();
  }
}
