// Small pure helpers shared by the profiles: addresses, ports, probes, recognition evidence.
import type { Container, ContainerPort, Probe } from 'kubernetes-types/core/v1';
import { parseImage, type ImageRef } from './image';
import { parseVersion } from './version';
import type { Recognition } from './types';
import type { ContainerView } from './view';

export function imageOf(c: Container): ImageRef | undefined {
  return parseImage(c.image);
}

/** Recognition for a container matched by its image (version from the tag when there is one). */
export function recognized(c: Container, reason: string, extra: Partial<Recognition> = {}, view?: ContainerView): Recognition {
  const img = view ? view.image : imageOf(c);
  const version = parseVersion(img?.tag);
  // Not `{ ...(version ? { version } : {}), … }`: a literal that starts with a spread keeps what
  // it points to alive past the next young-generation GC on Node 20 (docs/adr/0012).
  const r: Recognition = version ? { version, evidence: reason } : { evidence: reason };
  return Object.assign(r, extra);
}

/**
 * Whether a bind host is loopback-only. The kubelet probes the pod IP, so a server bound to
 * 127.0.0.1/::1/localhost is unreachable for httpGet/tcpSocket probes and httpGet hooks.
 * Empty host (`:8080`), `0.0.0.0`, `::`, `[::]` and any other address count as reachable.
 */
export function isLoopback(host: string): boolean {
  const h = host.trim().replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === 'ip6-localhost';
}

export function bindOf(host: string): 'localhost' | 'all' {
  return isLoopback(host) ? 'localhost' : 'all';
}

/**
 * Split `host:port`, `[::]:port`, `:port`, `http://host:port`. The port is undefined when missing
 * or not a literal number (e.g. an unexpanded `$(PORT)`).
 */
export function splitHostPort(addr: string): { host: string; port: number | undefined } {
  let a = addr.trim().replace(/^[a-z]+:\/\//i, '');
  const slash = a.indexOf('/');
  if (slash >= 0) a = a.slice(0, slash);
  let host = a;
  let portText: string | undefined;
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    host = a.slice(0, end + 1);
    portText = a.slice(end + 1).replace(/^:/, '') || undefined;
  } else {
    const i = a.lastIndexOf(':');
    if (i >= 0 && a.indexOf(':') === i) { host = a.slice(0, i); portText = a.slice(i + 1); }
  }
  return { host, port: parsePort(portText) };
}

export function parsePort(v: string | number | undefined | null): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 && v < 65536 ? v : undefined;
  if (typeof v !== 'string' || !/^\d{1,5}$/.test(v.trim())) return undefined;
  return parsePort(Number(v.trim()));
}

function ports(c: Container): ContainerPort[] {
  return Array.isArray(c.ports) ? c.ports.filter((p): p is ContainerPort => !!p && typeof p === 'object') : [];
}

/** The declared port for `port`, if any. */
export function declaredPort(c: Container, port: number): ContainerPort | undefined {
  return ports(c).find((p) => Number(p.containerPort) === port && (p.protocol ?? 'TCP') === 'TCP');
}

/** IANA_SVC_NAME: ≤15 chars, lower-case alphanumerics and '-', at least one letter, no leading,
 *  trailing or double '-'. */
export function isValidPortName(name: string): boolean {
  return /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes('--');
}

/**
 * How a probe should refer to `port`, and the port entry to add when the container does not
 * declare it: the declared name when there is one, else `preferredName` (added as a new named
 * port), falling back to the number when that name is taken.
 */
export function portForProbe(c: Container, port: number, preferredName: string): { ref: string | number; add?: ContainerPort } {
  const existing = declaredPort(c, port);
  if (existing) return { ref: existing.name ? existing.name : port };
  const taken = new Set(ports(c).map((p) => p.name).filter((n): n is string => !!n));
  if (isValidPortName(preferredName) && !taken.has(preferredName)) {
    return { ref: preferredName, add: { name: preferredName, containerPort: port, protocol: 'TCP' } };
  }
  return { ref: port, add: { containerPort: port, protocol: 'TCP' } };
}

/** The port a probe (or handler) targets, resolved to a number through the container's named ports. */
export function probePort(c: Container, probe: Probe | undefined): number | undefined {
  if (!probe || typeof probe !== 'object') return undefined;
  const raw = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number') return raw;
  const asNumber = parsePort(raw);
  if (asNumber !== undefined) return asNumber;
  const named = ports(c).find((p) => p.name === raw);
  return named ? Number(named.containerPort) : undefined;
}

/** Whether any of the container's probes already targets `port`. */
export function anyProbeTargets(c: Container, port: number): boolean {
  return [c.startupProbe, c.readinessProbe, c.livenessProbe].some((p) => probePort(c, p) === port);
}

export function httpProbe(path: string, port: string | number, timing: Omit<Probe, 'httpGet' | 'exec' | 'tcpSocket' | 'grpc'>, scheme?: 'HTTP' | 'HTTPS'): Probe {
  return { httpGet: { path, port, ...(scheme === 'HTTPS' ? { scheme } : {}) }, ...timing };
}
