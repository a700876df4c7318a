// Envoy run directly (`envoyproxy/envoy`, `envoyproxy/envoy-distroless`, or a command running `envoy`).
// Its admin listener comes from the bootstrap config (`admin.address`), usually a mounted file we
// cannot see; only an inline `--config-yaml` reveals it. Admin endpoints (Envoy docs, "Administration
// interface"): GET /ready (200 when the server is LIVE), POST /quitquitquit (exit), POST
// /healthcheck/fail (start failing health checks, for draining). Envoy exits on SIGTERM.
import type { Container } from 'kubernetes-types/core/v1';
import type { NativeSidecarEdits, Recognition, SidecarFacts, SidecarProfile } from '../types';
import { containerView, type ContainerView } from '../view';
import { findProgram, parseFlags } from '../flags';
import { bindOf, httpProbe, parsePort, recognized } from '../support';

const STARTUP_TIMING = { periodSeconds: 1, failureThreshold: 60 } as const;

function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
  if (!c || typeof c !== 'object') return undefined;
  const img = v.image;
  const last = img?.path[img.path.length - 1]?.toLowerCase() ?? '';
  const owner = img?.path[img.path.length - 2]?.toLowerCase() ?? '';
  if (owner === 'envoyproxy' && /^envoy(-distroless|-alpine|-dev|-debug|-contrib)?$/.test(last)) return recognized(c, `image ${String(c.image)}`, {}, v);
  const prog = v.program(['envoy']);
  if (prog) return recognized(c, `runs ${prog.binary ?? 'envoy'}`, {}, v);
  return undefined;
}

/** The admin address from an inline `--config-yaml` bootstrap, if any. */
function adminFromInline(c: Container): { port: number; host: string } | undefined {
  const prog = findProgram(c, ['envoy'], { entrypoint: true });
  if (!prog) return undefined;
  const flags = parseFlags(prog.tokens, { style: 'posix', valueFlags: ['config-yaml', 'config-path', 'c', 'base-id', 'concurrency', 'log-level', 'l', 'service-cluster', 'service-node', 'drain-time-s', 'parent-shutdown-time-s'] });
  const yaml = flags.str('config-yaml');
  if (!yaml) return undefined;
  const m = /admin\s*:[\s\S]*?socket_address\s*:\s*\{?([\s\S]*?)(?:\}|\n\S)/.exec(yaml);
  if (!m) return undefined;
  const port = parsePort(/port_value\s*:\s*"?(\d+)/.exec(m[1] ?? '')?.[1]);
  const host = /address\s*:\s*"?([^",\s}]+)/.exec(m[1] ?? '')?.[1] ?? '127.0.0.1';
  return port ? { port, host } : undefined;
}

function inspect(c: Container, _r: Recognition): SidecarFacts {
  const admin = adminFromInline(c);
  if (!admin) return { servingPorts: [], shutdown: { exitsOnSigterm: true, sigtermExitCode: 0 } };
  const bind = bindOf(admin.host);
  return {
    servingPorts: [{ port: admin.port, bind, purpose: 'admin', source: '--config-yaml admin.address' }],
    health: { enabled: true, port: admin.port, bind, scheme: 'HTTP', startupPath: '/ready', readinessPath: '/ready' },
    shutdown: {
      exitsOnSigterm: true,
      sigtermExitCode: 0,
      httpShutdown: { enabled: true, port: admin.port, path: '/quitquitquit', method: 'POST', localhostOnly: bind === 'localhost' },
    },
  };
}

function nativeSidecarEdits(c: Container, _r: Recognition, facts: SidecarFacts): NativeSidecarEdits {
  const h = facts.health;
  if (!h) return { notes: ['Envoy\'s admin address is set in its bootstrap config, which is not visible here; add a startupProbe on the admin port\'s /ready (the admin listener must not be bound to 127.0.0.1 for the kubelet to reach it).'] };
  if (h.bind !== 'all') return { notes: [`Envoy's admin listener binds ${h.bind === 'localhost' ? 'localhost' : 'an unknown address'}, so the kubelet cannot probe /ready; bind it to 0.0.0.0 or probe a listener instead.`] };
  if (c.startupProbe) return {};
  return { startupProbe: httpProbe('/ready', h.port, STARTUP_TIMING) };
}

export const envoy: SidecarProfile = {
  id: 'envoy',
  displayName: 'Envoy',
  role: 'network-proxy',
  docs: [
    'https://www.envoyproxy.io/docs/envoy/latest/operations/admin',
    'https://www.envoyproxy.io/docs/envoy/latest/operations/cli',
  ],
  versions: [],
  recognize,
  inspect,
  nativeSidecarEdits,
  simulation: { startDelay: '1s', onSigterm: { after: '0s', exitCode: 0 } },
};
