// Helpers the e2e tests and benchmarks use to run real workloads (Jobs,
// CronJobs, Deployments) on the harness cluster and read what happened.
import { run } from './exec';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Container, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1';
import { KubeClient, waitFor, type KubeObject } from './kube';
import { hostLogDir, castToBehaviour, withLogVolume, type CastOptions } from './behaviour';
import { harnessPaths, type HarnessPaths } from './paths';
import { clusterUp, type ClusterInfo } from './cluster';
import { stderrLogger, type HarnessLogger } from './log';
import { defaultBehavior, type ContainerBehavior } from '../scenario/index';

/** Brings the cluster up if needed (idempotent) and returns how to reach it. */
export function ensureCluster(opts: { log?: HarnessLogger; paths?: HarnessPaths } = {}): Promise<ClusterInfo> {
  return clusterUp({ log: opts.log ?? stderrLogger(), ...(opts.paths ? { paths: opts.paths } : {}) });
}

/** A fresh namespace (with its default service account) and a cleanup function. */
export async function freshNamespace(client: KubeClient, prefix: string): Promise<{ ns: string; cleanup: () => Promise<void> }> {
  const ns = `${prefix}-${Math.random().toString(36).slice(2, 7)}`;
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await waitFor('default service account', () => client.getOrUndefined('v1', 'ServiceAccount', 'default', ns), { timeoutMs: 30_000 });
  return { ns, cleanup: () => client.delete('v1', 'Namespace', ns) };
}

/** Runs `sidecarctl fix -` (stdin to stdout) from the built bundle, as a user would. */
export function sidecarctlFix(manifest: string, opts: { repo?: string; args?: readonly string[] } = {}): Promise<string> {
  const repo = opts.repo ?? harnessPaths().repo;
  const bin = join(repo, 'bin', 'sidecarctl.mjs');
  if (!existsSync(join(repo, 'dist', 'sidecarctl.mjs'))) return Promise.reject(new Error('dist/sidecarctl.mjs is missing: run `npm run build` first'));
  return run(process.execPath, [bin, 'fix', ...(opts.args ?? []), '-'], { cwd: repo, input: manifest, component: 'sidecarctl fix' }).then((r) => {
    if (r.stdout.trim() === '') throw new Error(`sidecarctl fix printed nothing: ${r.stderr.trim()}`);
    return r.stdout;
  });
}

export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => Boolean(o && o.kind));
}

/** What `kubectl create job --from=cronjob/<name>` makes: a Job from the CronJob's jobTemplate, run now instead of on the next minute. */
export function jobFromCronJob(cron: KubeObject, name?: string): KubeObject {
  const tmpl = (cron.spec as { jobTemplate: { metadata?: Record<string, unknown>; spec: Record<string, unknown> } }).jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: name ?? `${cron.metadata.name}-manual`, annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } },
    spec: structuredClone(tmpl.spec),
  };
}

export function podTemplateOf(obj: KubeObject): PodTemplateSpec {
  if (obj.kind === 'CronJob') return (obj.spec as { jobTemplate: { spec: { template: PodTemplateSpec } } }).jobTemplate.spec.template;
  return (obj.spec as { template: PodTemplateSpec }).template;
}

export type Cast = { behaviour: Partial<Omit<ContainerBehavior, 'needs'>> & { needs?: readonly { name: string; port: number }[] }; servePorts?: readonly number[] } | { image: string; env?: Record<string, string>; extraArgs?: readonly string[] | ((args: readonly string[]) => readonly string[]) };

/**
 * Replaces the images of a workload's containers by the harness' images:
 * a behaviour cast (process behaviour acted out by the behaviour image) or a
 * plain image swap (e.g. the real cloud-sql-proxy built here for the upstream
 * image). Everything else in the manifest stays as written or as fixed.
 */
export function castWorkload(obj: KubeObject, images: { behaviour: string }, casts: Readonly<Record<string, Cast>>): KubeObject {
  const out = structuredClone(obj);
  const tmpl = podTemplateOf(out);
  const spec = tmpl.spec!;
  const apply = (c: Container): Container => {
    const cast = casts[c.name];
    if (!cast) return c;
    if ('image' in cast) {
      const env = Object.entries(cast.env ?? {}).map(([name, value]) => ({ name, value }));
      return {
        ...c,
        image: cast.image,
        imagePullPolicy: 'Never',
        ...(env.length ? { env: [...(c.env ?? []), ...env] } : {}),
        ...(cast.extraArgs ? { args: [...(c.args ?? []), ...(typeof cast.extraArgs === 'function' ? cast.extraArgs(c.args ?? []) : cast.extraArgs)] } : {}),
      };
    }
    const { needs, ...rest } = cast.behaviour;
    const behavior: ContainerBehavior = { ...defaultBehavior(), ...rest, needs: [] };
    const o: CastOptions = { image: images.behaviour, behavior, ...(needs ? { needs } : {}), ...(cast.servePorts ? { servePorts: cast.servePorts } : {}) };
    return castToBehaviour(c, o);
  };
  spec.containers = spec.containers.map(apply);
  if (spec.initContainers) spec.initContainers = spec.initContainers.map(apply);
  spec.volumes = withLogVolume(spec.volumes);
  // Every container gets the log volume mounted only when cast; the volume itself is harmless otherwise.
  spec.automountServiceAccountToken = false;
  return out;
}

export interface LogEvent { t: number; run: number; type: string; args: string[] }

/** Wall-clock ms of CLOCK_BOOTTIME 0: behaviour logs carry /proc/uptime seconds. */
export function uptimeOffsetMs(): number {
  return Date.now() - Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
}

export function parseBehaviourLog(text: string, offsetMs = uptimeOffsetMs()): LogEvent[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p.length >= 3 && !Number.isNaN(Number(p[0])))
    .map(([u, run, type, ...args]) => ({ t: offsetMs + Number(u) * 1000, run: Number(run), type: type!, args }));
}

/** The behaviour log lines of one container of a pod, read now from the kubelet's pod directory; `t` is wall-clock ms. */
export function behaviourLog(podUid: string, container: string, paths: HarnessPaths = harnessPaths()): LogEvent[] {
  const f = join(hostLogDir(paths.kubeletRoot, podUid), `${container}.log`);
  if (!existsSync(f)) return [];
  return parseBehaviourLog(readFileSync(f, 'utf8'));
}

/**
 * Keeps copies of the behaviour logs of every pod matching a selector, read
 * every `intervalMs` while it runs: the kubelet removes a pod's emptyDir once
 * the pod has terminated, so a Job's logs must be read before it completes.
 */
export class LogCollector {
  private readonly logs = new Map<string, Map<string, string>>();
  private readonly pods = new Map<string, Pod>();
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private readonly offset = uptimeOffsetMs();
  constructor(
    private readonly client: KubeClient,
    private readonly ns: string,
    private readonly selector: string,
    private readonly paths: HarnessPaths = harnessPaths(),
  ) {}

  start(intervalMs = 100): this {
    this.timer = setInterval(() => {
      if (!this.inflight) void this.poll();
    }, intervalMs);
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.poll();
  }

  /** Reads every matching pod's logs as they are now. A read already under way may have listed the
   *  pods or read the files before what the caller is waiting for happened: wait for it, then read again. */
  async poll(): Promise<void> {
    while (this.inflight) await this.inflight;
    const run = this.readAll();
    this.inflight = run;
    try {
      await run;
    } finally {
      if (this.inflight === run) this.inflight = undefined;
    }
  }

  private async readAll(): Promise<void> {
    try {
      for (const p of await this.client.list<Pod>('v1', 'Pod', this.ns, this.selector)) {
        const uid = p.metadata!.uid!;
        this.pods.set(uid, p);
        const dir = hostLogDir(this.paths.kubeletRoot, uid);
        if (!existsSync(dir)) continue;
        const m = this.logs.get(uid) ?? new Map<string, string>();
        this.logs.set(uid, m);
        for (const f of readdirSync(dir)) {
          if (!f.endsWith('.log')) continue;
          try {
            m.set(f.slice(0, -4), readFileSync(join(dir, f), 'utf8'));
          } catch {
            /* removed meanwhile: keep the last copy */
          }
        }
      }
    } catch {
      /* namespace going away: keep what we have */
    }
  }

  /** Pods seen, oldest first. */
  seenPods(): Pod[] {
    return [...this.pods.values()].sort((a, b) => (a.metadata!.creationTimestamp! < b.metadata!.creationTimestamp! ? -1 : a.metadata!.creationTimestamp! > b.metadata!.creationTimestamp! ? 1 : 0));
  }

  events(podUid: string, container: string): LogEvent[] {
    return parseBehaviourLog(this.logs.get(podUid)?.get(container) ?? '', this.offset);
  }
}

export interface JobState { complete: boolean; failed: boolean; observedAt?: number; completionTime?: string; succeeded: number; failedPods: number }

export async function jobState(client: KubeClient, ns: string, name: string): Promise<JobState> {
  const job = await client.get<{ status?: { conditions?: { type: string; status: string }[]; completionTime?: string; succeeded?: number; failed?: number } }>('batch/v1', 'Job', name, ns);
  const cond = (t: string) => job.status?.conditions?.some((c) => c.type === t && c.status === 'True') ?? false;
  return {
    complete: cond('Complete'),
    failed: cond('Failed'),
    ...(job.status?.completionTime ? { completionTime: job.status.completionTime } : {}),
    succeeded: job.status?.succeeded ?? 0,
    failedPods: job.status?.failed ?? 0,
  };
}

/** Polls the Job every `intervalMs` until Complete/Failed or `timeoutMs`; `observedAt` is when the condition was first seen. */
export async function waitJobFinished(client: KubeClient, ns: string, name: string, timeoutMs: number, intervalMs = 100): Promise<JobState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await jobState(client, ns, name);
    if (st.complete || st.failed) return { ...st, observedAt: Date.now() };
    if (Date.now() > deadline) return st;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function podsOf(client: KubeClient, ns: string, selector: string): Promise<Pod[]> {
  return client.list<Pod>('v1', 'Pod', ns, selector);
}

export function containerStatus(pod: Pod, name: string) {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s) => s.name === name);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
