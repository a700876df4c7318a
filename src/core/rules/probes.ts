// broken-probe: probes and hooks that cannot work. The kubelet runs httpGet/tcpSocket probes
// and httpGet hooks from the node against the pod IP (host defaults to the pod IP), so a port
// bound to 127.0.0.1 inside the pod is unreachable to it.
import type { Container, Probe } from 'kubernetes-types/core/v1';
import type { ContainerInfo } from '../pod-model';
import { servedPorts } from '../pod-model';
import { CSQL_HEALTH_DOCS, SIDECAR_DOCS, type Rule, type RuleHit } from './rule';

const PROBES = ['startupProbe', 'livenessProbe', 'readinessProbe'] as const;

/** Resolves a probe/hook port (number, numeric string, or a named port of `owner`). */
export function resolvePort(port: unknown, owner: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string') {
    if (/^\d+$/.test(port)) return Number(port);
    const named = (owner.ports ?? []).find((p) => p?.name === port);
    return named?.containerPort;
  }
  return undefined;
}

export function probeTarget(p: Probe | undefined, owner: Container): { port: number; kind: 'httpGet' | 'tcpSocket' | 'grpc'; host?: string } | undefined {
  if (!p) return undefined;
  if (p.httpGet) { const port = resolvePort(p.httpGet.port, owner); return port === undefined ? undefined : { port, kind: 'httpGet', ...(p.httpGet.host ? { host: p.httpGet.host } : {}) }; }
  if (p.tcpSocket) { const port = resolvePort(p.tcpSocket.port, owner); return port === undefined ? undefined : { port, kind: 'tcpSocket', ...(p.tcpSocket.host ? { host: p.tcpSocket.host } : {}) }; }
  if (p.grpc && typeof p.grpc.port === 'number') return { port: p.grpc.port, kind: 'grpc' };
  return undefined;
}

export const probeOnLocalhostPort: Rule = {
  id: 'probe-on-localhost-port',
  category: 'broken-probe',
  severity: 'error',
  fix: 'auto',
  summary: 'A probe targets a port the process binds to 127.0.0.1 only (or does not serve at all), so the kubelet can never reach it.',
  explain: `The kubelet probes from the node to the pod IP. A process that binds 127.0.0.1 (the Cloud SQL proxy's
health server by default: \`--http-address=localhost\`) is unreachable to it, so a startupProbe never passes
(the sidecar is restarted forever and the app never starts) and a livenessProbe kills a healthy container.
A probe on the health port while \`--health-check\` is off fails the same way. \`sidecarctl fix\` enables the
health server on 0.0.0.0 when the catalog knows the flags; otherwise change the bind address yourself.`,
  links: [CSQL_HEALTH_DOCS, 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const c of ctx.model.containers) {
      const facts = c.sidecar?.facts;
      if (!facts) continue;
      for (const kind of PROBES) {
        const t = probeTarget(c.container[kind], c.container);
        if (!t || (t.host && !/^(localhost|127\.)/.test(t.host))) continue;
        const served = facts.servingPorts.find((p) => p.port === t.port);
        const health = facts.health;
        if (served?.bind === 'localhost') {
          hits.push({ container: c.ref.name, subPath: [kind], message: `${kind} of "${c.ref.name}" targets port ${t.port}, which it binds to localhost only${served.source ? ` (${served.source})` : ''}: the kubelet cannot reach it.`, fix: served.purpose === 'health' ? 'auto' : 'manual' });
        } else if (health && !health.enabled && t.port === health.port && t.kind === 'httpGet') {
          hits.push({ container: c.ref.name, subPath: [kind], message: `${kind} of "${c.ref.name}" targets the health port ${t.port}, but its health server is not enabled: the probe can never pass.`, fix: 'auto' });
        }
      }
    }
    return hits;
  },
};

export const hookOnLocalhostPort: Rule = {
  id: 'hook-on-localhost-port',
  category: 'broken-probe',
  severity: 'error',
  fix: 'manual',
  summary: 'An httpGet lifecycle hook calls a localhost-only port (e.g. the proxy\'s admin /quitquitquit), which the kubelet cannot reach.',
  explain: `httpGet hooks are sent by the kubelet to the pod IP, not from inside the pod. The Cloud SQL proxy's admin
server (\`--admin-port\`, 9091) always binds localhost, so a preStop \`httpGet /quitquitquit\` fails and the
proxy is only stopped by SIGTERM/SIGKILL. Use an exec hook instead: \`/cloud-sql-proxy shutdown\` (v2.20+,
no shell needed), or rely on native-sidecar termination order.`,
  links: ['https://github.com/GoogleCloudPlatform/cloud-sql-proxy#shutdown', 'https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/'],
  check(ctx) {
    const hits: RuleHit[] = [];
    const localOnly = new Map<number, ContainerInfo>();
    for (const c of ctx.model.containers) for (const p of c.sidecar?.facts?.servingPorts ?? []) if (p.bind === 'localhost') localOnly.set(p.port, c);
    for (const c of ctx.model.containers) {
      for (const hook of ['preStop', 'postStart'] as const) {
        const h = c.container.lifecycle?.[hook]?.httpGet;
        if (!h || (h.host && !/^(localhost|127\.)/.test(h.host))) continue;
        const port = resolvePort(h.port, c.container);
        const owner = port === undefined ? undefined : localOnly.get(port);
        if (owner) hits.push({ container: c.ref.name, subPath: ['lifecycle', hook], message: `${hook} httpGet of "${c.ref.name}" calls port ${port}${h.path ? h.path : ''}, which "${owner.ref.name}" binds to localhost only: the kubelet's request never arrives; use an exec hook (e.g. \`/cloud-sql-proxy shutdown\`).` });
      }
    }
    return hits;
  },
};

export const sidecarProbeNeedsMain: Rule = {
  id: 'sidecar-probe-needs-main',
  category: 'broken-probe',
  severity: 'error',
  fix: 'manual',
  summary: 'A native sidecar\'s startupProbe can only pass once a main container runs: a deadlock.',
  explain: `Main containers start only after every native sidecar's startupProbe has passed. A sidecar startupProbe that
checks a port served by a main container (or a readiness endpoint that waits for the app) can therefore
never pass: the sidecar is restarted after failureThreshold and the app never starts. Probe the sidecar's
own health endpoint instead.`,
  links: [SIDECAR_DOCS],
  check(ctx) {
    const hits: RuleHit[] = [];
    const mainPorts = new Map<number, string>();
    for (const c of ctx.model.containers) if (c.ref.list === 'containers') for (const p of c.container.ports ?? []) if (typeof p?.containerPort === 'number') mainPorts.set(p.containerPort, c.ref.name);
    for (const s of ctx.model.containers.filter((c) => c.native)) {
      const t = probeTarget(s.container.startupProbe, s.container);
      if (!t) continue;
      const own = servedPorts(s).some((p) => p.port === t.port) || (s.sidecar?.facts?.health?.port === t.port);
      const main = mainPorts.get(t.port);
      if (main && !own) hits.push({ container: s.ref.name, subPath: ['startupProbe'], message: `startupProbe of native sidecar "${s.ref.name}" checks port ${t.port}, which main container "${main}" serves; mains start only after this probe passes, so it never does.` });
    }
    return hits;
  },
};

export const probeRules: readonly Rule[] = [probeOnLocalhostPort, hookOnLocalhostPort, sidecarProbeNeedsMain];
