// linkerd-proxy (`cr.l5d.io/linkerd/proxy`), configured entirely by LINKERD2_PROXY_* env vars.
// Sources:
//  - linkerd/linkerd2 charts/partials/templates/_proxy.tpl: LINKERD2_PROXY_ADMIN_LISTEN_ADDR
//    `0.0.0.0:4191` (or `[::]:4191`), liveness /live and readiness /ready on the admin port, a
//    startupProbe on /ready when native sidecars and proxy-await are on, `postStart: linkerd-await`
//    otherwise, LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED from `proxy.enableShutdownEndpoint`;
//  - linkerd/linkerd2-proxy linkerd/app/admin/src/server.rs: POST /shutdown, only when the
//    shutdown endpoint is enabled and only from a loopback client (403 otherwise).
import type { Container } from 'kubernetes-types/core/v1';
import type { NativeSidecarEdits, Recognition, SidecarFacts, SidecarProfile } from '../types';
import { containerView, type ContainerView } from '../view';
import { repositoryEndsWith } from '../image';
import { parseBoolValue, readEnv } from '../flags';
import { bindOf, httpProbe, recognized, splitHostPort } from '../support';
import { parseVersion } from '../version';

const ADMIN_PORT = 4191;
// The template leaves timings to chart values; one probe a second for up to two minutes matches the
// `linkerd-await --timeout=2m` it replaces.
const STARTUP_TIMING = { periodSeconds: 1, failureThreshold: 120 } as const;

function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
  if (!c || typeof c !== 'object') return undefined;
  const img = v.image;
  // `linkerd/proxy` (cr.l5d.io, ghcr.io) and the old `linkerd-io/proxy` (gcr.io).
  if (repositoryEndsWith(img, 'linkerd', 'proxy') || repositoryEndsWith(img, 'linkerd-io', 'proxy')) {
    // Proxy images are tagged with the Linkerd release: `stable-2.14.10`, `edge-24.5.1`, or a
    // plain version. Only stable releases carry a 2.x version.
    const r = recognized(c, `image ${String(c.image)}`, {}, v);
    const stable = /^stable-(.*)$/.exec(img?.tag ?? '');
    const ver = stable ? parseVersion(stable[1]) : undefined;
    return ver ? Object.assign({}, r, { version: Object.assign({}, ver, { raw: img!.tag! }) }) : r; // docs/adr/0012
  }
  return undefined;
}

function admin(c: Container): { port: number; bind: 'localhost' | 'all'; source: string } {
  const e = readEnv(c, 'LINKERD2_PROXY_ADMIN_LISTEN_ADDR');
  if (e?.kind === 'literal') {
    const hp = splitHostPort(e.value);
    return { port: hp.port ?? ADMIN_PORT, bind: bindOf(hp.host), source: 'LINKERD2_PROXY_ADMIN_LISTEN_ADDR' };
  }
  // Unset: the proxy's built-in default is loopback-only (not verified against the proxy source).
  return { port: ADMIN_PORT, bind: 'localhost', source: 'default' };
}

function inspect(c: Container, _r: Recognition): SidecarFacts {
  const a = admin(c);
  const inbound = readEnv(c, 'LINKERD2_PROXY_INBOUND_LISTEN_ADDR');
  const inboundPort = inbound?.kind === 'literal' ? splitHostPort(inbound.value).port ?? 4143 : 4143;
  const shutdownEnv = readEnv(c, 'LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED');
  const shutdownOn = shutdownEnv?.kind === 'literal' && parseBoolValue(shutdownEnv.value) === true;
  return {
    servingPorts: [
      { port: inboundPort, bind: 'all', purpose: 'data', source: 'LINKERD2_PROXY_INBOUND_LISTEN_ADDR' },
      { port: 4140, bind: 'localhost', purpose: 'data', source: 'LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS' },
      { port: a.port, bind: a.bind, purpose: 'health', source: a.source },
    ],
    health: { enabled: true, port: a.port, bind: a.bind, scheme: 'HTTP', startupPath: '/ready', readinessPath: '/ready', livenessPath: '/live' },
    shutdown: {
      exitsOnSigterm: true,
      sigtermExitCode: 0,
      httpShutdown: { enabled: shutdownOn, port: a.port, path: '/shutdown', method: 'POST', localhostOnly: true },
    },
  };
}

function nativeSidecarEdits(c: Container, _r: Recognition, facts: SidecarFacts): NativeSidecarEdits {
  const notes = [
    'linkerd-proxy is injected by the proxy injector: prefer the annotation config.beta.linkerd.io/proxy-enable-native-sidecar: "true" (Linkerd ≥ 2.15, Kubernetes ≥ 1.29) over editing the injected spec.',
  ];
  const hook = c.lifecycle?.postStart?.exec?.command;
  if (Array.isArray(hook) && hook.some((w) => String(w).endsWith('linkerd-await'))) {
    notes.push('The linkerd-await postStart hook is redundant once the startupProbe gates the app; Linkerd\'s native-sidecar template drops it.');
  }
  const pre = c.lifecycle?.preStop?.exec?.command;
  if (Array.isArray(pre) && pre.some((w) => String(w).endsWith('sleep'))) {
    notes.push('A preStop sleep (waitBeforeExitSeconds) must not be combined with native sidecars; Linkerd\'s chart refuses the combination.');
  }
  const h = facts.health;
  if (!h || h.bind !== 'all') {
    notes.push('The admin server is not bound to all interfaces (LINKERD2_PROXY_ADMIN_LISTEN_ADDR), so the kubelet cannot probe it.');
    return { notes };
  }
  // An existing startupProbe (on /ready or elsewhere) is the user's choice; keep it.
  if (c.startupProbe) return { notes };
  return { startupProbe: httpProbe('/ready', h.port, STARTUP_TIMING), notes };
}

export const linkerdProxy: SidecarProfile = {
  id: 'linkerd-proxy',
  displayName: 'Linkerd proxy',
  role: 'mesh-proxy',
  docs: [
    'https://linkerd.io/2/reference/proxy-configuration/',
    'https://github.com/linkerd/linkerd2/blob/main/charts/partials/templates/_proxy.tpl',
    'https://github.com/linkerd/linkerd2-proxy/blob/main/linkerd/app/admin/src/server.rs',
  ],
  versions: [
    { version: '2.15.0', note: 'native sidecar injection: config.alpha.linkerd.io/proxy-enable-native-sidecar (Kubernetes ≥ 1.29)' },
    { version: '2.19.0', note: 'annotation renamed to config.beta.linkerd.io/proxy-enable-native-sidecar' },
  ],
  recognize,
  inspect,
  nativeSidecarEdits,
  simulation: { startDelay: '1s', onSigterm: { after: '0s', exitCode: 0 } },
};
