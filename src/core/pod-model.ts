// Who is who in a pod: which containers are sidecars (and how we know), which are the main
// work, which are stop/wait helpers. Every rule and the planner read this one model, so a
// sidecar is identified the same way everywhere.
import type { Container } from 'kubernetes-types/core/v1';
import type { Catalog, Recognition, SidecarFacts, SidecarProfile } from '../catalog/types';
import type { ContainerList, ContainerRef } from './types';
import type { PodSite } from './workloads';
import { entrypointOf, scriptFacts, type ScriptFacts } from './shell';

/** Annotations that list sidecar container names, comma-separated (prior art: seed 004 and forks). */
export const SIDECAR_LIST_ANNOTATIONS = [
  'sidecarctl.dev/sidecars',
  'nrmitchi.com/sidecars',
  'lemonade.com/sidecars',
  'pod.kubernetes.io/sidecars',
] as const;
/** Riskified's fork lists the *main* containers instead; every other container is a sidecar. */
export const MAIN_LIST_ANNOTATION = 'riskified.com/main_sidecars';

export type SidecarSource = 'catalog' | 'annotation' | 'kubexit' | 'serves-in-job';

export interface SidecarIdentity {
  readonly source: SidecarSource;
  readonly evidence: string;
  readonly profile?: SidecarProfile;
  readonly recognition?: Recognition;
  readonly facts?: SidecarFacts;
}

export type ContainerRole =
  | 'main'          // the pod's work
  | 'sidecar'       // long-running helper (native or not)
  | 'init'          // a regular init container that runs to completion
  | 'stop-helper';  // exists only to stop or wait for a sidecar (quitquitquit caller, sleep-then-kill)

export interface ContainerInfo {
  readonly ref: ContainerRef;
  readonly container: Container;
  readonly role: ContainerRole;
  readonly native: boolean; // initContainers entry with restartPolicy: Always
  readonly sidecar?: SidecarIdentity;
  readonly script?: ScriptFacts;
  /** A regular init container that serves or runs a long-running sidecar: it never exits. */
  readonly neverExits?: string;
}

export interface PodModel {
  readonly site: PodSite;
  readonly containers: readonly ContainerInfo[];
  readonly byName: ReadonlyMap<string, ContainerInfo>;
}

/** Flags that make an agent run once and exit (vault agent pre-populate, consul-template -once). */
const ONE_SHOT = /^-{1,2}(exit-after-auth|once|run-once|oneshot|one-shot)(=true)?$/;

function annotationNames(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function hasPorts(c: Container): boolean {
  return Array.isArray(c.ports) && c.ports.some((p) => typeof p?.containerPort === 'number');
}

function isOneShot(c: Container): boolean {
  return [...(c.command ?? []), ...(c.args ?? [])].some((a) => ONE_SHOT.test(String(a)));
}

export function buildPodModel(site: PodSite, catalog: Catalog): PodModel {
  const spec = site.spec;
  const regular = Array.isArray(spec.containers) ? spec.containers : [];
  const inits = Array.isArray(spec.initContainers) ? spec.initContainers : [];

  const listed = new Map<string, string>();
  for (const key of SIDECAR_LIST_ANNOTATIONS) {
    for (const n of annotationNames(site.annotations[key])) listed.set(n, `annotation ${key}`);
  }
  const mains = annotationNames(site.annotations[MAIN_LIST_ANNOTATION]);
  if (mains.length) {
    for (const c of regular) if (c?.name && !mains.includes(c.name)) listed.set(c.name, `not listed in ${MAIN_LIST_ANNOTATION}`);
  }

  // One-shot runs of a sidecar's binary (`cloud-sql-proxy wait`, vault-agent-init) are not sidecars.
  const recognized = (c: Container) => {
    const r = c && typeof c === 'object' ? catalog.recognize(c) : undefined;
    return r && !r.recognition.runsToCompletion ? r : undefined;
  };
  const recog = new Map<Container, ReturnType<typeof recognized>>();
  for (const c of [...inits, ...regular]) recog.set(c, recognized(c));
  // Script facts once per container: the sidecar-vs-main decision below looks at the others' too.
  const scripts = new Map<Container, ScriptFacts>();
  const scriptOf = (c: Container): ScriptFacts => {
    let f = scripts.get(c);
    if (!f) {
      const ep = entrypointOf(c);
      f = scriptFacts(ep.script !== undefined ? ep.script : ep.argv.join(' '));
      scripts.set(c, f);
    }
    return f;
  };

  // A recognised sidecar image is only a *side*car when something else is the main work:
  // a DaemonSet whose one container is fluent-bit is the workload itself.
  // In a Job, a container that declares a port beside real work that serves nothing is a helper
  // server (seed 003's slow sidecar). The "real work" must not itself be a known sidecar.
  const servesInJob = site.lifetime === 'run-to-completion' && regular.some((c) => c && !hasPorts(c) && !recog.get(c) && !listed.has(String(c.name)));

  const infos: ContainerInfo[] = [];
  const add = (c: Container, list: ContainerList, index: number) => {
    if (!c || typeof c !== 'object') return;
    const ref: ContainerRef = { name: String(c.name ?? `#${index}`), list, index };
    const native = list === 'initContainers' && c.restartPolicy === 'Always';
    const script = scriptOf(c);
    const r = recog.get(c);
    let sidecar: SidecarIdentity | undefined;
    if (r) {
      sidecar = { source: 'catalog', evidence: `${r.profile.displayName} (${r.recognition.evidence})`, profile: r.profile, recognition: r.recognition, facts: r.profile.inspect(c, r.recognition) };
    } else if (listed.has(ref.name)) {
      sidecar = { source: 'annotation', evidence: listed.get(ref.name)! };
    } else if ((c.env ?? []).some((e) => e?.name === 'KUBEXIT_DEATH_DEPS')) {
      sidecar = { source: 'kubexit', evidence: 'kubexit KUBEXIT_DEATH_DEPS: stops when its dependencies die' };
    } else if (list === 'containers' && servesInJob && hasPorts(c) && regular.length > 1 && !script.onlyStopHack) {
      sidecar = { source: 'serves-in-job', evidence: `declares containerPort ${c.ports![0]!.containerPort} in a ${site.lifetimeReason} whose other containers serve nothing` };
    }
    let role: ContainerRole;
    let neverExits: string | undefined;
    if (script.onlyStopHack && !native && !r) role = 'stop-helper';
    else if (native) role = 'sidecar';
    else if (list === 'initContainers') {
      role = 'init';
      // Secrets agents in init containers are the pre-populate step (vault agent with exit_after_auth
      // in its config file, which a manifest does not show): not evidence of a hang.
      if (r && !isOneShot(c) && r.profile.role !== 'secrets-agent') neverExits = `${r.profile.displayName} runs until stopped`;
      else if (!r && listed.has(ref.name)) neverExits = `listed as a sidecar (${listed.get(ref.name)})`;
      else if (!r && hasPorts(c) && !isOneShot(c)) neverExits = `declares containerPort ${c.ports![0]!.containerPort}: a server does not exit`;
      if (neverExits && !sidecar) sidecar = { source: 'annotation', evidence: neverExits };
    } else if (sidecar && sidecar.source !== 'catalog') role = 'sidecar';
    else if (sidecar) {
      // A catalog image is a sidecar only beside some other work: fluent-bit alone in a DaemonSet is the workload.
      const otherWork = regular.some((o) => o !== c && o && typeof o === 'object' && !recog.get(o) && !scriptOf(o).onlyStopHack);
      role = otherWork ? 'sidecar' : 'main';
    } else role = 'main';
    infos.push({ ref, container: c, role, native, ...(sidecar ? { sidecar } : {}), script, ...(neverExits ? { neverExits } : {}) });
  };
  inits.forEach((c, i) => add(c, 'initContainers', i));
  regular.forEach((c, i) => add(c, 'containers', i));
  return { site, containers: infos, byName: new Map(infos.map((i) => [i.ref.name, i])) };
}

export const mainsOf = (m: PodModel) => m.containers.filter((c) => c.role === 'main');
export const legacySidecarsOf = (m: PodModel) => m.containers.filter((c) => c.role === 'sidecar' && c.ref.list === 'containers');
export const nativeSidecarsOf = (m: PodModel) => m.containers.filter((c) => c.native);

/** Ports the container's process is known to serve (catalog facts, else declared containerPorts). */
export function servedPorts(info: ContainerInfo, opts: { dataOnly?: boolean } = {}): { port: number; bind: 'localhost' | 'all' }[] {
  if (info.sidecar?.facts) return info.sidecar.facts.servingPorts.filter((p) => !opts.dataOnly || p.purpose === 'data').map((p) => ({ port: p.port, bind: p.bind }));
  return (info.container.ports ?? []).filter((p) => typeof p?.containerPort === 'number').map((p) => ({ port: p.containerPort, bind: 'all' as const }));
}

const LOCAL_HOST_VALUE = /^(localhost|127\.0\.0\.1|::1)$/;
/** `localhost:<port>`, `127.0.0.1 -p <port>`, `--port=<port>`…: the port a text dials on loopback.
 *  A lookahead, so it is tried at every position and overlapping mentions are all found
 *  (`--port 127.0.0.1:5432` holds two). Global, so only ever used through `matchAll`, which
 *  works on a copy (no shared `lastIndex`). */
const DIAL = /(?=(?:localhost|127\.0\.0\.1|\[::1\])(?::|\s+-?-?p(?:ort)?[ =]?)(\d+)\b|--port[= ](\d+)\b)/g;
/** Cheap test first: most words (env values above all) dial nothing. */
const MAY_DIAL = /localhost|127\.0\.0\.1|\[::1\]|--port/;

function addDialed(text: string, out: Set<number>): void {
  if (!MAY_DIAL.test(text)) return;
  for (const m of text.matchAll(DIAL)) out.add(Number(m[1] ?? m[2]));
}

/** Does `main` visibly talk to `sidecar`: `localhost:<port>`/`127.0.0.1:<port>` of a port it serves, in env, args or command? */
export function dialsSidecar(main: Container, sidecar: ContainerInfo): number | undefined {
  // data ports only: a quitquitquit call to the admin port is a stop hack, not a dependency
  const ports = servedPorts(sidecar, { dataOnly: true }).map((p) => p.port);
  if (!ports.length) return undefined;
  // Called for every (container, sidecar) pair by several rules, on pods with hundreds of env
  // vars: each word is tested where it is (no array of `NAME=value` texts, no regex per port).
  const dialed = new Set<number>();
  for (const w of main.command ?? []) addDialed(String(w), dialed);
  for (const w of main.args ?? []) addDialed(String(w), dialed);
  const env = main.env ?? [];
  let envHostLocal = false;
  for (const e of env) {
    const name = String(e?.name);
    const value = String(e?.value ?? '');
    // A mention can span the `=` of `NAME=value` (`--port=5432`, `localhost p=5432`) only when the
    // name itself holds a dial prefix: then read the one text, as the kubelet's env would show it.
    if (MAY_DIAL.test(name)) addDialed(`${name}=${value}`, dialed);
    else addDialed(value, dialed);
    if (!envHostLocal && /HOST$/i.test(name) && LOCAL_HOST_VALUE.test(value)) envHostLocal = true;
  }
  for (const port of ports) {
    if (dialed.has(port)) return port;
    if (envHostLocal && env.some((e) => /PORT$/i.test(String(e?.name)) && /^\d+$/.test(String(e?.value ?? '')) && Number(e!.value) === port)) return port;
  }
  return undefined;
}
