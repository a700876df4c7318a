// oauth2-proxy (`quay.io/oauth2-proxy/oauth2-proxy`, `bitnami/oauth2-proxy`; binary `/bin/oauth2-proxy`).
// Source: oauth2-proxy/oauth2-proxy pkg/apis/options/legacy_options.go and options.go:
// `--http-address` defaults to 127.0.0.1:4180 (loopback: unreachable for kubelet probes),
// `--https-address` :443 (served only with a TLS certificate); `--ping-path` /ping (since v4.0.0),
// `--ready-path` /ready (since v7.5.0; also checks the session store). Every flag is also
// OAUTH2_PROXY_<FLAG> (pkg/apis/options/load.go).
import type { Container, EnvVar } from 'kubernetes-types/core/v1';
import type { NativeSidecarEdits, Recognition, SidecarFacts, SidecarProfile } from '../types';
import { containerView, type ContainerView } from '../view';
import { imageName } from '../image';
import { findProgram, parseFlags, readEnv, type FlagHit } from '../flags';
import { atLeast } from '../version';
import { bindOf, httpProbe, portForProbe, recognized, splitHostPort } from '../support';

const STARTUP_TIMING = { periodSeconds: 1, failureThreshold: 30 } as const;
const LIVENESS_TIMING = { periodSeconds: 10, failureThreshold: 3 } as const;

function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
  if (!c || typeof c !== 'object') return undefined;
  if (v.imageName === 'oauth2-proxy') return recognized(c, `image ${String(c.image)}`, {}, v);
  const prog = v.program(['oauth2-proxy', 'oauth2_proxy']);
  return prog ? recognized(c, `runs ${prog.binary}`, {}, v) : undefined;
}

function httpAddress(c: Container): { value: string; hit?: FlagHit; env?: string; editable: boolean } {
  const prog = findProgram(c, ['oauth2-proxy', 'oauth2_proxy'], { entrypoint: true });
  const flags = parseFlags(prog?.tokens ?? [], { style: 'posix', valueFlags: ['http-address', 'https-address', 'ping-path', 'ready-path', 'config', 'upstream', 'provider', 'cookie-secret', 'client-id', 'client-secret', 'email-domain', 'redirect-url', 'tls-cert-file', 'tls-key-file'] });
  const hit = flags.last('http-address');
  if (hit?.value !== undefined) return { value: hit.value, hit, editable: prog?.editable ?? false };
  const e = readEnv(c, 'OAUTH2_PROXY_HTTP_ADDRESS');
  if (e?.kind === 'literal') return { value: e.value, env: 'OAUTH2_PROXY_HTTP_ADDRESS', editable: prog?.editable ?? false };
  return { value: '127.0.0.1:4180', editable: prog?.editable ?? false };
}

function inspect(c: Container, r: Recognition): SidecarFacts {
  const a = httpAddress(c);
  const hp = splitHostPort(a.value);
  const port = hp.port ?? 4180;
  const bind = bindOf(hp.host);
  const ready = atLeast(r.version, '7.5.0') !== false;
  return {
    servingPorts: [{ port, bind, purpose: 'data', source: a.hit ? '--http-address' : a.env ?? 'default --http-address' }],
    health: { enabled: true, port, bind, scheme: 'HTTP', startupPath: ready ? '/ready' : '/ping', readinessPath: ready ? '/ready' : '/ping', livenessPath: '/ping' },
    shutdown: { exitsOnSigterm: true, sigtermExitCode: 0 },
  };
}

function nativeSidecarEdits(c: Container, _r: Recognition, facts: SidecarFacts): NativeSidecarEdits {
  const h = facts.health!;
  const notes: string[] = [];
  const edits: { replaceArgs?: { index: number; value: string; inCommand?: boolean }[]; addArgs?: string[]; setEnv?: EnvVar[]; addPorts?: NativeSidecarEdits['addPorts']; startupProbe?: NativeSidecarEdits['startupProbe']; livenessProbe?: NativeSidecarEdits['livenessProbe']; notes?: string[] } = {};
  if (h.bind !== 'all') {
    const a = httpAddress(c);
    const value = `0.0.0.0:${h.port}`;
    if (!a.editable && !a.env) return { notes: ['oauth2-proxy is started from a shell script; set --http-address=0.0.0.0:4180 there so the kubelet can probe it.'] };
    if (a.hit && a.hit.token.index >= 0) {
      const t = a.hit.form === 'separate' && a.hit.valueToken ? a.hit.valueToken : a.hit.token;
      edits.replaceArgs = [{ index: t.index, value: a.hit.form === 'separate' ? value : `--http-address=${value}`, ...(t.inCommand ? { inCommand: true } : {}) }];
    } else if (a.env) edits.setEnv = [{ name: a.env, value }];
    else edits.addArgs = [`--http-address=${value}`];
    notes.push('oauth2-proxy listened on loopback only; it now listens on all interfaces so the kubelet can probe it (this also exposes it on the Pod IP).');
  }
  const { ref, add } = portForProbe(c, h.port, 'oauth2-http');
  if (add) edits.addPorts = [add];
  if (!c.startupProbe) edits.startupProbe = httpProbe(h.startupPath!, ref, STARTUP_TIMING);
  if (!c.livenessProbe) edits.livenessProbe = httpProbe('/ping', ref, LIVENESS_TIMING);
  if (notes.length) edits.notes = notes;
  return edits;
}

export const oauth2Proxy: SidecarProfile = {
  id: 'oauth2-proxy',
  displayName: 'OAuth2 Proxy',
  role: 'network-proxy',
  docs: [
    'https://oauth2-proxy.github.io/oauth2-proxy/configuration/overview',
    'https://github.com/oauth2-proxy/oauth2-proxy/blob/master/pkg/apis/options/legacy_options.go',
  ],
  versions: [
    { version: '4.0.0', note: '--ping-path (/ping): liveness without authentication' },
    { version: '7.5.0', note: '--ready-path (/ready): readiness including the session store' },
  ],
  recognize,
  inspect,
  nativeSidecarEdits,
  simulation: { startDelay: '1s', onSigterm: { after: '0s', exitCode: 0 } },
};
