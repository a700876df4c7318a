// Parsing and validation of scenario files. Every problem names the field it is about,
// e.g. `behavior.prxy: no container named "prxy" in the pod (known: proxy, app)`; all problems
// of a file are collected and reported together in one ScenarioError.
import { parseAllDocuments } from 'yaml';
import type { Container, Pod } from 'kubernetes-types/core/v1';
import { DURATION_HINT, parseDuration, type DurationMs } from './duration';
import {
  ASSERTION_KEYS, DEFAULT_NEEDS_FAIL_EXIT_CODE, DEFAULT_OBSERVE_FOR_MS, DEFAULT_SCENARIO_KUBERNETES_VERSION,
  POD_PHASES, PROBE_KINDS, SCENARIO_API_VERSION, SCENARIO_KIND,
  type Assertion, type ContainerBehavior, type Expect, type OnSigterm, type PodPhase, type ProbeKind,
  type ProbeOverride, type ProbeOverrides, type RunOverride, type Scenario, type ScenarioAction,
} from './types';

export interface ScenarioIssue {
  /** Dotted path of the field, e.g. `behavior.proxy.startDelay`, `expect.assertions[2].startsBefore`. */
  readonly path: string;
  readonly message: string;
}

export class ScenarioError extends Error {
  readonly issues: readonly ScenarioIssue[];
  constructor(issues: readonly ScenarioIssue[], source?: string) {
    const lines = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
    super((source ? `${source}: ` : '') + (lines.length === 1 ? lines[0] : `${lines.length} problems:\n  ${lines.join('\n  ')}`));
    this.name = 'ScenarioError';
    this.issues = issues;
  }
}

export interface ParseOptions {
  /** File name for messages. */
  readonly source?: string;
}

export interface ParsedScenario {
  readonly scenario: Scenario;
  /** Harmless oddities (e.g. a probe override for a probe the container does not define). */
  readonly warnings: readonly string[];
}

/** Parses the YAML text of one scenario document and validates it. Throws ScenarioError. */
export function parseScenarioText(text: string, options: ParseOptions = {}): ParsedScenario {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const nonEmpty = list.filter((d) => d.contents !== null);
  if (nonEmpty.length === 0) throw new ScenarioError([{ path: '', message: 'empty file (expected one Scenario document)' }], options.source);
  if (nonEmpty.length > 1) throw new ScenarioError([{ path: '', message: `${nonEmpty.length} YAML documents (a scenario file holds exactly one)` }], options.source);
  const doc = nonEmpty[0]!;
  if (doc.errors.length > 0) {
    throw new ScenarioError(doc.errors.map((e) => ({ path: '', message: `YAML: ${e.message.split('\n')[0]}` })), options.source);
  }
  return validateScenario(doc.toJS({ maxAliasCount: 100 }), options);
}

/** Does this parsed YAML object look like a scenario (rather than a plain manifest)? */
export function looksLikeScenario(obj: unknown): boolean {
  return isObject(obj) && (obj['kind'] === SCENARIO_KIND || (obj['pod'] !== undefined && obj['spec'] === undefined));
}

/** All container names of a pod: init containers first, then regular containers. */
export function podContainerNames(pod: Pod): string[] {
  const spec = pod.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c) => c.name);
}

export function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

export const BEHAVIOR_DEFAULTS = {
  startDelay: 0,
  run: Number.POSITIVE_INFINITY,
  exitCode: 0,
} as const;

/** Behaviour of a container absent from `behavior:`: runs forever, exits 0 on SIGTERM. */
export function defaultBehavior(): ContainerBehavior {
  return {
    startDelay: BEHAVIOR_DEFAULTS.startDelay, run: BEHAVIOR_DEFAULTS.run, exitCode: BEHAVIOR_DEFAULTS.exitCode,
    onSigterm: { after: 0, exitCode: 0 }, needs: [], needsFailExitCode: DEFAULT_NEEDS_FAIL_EXIT_CODE, runs: [],
  };
}

/** The effective behaviour of run `n` (1-based): `runs[n-1]` (the last entry repeats) over the base. */
export function behaviorForRun(b: ContainerBehavior, n: number): { startDelay: DurationMs; run: DurationMs; exitCode: number; onSigterm: OnSigterm } {
  const o: RunOverride = b.runs.length === 0 ? {} : b.runs[Math.min(n, b.runs.length) - 1]!;
  const exitCode = o.exitCode ?? b.exitCode;
  // onSigterm defaults to {after: 0s, exitCode: <exitCode>} of the run (spec "Defaults").
  const onSigterm = o.onSigterm ?? b.onSigterm;
  return { startDelay: o.startDelay ?? b.startDelay, run: o.run ?? b.run, exitCode, onSigterm };
}

// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
}

class Checker {
  readonly issues: ScenarioIssue[] = [];
  readonly warnings: string[] = [];
  add(path: string, message: string): void { this.issues.push({ path, message }); }

  duration(v: unknown, path: string): DurationMs | undefined {
    if (typeof v === 'number') {
      this.add(path, `${v} is not a duration: give a unit (${DURATION_HINT})`);
      return undefined;
    }
    if (typeof v !== 'string') { this.add(path, `${show(v)} is not a duration (${DURATION_HINT})`); return undefined; }
    const d = parseDuration(v);
    if (d === undefined) this.add(path, `${show(v)} is not a duration (${DURATION_HINT})`);
    return d;
  }
  exitCode(v: unknown, path: string): number | undefined {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
      this.add(path, `${show(v)} is not an exit code (an integer 0-255)`);
      return undefined;
    }
    return v;
  }
  int(v: unknown, path: string, min: number): number | undefined {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      this.add(path, `${show(v)} is not an integer >= ${min}`);
      return undefined;
    }
    return v;
  }
  unknownKeys(o: Obj, known: readonly string[], path: string): void {
    for (const k of Object.keys(o)) {
      if (!known.includes(k)) this.add(path ? `${path}.${k}` : k, `unknown field (known: ${known.join(', ')})`);
    }
  }
  containerRef(v: unknown, path: string, names: readonly string[]): string | undefined {
    if (typeof v !== 'string') { this.add(path, `${show(v)} is not a container name`); return undefined; }
    if (!names.includes(v)) { this.add(path, `no container named ${show(v)} in the pod (known: ${names.join(', ')})`); return undefined; }
    return v;
  }
}

const TOP_KEYS = ['apiVersion', 'kind', 'metadata', 'kubernetesVersion', 'pod', 'behavior', 'probes', 'observeFor', 'actions', 'expect'];
const BEHAVIOR_KEYS = ['startDelay', 'run', 'exitCode', 'onSigterm', 'needs', 'needsFailExitCode', 'runs'];
const RUN_KEYS = ['startDelay', 'run', 'exitCode', 'onSigterm'];
const CONTAINER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Validates a scenario given as plain data (parsed YAML/JSON). Throws ScenarioError listing every problem. */
export function validateScenario(raw: unknown, options: ParseOptions = {}): ParsedScenario {
  const c = new Checker();
  if (!isObject(raw)) throw new ScenarioError([{ path: '', message: `expected a mapping (a Scenario document), got ${show(raw)}` }], options.source);
  c.unknownKeys(raw, TOP_KEYS, '');

  if (raw['apiVersion'] !== undefined && raw['apiVersion'] !== SCENARIO_API_VERSION) c.add('apiVersion', `${show(raw['apiVersion'])} is not supported (use ${SCENARIO_API_VERSION})`);
  if (raw['kind'] !== undefined && raw['kind'] !== SCENARIO_KIND) c.add('kind', `${show(raw['kind'])} is not a scenario (use ${SCENARIO_KIND})`);

  let name = 'scenario';
  let description: string | undefined;
  if (raw['metadata'] !== undefined) {
    const md = raw['metadata'];
    if (!isObject(md)) c.add('metadata', 'must be a mapping');
    else {
      if (md['name'] !== undefined) {
        if (typeof md['name'] !== 'string' || md['name'] === '') c.add('metadata.name', `${show(md['name'])} is not a name`);
        else name = md['name'];
      }
      if (md['description'] !== undefined) description = String(md['description']);
    }
  }

  let kubernetesVersion = DEFAULT_SCENARIO_KUBERNETES_VERSION;
  const kv = raw['kubernetesVersion'];
  if (kv !== undefined) {
    if (typeof kv === 'number') c.add('kubernetesVersion', `${kv} is a number; quote it (e.g. "1.30") so YAML keeps it as written`);
    else if (typeof kv !== 'string' || !/^v?1\.\d+(\.\d+)?$/.test(kv)) c.add('kubernetesVersion', `${show(kv)} is not a Kubernetes version (e.g. "1.33" or "1.30.3")`);
    else kubernetesVersion = kv.replace(/^v/, '');
  }

  // --- pod
  const pod = raw['pod'];
  let names: string[] = [];
  let podOk = false;
  if (pod === undefined || pod === null) c.add('pod', 'missing (a v1 Pod manifest is required)');
  else if (!isObject(pod)) c.add('pod', 'must be a v1 Pod manifest (a mapping)');
  else {
    podOk = checkPod(c, pod);
    if (podOk) names = podContainerNames(pod as Pod);
  }
  const containersByName = new Map<string, Container>();
  if (podOk) {
    const spec = (pod as Pod).spec!;
    for (const ct of [...(spec.initContainers ?? []), ...spec.containers]) containersByName.set(ct.name, ct);
  }

  // --- behavior
  const behavior: Record<string, ContainerBehavior> = {};
  const rawBehavior = raw['behavior'];
  if (rawBehavior !== undefined && rawBehavior !== null) {
    if (!isObject(rawBehavior)) c.add('behavior', 'must be a mapping from container name to behaviour');
    else {
      for (const [cname, b] of Object.entries(rawBehavior)) {
        const path = `behavior.${cname}`;
        if (podOk && !names.includes(cname)) { c.add(path, `no container named ${show(cname)} in the pod (known: ${names.join(', ')})`); continue; }
        const parsed = checkBehavior(c, b, path, podOk ? names : undefined);
        if (parsed) behavior[cname] = parsed;
      }
    }
  }
  for (const n of names) if (!behavior[n]) behavior[n] = defaultBehavior();

  // --- probes
  const probes: Record<string, ProbeOverrides> = {};
  const rawProbes = raw['probes'];
  if (rawProbes !== undefined && rawProbes !== null) {
    if (!isObject(rawProbes)) c.add('probes', 'must be a mapping from container name to {startup|liveness|readiness: fail|pass|"fail-after 10s"}');
    else {
      for (const [cname, p] of Object.entries(rawProbes)) {
        const path = `probes.${cname}`;
        if (podOk && !names.includes(cname)) { c.add(path, `no container named ${show(cname)} in the pod (known: ${names.join(', ')})`); continue; }
        if (!isObject(p)) { c.add(path, 'must be a mapping {startup|liveness|readiness: fail|pass|"fail-after 10s"}'); continue; }
        const out: Partial<Record<ProbeKind, ProbeOverride>> = {};
        for (const [kind, v] of Object.entries(p)) {
          if (!(PROBE_KINDS as readonly string[]).includes(kind)) { c.add(`${path}.${kind}`, `unknown probe kind (known: ${PROBE_KINDS.join(', ')})`); continue; }
          const o = parseProbeOverride(c, v, `${path}.${kind}`);
          if (o) out[kind as ProbeKind] = o;
          const ct = containersByName.get(cname);
          if (ct && !ct[`${kind as ProbeKind}Probe`]) c.warnings.push(`${path}.${kind}: container "${cname}" has no ${kind}Probe; the override has no effect`);
        }
        probes[cname] = out;
      }
    }
  }

  // --- observeFor
  let observeFor = DEFAULT_OBSERVE_FOR_MS;
  if (raw['observeFor'] !== undefined) {
    const d = c.duration(raw['observeFor'], 'observeFor');
    if (d !== undefined) {
      if (d === Number.POSITIVE_INFINITY) c.add('observeFor', '"forever" cannot be observed; give a finite duration');
      else observeFor = d;
    }
  }

  // --- actions
  const actions: ScenarioAction[] = [];
  const rawActions = raw['actions'];
  if (rawActions !== undefined && rawActions !== null) {
    if (!Array.isArray(rawActions)) c.add('actions', 'must be a list');
    else rawActions.forEach((a, i) => {
      const path = `actions[${i}]`;
      if (!isObject(a)) { c.add(path, 'must be a mapping {at, delete|updateImage}'); return; }
      c.unknownKeys(a, ['at', 'delete', 'updateImage'], path);
      const at = a['at'] === undefined ? (c.add(`${path}.at`, 'missing (when the action happens, e.g. 10s)'), undefined) : c.duration(a['at'], `${path}.at`);
      if (at === Number.POSITIVE_INFINITY) { c.add(`${path}.at`, '"forever" is not a time'); return; }
      const kinds = ['delete', 'updateImage'].filter((k) => a[k] !== undefined);
      if (kinds.length !== 1) { c.add(path, kinds.length === 0 ? 'needs one of delete, updateImage' : 'give one of delete, updateImage per action'); return; }
      if (at === undefined) return;
      if (a['delete'] !== undefined) {
        const d = a['delete'];
        if (d === null || d === true) { actions.push({ at, delete: {} }); return; }
        if (!isObject(d)) { c.add(`${path}.delete`, 'must be a mapping {gracePeriodSeconds?}'); return; }
        c.unknownKeys(d, ['gracePeriodSeconds'], `${path}.delete`);
        if (d['gracePeriodSeconds'] === undefined) actions.push({ at, delete: {} });
        else {
          const g = c.int(d['gracePeriodSeconds'], `${path}.delete.gracePeriodSeconds`, 0);
          if (g !== undefined) actions.push({ at, delete: { gracePeriodSeconds: g } });
        }
      } else {
        const u = a['updateImage'];
        if (!isObject(u)) { c.add(`${path}.updateImage`, 'must be a mapping {container, image?}'); return; }
        c.unknownKeys(u, ['container', 'image'], `${path}.updateImage`);
        if (u['container'] === undefined) { c.add(`${path}.updateImage.container`, 'missing'); return; }
        const cn = podOk ? c.containerRef(u['container'], `${path}.updateImage.container`, names) : String(u['container']);
        if (cn === undefined) return;
        if (u['image'] !== undefined && typeof u['image'] !== 'string') { c.add(`${path}.updateImage.image`, 'must be a string'); return; }
        actions.push({ at, updateImage: u['image'] === undefined ? { container: cn } : { container: cn, image: u['image'] as string } });
      }
    });
  }
  actions.sort((x, y) => x.at - y.at);

  // --- expect
  let expect: Expect | undefined;
  if (raw['expect'] !== undefined && raw['expect'] !== null) expect = checkExpect(c, raw['expect'], podOk ? names : undefined);

  if (c.issues.length > 0) throw new ScenarioError(c.issues, options.source);
  const scenario: Scenario = {
    apiVersion: SCENARIO_API_VERSION,
    kind: SCENARIO_KIND,
    metadata: description === undefined ? { name } : { name, description },
    kubernetesVersion,
    pod: pod as Pod,
    behavior,
    probes,
    observeFor,
    actions,
    ...(expect ? { expect } : {}),
  };
  return { scenario, warnings: c.warnings };
}

function checkPod(c: Checker, pod: Obj): boolean {
  const before = c.issues.length;
  if (pod['kind'] !== undefined && pod['kind'] !== 'Pod') c.add('pod.kind', `${show(pod['kind'])}: the scenario's pod must be a v1 Pod (for workloads use the manifest form of \`sidecarctl simulate\`)`);
  const spec = pod['spec'];
  if (!isObject(spec)) { c.add('pod.spec', spec === undefined ? 'missing' : 'must be a mapping'); return false; }
  const rp = spec['restartPolicy'];
  if (rp !== undefined && !['Always', 'OnFailure', 'Never'].includes(rp as string)) c.add('pod.spec.restartPolicy', `${show(rp)} is not one of Always, OnFailure, Never`);
  if (spec['terminationGracePeriodSeconds'] !== undefined) c.int(spec['terminationGracePeriodSeconds'], 'pod.spec.terminationGracePeriodSeconds', 0);
  if (spec['activeDeadlineSeconds'] !== undefined) c.int(spec['activeDeadlineSeconds'], 'pod.spec.activeDeadlineSeconds', 1);
  const seen = new Set<string>();
  for (const list of ['initContainers', 'containers'] as const) {
    const arr = spec[list];
    if (arr === undefined || arr === null) {
      if (list === 'containers') c.add('pod.spec.containers', 'missing (a pod needs at least one container)');
      continue;
    }
    if (!Array.isArray(arr)) { c.add(`pod.spec.${list}`, 'must be a list'); continue; }
    if (list === 'containers' && arr.length === 0) c.add('pod.spec.containers', 'empty (a pod needs at least one container)');
    arr.forEach((ct: unknown, i: number) => {
      const path = `pod.spec.${list}[${i}]`;
      if (!isObject(ct)) { c.add(path, 'must be a mapping'); return; }
      const n = ct['name'];
      if (typeof n !== 'string' || !CONTAINER_NAME.test(n)) { c.add(`${path}.name`, `${show(n)} is not a container name (a DNS-1123 label)`); return; }
      if (seen.has(n)) c.add(`${path}.name`, `duplicate container name ${show(n)}`);
      seen.add(n);
      const crp = ct['restartPolicy'];
      if (crp !== undefined && list === 'initContainers' && !['Always', 'OnFailure', 'Never'].includes(crp as string)) c.add(`${path}.restartPolicy`, `${show(crp)} is not one of Always, OnFailure, Never`);
      for (const kind of PROBE_KINDS) {
        const p = ct[`${kind}Probe`];
        if (p === undefined) continue;
        if (!isObject(p)) { c.add(`${path}.${kind}Probe`, 'must be a mapping'); continue; }
        for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds']) {
          if (p[f] !== undefined) c.int(p[f], `${path}.${kind}Probe.${f}`, f === 'initialDelaySeconds' || f === 'terminationGracePeriodSeconds' ? 0 : 1);
        }
      }
    });
  }
  return c.issues.length === before;
}

function checkOnSigterm(c: Checker, v: unknown, path: string): OnSigterm | undefined {
  if (v === 'ignore') return 'ignore';
  if (!isObject(v)) { c.add(path, `${show(v)} must be {after: <duration>, exitCode: <0-255>} or ignore`); return undefined; }
  c.unknownKeys(v, ['after', 'exitCode'], path);
  const after = v['after'] === undefined ? 0 : c.duration(v['after'], `${path}.after`);
  const exitCode = v['exitCode'] === undefined ? undefined : c.exitCode(v['exitCode'], `${path}.exitCode`);
  if (after === undefined || (v['exitCode'] !== undefined && exitCode === undefined)) return undefined;
  // exitCode absent: filled in from the run's exitCode by checkBehavior.
  return { after, exitCode: exitCode ?? Number.NaN };
}

function checkRunFields(c: Checker, b: Obj, path: string): RunOverride | undefined {
  const before = c.issues.length;
  const out: { startDelay?: number; run?: number; exitCode?: number; onSigterm?: OnSigterm } = {};
  if (b['startDelay'] !== undefined) { const d = c.duration(b['startDelay'], `${path}.startDelay`); if (d !== undefined) out.startDelay = d; }
  if (b['run'] !== undefined) { const d = c.duration(b['run'], `${path}.run`); if (d !== undefined) out.run = d; }
  if (b['exitCode'] !== undefined) { const e = c.exitCode(b['exitCode'], `${path}.exitCode`); if (e !== undefined) out.exitCode = e; }
  if (b['onSigterm'] !== undefined) { const o = checkOnSigterm(c, b['onSigterm'], `${path}.onSigterm`); if (o !== undefined) out.onSigterm = o; }
  if (out.startDelay === Number.POSITIVE_INFINITY && out.run !== undefined && out.run !== Number.POSITIVE_INFINITY) {
    c.warnings.push(`${path}: startDelay is forever, so run never matters`);
  }
  return c.issues.length === before ? out : undefined;
}

function fillSigterm(o: OnSigterm | undefined, exitCode: number): OnSigterm | undefined {
  if (o === undefined || o === 'ignore') return o;
  return Number.isNaN(o.exitCode) ? { after: o.after, exitCode } : o;
}

function checkBehavior(c: Checker, b: unknown, path: string, names: readonly string[] | undefined): ContainerBehavior | undefined {
  if (b === null) return defaultBehavior();
  if (!isObject(b)) { c.add(path, `must be a mapping with any of ${BEHAVIOR_KEYS.join(', ')}`); return undefined; }
  c.unknownKeys(b, BEHAVIOR_KEYS, path);
  const before = c.issues.length;
  const base = checkRunFields(c, b, path);
  const needs: string[] = [];
  if (b['needs'] !== undefined) {
    if (!Array.isArray(b['needs'])) c.add(`${path}.needs`, 'must be a list of container names');
    else b['needs'].forEach((n: unknown, i: number) => {
      const r = names ? c.containerRef(n, `${path}.needs[${i}]`, names) : typeof n === 'string' ? n : undefined;
      if (r !== undefined) needs.push(r);
    });
  }
  let needsFailExitCode = DEFAULT_NEEDS_FAIL_EXIT_CODE;
  if (b['needsFailExitCode'] !== undefined) {
    const e = c.exitCode(b['needsFailExitCode'], `${path}.needsFailExitCode`);
    if (e !== undefined) needsFailExitCode = e;
  }
  const runs: RunOverride[] = [];
  if (b['runs'] !== undefined) {
    if (!Array.isArray(b['runs']) || b['runs'].length === 0) c.add(`${path}.runs`, 'must be a non-empty list of {startDelay?, run?, exitCode?, onSigterm?}');
    else b['runs'].forEach((r: unknown, i: number) => {
      const rp = `${path}.runs[${i}]`;
      if (!isObject(r)) { c.add(rp, 'must be a mapping'); return; }
      c.unknownKeys(r, RUN_KEYS, rp);
      const o = checkRunFields(c, r, rp);
      if (o) runs.push(o);
    });
  }
  if (c.issues.length > before || !base) return undefined;
  const exitCode = base.exitCode ?? 0;
  const onSigterm = fillSigterm(base.onSigterm, exitCode) ?? { after: 0, exitCode };
  // In `runs`, an onSigterm without exitCode takes that run's exit code.
  const filledRuns = runs.map((r) => {
    const ec = r.exitCode ?? exitCode;
    const os = r.onSigterm === undefined
      ? (base.onSigterm === undefined && r.exitCode !== undefined ? { after: 0, exitCode: ec } : undefined)
      : fillSigterm(r.onSigterm, ec);
    return { ...r, ...(os === undefined ? {} : { onSigterm: os }) };
  });
  return {
    startDelay: base.startDelay ?? 0, run: base.run ?? Number.POSITIVE_INFINITY, exitCode, onSigterm,
    needs, needsFailExitCode, runs: filledRuns,
  };
}

function parseProbeOverride(c: Checker, v: unknown, path: string): ProbeOverride | undefined {
  if (v === 'fail') return { kind: 'fail' };
  if (v === 'pass') return { kind: 'pass' };
  if (typeof v === 'string') {
    const m = /^fail-after\s+(\S+)$/.exec(v.trim());
    if (m) {
      const d = parseDuration(m[1]!);
      if (d === undefined || d === Number.POSITIVE_INFINITY) { c.add(path, `${show(m[1])} is not a finite duration (${DURATION_HINT})`); return undefined; }
      return { kind: 'fail-after', after: d };
    }
  }
  c.add(path, `${show(v)} is not a probe outcome (use fail, pass or "fail-after 10s")`);
  return undefined;
}

function checkPair(c: Checker, v: unknown, path: string, names: readonly string[] | undefined): [string, string] | undefined {
  if (!Array.isArray(v) || v.length !== 2) { c.add(path, `${show(v)} must be a pair of container names [a, b]`); return undefined; }
  const a = names ? c.containerRef(v[0], `${path}[0]`, names) : String(v[0]);
  const b = names ? c.containerRef(v[1], `${path}[1]`, names) : String(v[1]);
  return a !== undefined && b !== undefined ? [a, b] : undefined;
}

function checkExpect(c: Checker, e: unknown, names: readonly string[] | undefined): Expect | undefined {
  if (!isObject(e)) { c.add('expect', 'must be a mapping {phase?, completesWithin?, assertions?}'); return undefined; }
  c.unknownKeys(e, ['phase', 'completesWithin', 'assertions'], 'expect');
  let phase: PodPhase | undefined;
  if (e['phase'] !== undefined) {
    if (!(POD_PHASES as readonly unknown[]).includes(e['phase'])) c.add('expect.phase', `${show(e['phase'])} is not a pod phase (${POD_PHASES.join(', ')})`);
    else phase = e['phase'] as PodPhase;
  }
  let completesWithin: DurationMs | undefined;
  if (e['completesWithin'] !== undefined) completesWithin = c.duration(e['completesWithin'], 'expect.completesWithin');
  const assertions: Assertion[] = [];
  const raw = e['assertions'];
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw)) c.add('expect.assertions', 'must be a list');
    else raw.forEach((a: unknown, i: number) => {
      const path = `expect.assertions[${i}]`;
      if (!isObject(a) || Object.keys(a).length !== 1) { c.add(path, `must be a mapping with exactly one of ${ASSERTION_KEYS.join(', ')}`); return; }
      const [key, v] = Object.entries(a)[0]!;
      const p = `${path}.${key}`;
      const ref = (x: unknown): string | undefined => (names ? c.containerRef(x, p, names) : typeof x === 'string' ? x : undefined);
      switch (key) {
        case 'starts': case 'doesNotStart': case 'hasRestarted': case 'hasNotRestarted': case 'needUnmet': case 'noNeedUnmet': {
          const r = ref(v);
          if (r !== undefined) assertions.push({ [key]: r } as Assertion);
          break;
        }
        case 'startsBefore': case 'exitsBefore': case 'runTogether': {
          const pair = checkPair(c, v, p, names);
          if (pair) assertions.push({ [key]: pair } as unknown as Assertion);
          break;
        }
        case 'exitCode': {
          if (!isObject(v)) { c.add(p, 'must be a mapping {container, code, reason?}'); break; }
          c.unknownKeys(v, ['container', 'code', 'reason'], p);
          const cn = v['container'] === undefined ? (c.add(`${p}.container`, 'missing'), undefined) : (names ? c.containerRef(v['container'], `${p}.container`, names) : String(v['container']));
          const code = v['code'] === undefined ? (c.add(`${p}.code`, 'missing'), undefined) : c.exitCode(v['code'], `${p}.code`);
          const reason = v['reason'];
          if (reason !== undefined && reason !== 'Completed' && reason !== 'Error') c.add(`${p}.reason`, `${show(reason)} is not a reason (Completed or Error)`);
          if (cn !== undefined && code !== undefined) assertions.push({ exitCode: reason === undefined ? { container: cn, code } : { container: cn, code, reason: reason as string } });
          break;
        }
        default:
          c.add(p, `unknown assertion (known: ${ASSERTION_KEYS.join(', ')})`);
      }
    });
  }
  return {
    ...(phase ? { phase } : {}),
    ...(completesWithin !== undefined ? { completesWithin } : {}),
    assertions,
  };
}

// ---------------------------------------------------------------------------------------------
// `--behavior name=startDelay:3s,run:10s,exitCode:1,needs:a+b` (CLI form of one behaviour entry)

/**
 * Parses one `--behavior` flag into a raw behaviour entry (validated later with the scenario,
 * so errors name `behavior.<name>.<field>`). Keys: startDelay, run, exitCode, needs (a+b),
 * needsFailExitCode, onSigterm (`ignore` or `<after>/<exitCode>`, e.g. `1s/0`).
 */
export function parseBehaviorFlag(flag: string): { name: string; raw: Record<string, unknown> } {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new ScenarioError([{ path: '--behavior', message: `${show(flag)} must look like name=startDelay:3s,run:10s,exitCode:1,needs:a+b` }]);
  const name = flag.slice(0, eq).trim();
  const raw: Record<string, unknown> = {};
  const issues: ScenarioIssue[] = [];
  for (const part of flag.slice(eq + 1).split(',').map((s) => s.trim()).filter(Boolean)) {
    const colon = part.indexOf(':');
    if (colon <= 0) { issues.push({ path: `--behavior ${name}`, message: `${show(part)} must be key:value` }); continue; }
    const key = part.slice(0, colon).trim();
    const value = part.slice(colon + 1).trim();
    switch (key) {
      case 'startDelay': case 'run': raw[key] = value; break;
      case 'exitCode': case 'needsFailExitCode': raw[key] = /^\d+$/.test(value) ? Number(value) : value; break;
      case 'needs': raw[key] = value.split('+').map((s) => s.trim()).filter(Boolean); break;
      case 'onSigterm': {
        if (value === 'ignore') raw[key] = 'ignore';
        else {
          const [after, code] = value.split('/');
          raw[key] = code === undefined ? { after } : { after, exitCode: /^\d+$/.test(code) ? Number(code) : code };
        }
        break;
      }
      default: issues.push({ path: `--behavior ${name}.${key}`, message: `unknown key (known: startDelay, run, exitCode, needs, needsFailExitCode, onSigterm)` });
    }
  }
  if (issues.length) throw new ScenarioError(issues);
  return { name, raw };
}
