// OpenShift oauth-proxy (`openshift/oauth-proxy`, `quay.io/openshift/origin-oauth-proxy`,
// `registry.redhat.io/openshift4/ose-oauth-proxy*`; binary `/usr/bin/oauth-proxy`).
// Source: openshift/oauth-proxy main.go, http.go, oauthproxy.go: Go `flag` syntax (`-flag` or
// `--flag`); `-http-address` default 127.0.0.1:4180 and `-https-address` default :8443 are served
// at the same time when both are set; the ping path is `<proxy-prefix>/healthz`, i.e.
// /oauth/healthz, answered without authentication.
import type { Container } from 'kubernetes-types/core/v1';
import type { NativeSidecarEdits, Recognition, SidecarFacts, SidecarProfile, ServingPort } from '../types';
import { containerView, type ContainerView } from '../view';
import { imageName } from '../image';
import { findProgram, parseFlags } from '../flags';
import { bindOf, httpProbe, portForProbe, recognized, splitHostPort } from '../support';

const STARTUP_TIMING = { periodSeconds: 1, failureThreshold: 30 } as const;
const LIVENESS_TIMING = { periodSeconds: 10, failureThreshold: 3 } as const;

function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
  if (!c || typeof c !== 'object') return undefined;
  const name = v.imageName;
  if (name === 'oauth-proxy' || /^(origin|ose)-oauth-proxy(-rhel\d+)?$/.test(name)) return recognized(c, `image ${String(c.image)}`, {}, v);
  const prog = v.program(['oauth-proxy']);
  return prog ? recognized(c, `runs ${prog.binary}`, {}, v) : undefined;
}

function listeners(c: Container) {
  const prog = findProgram(c, ['oauth-proxy'], { entrypoint: true });
  const flags = parseFlags(prog?.tokens ?? [], { style: 'go', valueFlags: ['http-address', 'https-address', 'proxy-prefix', 'provider', 'upstream', 'tls-cert', 'tls-key', 'cookie-secret', 'openshift-service-account'] });
  const prefix = (flags.str('proxy-prefix') ?? '/oauth').replace(/\/$/, '');
  const http = splitHostPort(flags.str('http-address') ?? '127.0.0.1:4180');
  const httpsRaw = flags.str('https-address') ?? ':8443';
  const https = httpsRaw === '' ? undefined : splitHostPort(httpsRaw);
  return { prefix, http, https, httpSet: flags.str('http-address') !== undefined };
}

function inspect(c: Container, _r: Recognition): SidecarFacts {
  const l = listeners(c);
  const ports: ServingPort[] = [];
  if (l.https?.port) ports.push({ port: l.https.port, bind: bindOf(l.https.host), purpose: 'data', source: '-https-address' });
  if (l.http.port) ports.push({ port: l.http.port, bind: bindOf(l.http.host), purpose: 'data', source: l.httpSet ? '-http-address' : 'default -http-address' });
  // Prefer whichever listener the kubelet can reach, HTTPS first (it is the one OpenShift exposes).
  const https = l.https?.port && bindOf(l.https.host) === 'all' ? l.https : undefined;
  const target = https ? { port: https.port!, bind: 'all' as const, scheme: 'HTTPS' as const } : { port: l.http.port ?? 4180, bind: bindOf(l.http.host), scheme: 'HTTP' as const };
  const path = `${l.prefix}/healthz`;
  return {
    servingPorts: ports,
    health: { enabled: true, ...target, startupPath: path, readinessPath: path, livenessPath: path },
    // main.go: signal.Notify(SIGINT, SIGTERM) cancels the servers' context: a graceful exit.
    shutdown: { exitsOnSigterm: true, sigtermExitCode: 0 },
  };
}

function nativeSidecarEdits(c: Container, _r: Recognition, facts: SidecarFacts): NativeSidecarEdits {
  const h = facts.health!;
  if (h.bind !== 'all') return { notes: ['oauth-proxy listens on loopback only; set -https-address (or -http-address=0.0.0.0:4180) so the kubelet can probe /oauth/healthz.'] };
  const { ref, add } = portForProbe(c, h.port, 'oauth-proxy');
  const edits: { -readonly [K in keyof NativeSidecarEdits]: NativeSidecarEdits[K] } = {};
  if (add) edits.addPorts = [add];
  if (!c.startupProbe) edits.startupProbe = httpProbe(h.startupPath!, ref, STARTUP_TIMING, h.scheme);
  if (!c.livenessProbe) edits.livenessProbe = httpProbe(h.livenessPath!, ref, LIVENESS_TIMING, h.scheme);
  return edits;
}

export const openshiftOauthProxy: SidecarProfile = {
  id: 'oauth-proxy',
  displayName: 'OpenShift oauth-proxy',
  role: 'network-proxy',
  docs: ['https://github.com/openshift/oauth-proxy#command-line-options', 'https://github.com/openshift/oauth-proxy/blob/master/contrib/sidecar.yaml'],
  versions: [],
  recognize,
  inspect,
  nativeSidecarEdits,
  simulation: { startDelay: '1s', onSigterm: { after: '0s', exitCode: 0 } },
};
