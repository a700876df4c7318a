// Turns a container of a manifest or scenario into one run by the behaviour
// image (harness/images/behaviour/behave): the process behaviour goes into
// SC_* environment variables, the per-pod event log into a shared emptyDir.
import type { Container, EnvVar, Pod, Probe, Volume, VolumeMount, LifecycleHandler } from 'kubernetes-types/core/v1';
import { FOREVER, type ContainerBehavior, type OnSigterm, type ProbeOverrides, type RunOverride } from '../scenario/index';

export const LOG_VOLUME = 'sc-log';
export const LOG_DIR = '/sc-log';
/** First port of the per-container ports that `needs` dial (one per container: they share the pod's network namespace). */
export const NEED_PORT_BASE = 19100;

const secs = (ms: number) => (ms === FOREVER ? 'forever' : String(ms / 1000));
const sigterm = (s: OnSigterm) => (s === 'ignore' ? 'ignore' : `${s.after / 1000}:${s.exitCode}`);

function probePort(p: Probe | undefined): number | undefined {
  const port = p?.httpGet?.port ?? p?.tcpSocket?.port ?? p?.grpc?.port;
  return typeof port === 'number' ? port : undefined;
}

/** Ports a container must serve: its containerPorts and the numeric ports its probes dial. */
export function servedPorts(c: Container): number[] {
  const ports = new Set<number>();
  for (const p of c.ports ?? []) ports.add(p.containerPort);
  for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
    const n = probePort(p);
    if (n !== undefined) ports.add(n);
  }
  return [...ports];
}

export interface CastOptions {
  readonly image: string;
  readonly behavior: ContainerBehavior;
  /** ports to serve once started (defaults to servedPorts(container)) */
  readonly servePorts?: readonly number[];
  /** containers (name and port) to dial at start */
  readonly needs?: readonly { name: string; port: number }[];
  readonly probeOverrides?: ProbeOverrides;
}

function runEnv(i: number, o: RunOverride): EnvVar[] {
  const env: EnvVar[] = [];
  if (o.startDelay !== undefined) env.push({ name: `SC_RUN${i}_START_DELAY`, value: secs(o.startDelay) });
  if (o.run !== undefined) env.push({ name: `SC_RUN${i}_RUN`, value: secs(o.run) });
  if (o.exitCode !== undefined) env.push({ name: `SC_RUN${i}_EXIT_CODE`, value: String(o.exitCode) });
  if (o.onSigterm !== undefined) env.push({ name: `SC_RUN${i}_SIGTERM`, value: sigterm(o.onSigterm) });
  return env;
}

function rewriteHook(h: LifecycleHandler | undefined, kind: 'PreStop' | 'PostStart'): LifecycleHandler | undefined {
  if (!h) return h;
  // A hook's duration is its sleep action or an exec `sleep N`; `exit N` fails at once.
  let seconds: number | undefined;
  let code = 0;
  if (h.sleep) seconds = h.sleep.seconds;
  const cmd = h.exec?.command?.join(' ') ?? '';
  const sleepM = cmd.match(/\bsleep\s+(\d+(?:\.\d+)?)/);
  const exitM = cmd.match(/\bexit\s+(\d+)/);
  if (sleepM) seconds = Number(sleepM[1]);
  if (exitM) {
    code = Number(exitM[1]);
    seconds ??= 0;
  }
  if (h.exec && seconds === undefined) seconds = 0;
  if (seconds === undefined) return h; // httpGet/tcpSocket hooks stay as written
  return { exec: { command: ['/sc/hook', kind, String(seconds), String(code)] } };
}

function overrideProbe(p: Probe | undefined, o: ProbeOverrides[keyof ProbeOverrides]): Probe | undefined {
  if (!p || !o) return p;
  const { httpGet: _h, tcpSocket: _t, grpc: _g, exec: _e, ...rest } = p;
  const command = o.kind === 'fail-after' ? ['/sc/probe', 'fail-after', String(o.after / 1000)] : ['/sc/probe', o.kind];
  return { ...rest, exec: { command } };
}

/** A copy of `c` that runs the behaviour image acting out `behavior`. */
export function castToBehaviour(c: Container, o: CastOptions): Container {
  const b = o.behavior;
  const env: EnvVar[] = [
    { name: 'SC_NAME', value: c.name },
    { name: 'SC_LOG_DIR', value: LOG_DIR },
    { name: 'SC_START_DELAY', value: secs(b.startDelay) },
    { name: 'SC_RUN', value: secs(b.run) },
    { name: 'SC_EXIT_CODE', value: String(b.exitCode) },
    { name: 'SC_SIGTERM', value: sigterm(b.onSigterm) },
    { name: 'SC_SERVE_PORTS', value: (o.servePorts ?? servedPorts(c)).join(' ') },
    { name: 'SC_NEEDS', value: (o.needs ?? []).map((n) => `${n.name}:${n.port}`).join(' ') },
    { name: 'SC_NEEDS_FAIL_EXIT_CODE', value: String(b.needsFailExitCode) },
    { name: 'SC_RUNS', value: String(b.runs.length) },
    ...b.runs.flatMap((r, i) => runEnv(i + 1, r)),
  ];
  const mounts: VolumeMount[] = [...(c.volumeMounts ?? []).filter((m) => m.name !== LOG_VOLUME), { name: LOG_VOLUME, mountPath: LOG_DIR }];
  const { command: _c, args: _a, ...rest } = c;
  const po = o.probeOverrides ?? {};
  const lifecycle = c.lifecycle
    ? {
        ...(c.lifecycle.postStart ? { postStart: rewriteHook(c.lifecycle.postStart, 'PostStart') } : {}),
        ...(c.lifecycle.preStop ? { preStop: rewriteHook(c.lifecycle.preStop, 'PreStop') } : {}),
      }
    : undefined;
  return {
    ...rest,
    image: o.image,
    imagePullPolicy: 'Never',
    env: [...(c.env ?? []).filter((e) => !e.name.startsWith('SC_')), ...env],
    volumeMounts: mounts,
    ...(lifecycle ? { lifecycle } : {}),
    ...(c.startupProbe ? { startupProbe: overrideProbe(c.startupProbe, po.startup) } : {}),
    ...(c.readinessProbe ? { readinessProbe: overrideProbe(c.readinessProbe, po.readiness) } : {}),
    ...(c.livenessProbe ? { livenessProbe: overrideProbe(c.livenessProbe, po.liveness) } : {}),
  };
}

/**
 * The volume every behaviour container logs to: an emptyDir, or a host
 * directory when the logs must outlive the pod (the kubelet removes an
 * emptyDir as soon as the pod is gone, possibly before its last lines were read).
 */
export function withLogVolume(volumes: readonly Volume[] | undefined, hostDir?: string): Volume[] {
  const vol: Volume = hostDir ? { name: LOG_VOLUME, hostPath: { path: hostDir, type: 'DirectoryOrCreate' } } : { name: LOG_VOLUME, emptyDir: {} };
  return [...(volumes ?? []).filter((v) => v.name !== LOG_VOLUME), vol];
}

/** Host path of a pod's log emptyDir (the kubelet's layout: pods/<uid>/volumes/kubernetes.io~empty-dir/<name>). */
export function hostLogDir(kubeletRoot: string, podUid: string): string {
  return `${kubeletRoot}/pods/${podUid}/volumes/kubernetes.io~empty-dir/${LOG_VOLUME}`;
}

export type { Pod };
