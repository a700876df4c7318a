// plan(site) → Change[]: the migration to correct native sidecars, as data. Every adapter
// (YAML text edit, JSON Patch, in-memory apply) applies the same list, so `fix`, the webhook
// and the reaper can never disagree about what "fixed" means.
import type { Container, Probe } from 'kubernetes-types/core/v1';
import type { Catalog } from '../catalog/types';
import { nativeSidecarSupport } from './kube-version';
import { buildPodModel, dialsSidecar, legacySidecarsOf, type ContainerInfo, type PodModel } from './pod-model';
import { isMeshProxy, prepares } from './rules/ordering';
import type { Change, KubeVersion } from './types';
import type { PodSite } from './workloads';

export interface PlanOptions {
  readonly kubeVersion: KubeVersion;
  readonly catalog: Catalog;
  /** Rules the user disabled: their changes are left out. */
  readonly disabledRules?: ReadonlySet<string>;
  /** Remove stop-helper containers that only existed to end a sidecar (default true). */
  readonly removeStopHelpers?: boolean;
}

/** A generic startupProbe for a sidecar the catalog does not know but that declares a port. */
function tcpStartupProbe(port: number): Probe {
  // 1 s period so the app starts within a second of the sidecar listening; 60 tries = one
  // minute to start before the kubelet restarts it (the Cloud SQL proxy example uses the same).
  return { tcpSocket: { port }, periodSeconds: 1, failureThreshold: 60 };
}

/** Where each native sidecar should sit in the final initContainers list. */
function targetOrder(model: PodModel, toMove: readonly ContainerInfo[]): ContainerInfo[] {
  const inits = model.containers.filter((c) => c.ref.list === 'initContainers');
  const order: ContainerInfo[] = [...inits];
  const position = (c: ContainerInfo) => order.indexOf(c);
  const place = (s: ContainerInfo) => {
    const cur = position(s);
    if (cur >= 0) order.splice(cur, 1);
    if (isMeshProxy(s)) { // mesh first (after other mesh init steps like istio-init)
      let i = 0;
      while (i < order.length && (isMeshProxy(order[i]!) || /^(istio-init|istio-validation|linkerd-init)$/.test(order[i]!.ref.name))) i++;
      order.splice(i, 0, s);
      return;
    }
    const lowest = Math.max(-1, ...order.map((c, i) => (prepares(c, s, model) ? i : -1))) + 1;
    const firstDependent = order.findIndex((c) => !c.native && c.ref.list === 'initContainers' && dialsSidecar(c.container, s) !== undefined);
    let at = cur >= 0 && cur <= order.length ? cur : order.length;
    if (firstDependent >= 0 && firstDependent < at) at = firstDependent;
    if (at < lowest) at = lowest;
    order.splice(at, 0, s);
  };
  for (const s of toMove) place(s);
  for (const s of inits.filter((c) => c.native || c.neverExits)) if (!toMove.includes(s)) place(s);
  return order;
}

function probeEdits(info: ContainerInfo, rule: string): Change[] {
  const c = info.container;
  const name = info.ref.name;
  const out: Change[] = [];
  const s = info.sidecar;
  if (s?.profile && s.recognition && s.facts) {
    const e = s.profile.nativeSidecarEdits(c, s.recognition, s.facts);
    const reason = `${s.profile.displayName}: serve health checks the kubelet can reach`;
    if (e.replaceArgs?.length) for (const r of e.replaceArgs) out.push({ kind: 'replace-arg', container: name, index: r.index, value: r.value, inCommand: !!r.inCommand, rule, reason });
    if (e.addArgs?.length) out.push({ kind: 'add-args', container: name, args: e.addArgs, rule, reason });
    for (const env of e.setEnv ?? []) out.push({ kind: 'set-env', container: name, env, rule, reason });
    for (const port of e.addPorts ?? []) out.push({ kind: 'add-port', container: name, port, rule, reason });
    if (e.startupProbe && !c.startupProbe) out.push({ kind: 'set-field', container: name, field: 'startupProbe', value: e.startupProbe, rule, reason: 'started means serving: later containers wait for it' });
    if (e.livenessProbe && !c.livenessProbe) out.push({ kind: 'set-field', container: name, field: 'livenessProbe', value: e.livenessProbe, rule, reason: 'restart the sidecar if it wedges after startup' });
    return out;
  }
  const port = (c.ports ?? []).find((p) => typeof p?.containerPort === 'number' && (p.protocol ?? 'TCP') === 'TCP');
  if (!c.startupProbe && port) out.push({ kind: 'set-field', container: name, field: 'startupProbe', value: tcpStartupProbe(port.containerPort), rule, reason: 'started means listening: later containers wait for it' });
  return out;
}

export function planModel(model: PodModel, opts: PlanOptions): Change[] {
  if (nativeSidecarSupport(opts.kubeVersion) !== 'supported') return []; // never emit fields the target drops
  const off = opts.disabledRules ?? new Set<string>();
  const changes: Change[] = [];
  const lifetime = model.site.lifetime;
  const moveRule = lifetime === 'run-to-completion' ? 'sidecar-blocks-job-completion' : 'sidecar-startup-race';
  // Not provably safe to migrate automatically: kubexit wraps processes and kills them on its
  // own schedule, and a sidecar that stops itself (sleep/kill wrapper) would be restarted
  // forever as a native sidecar (KEP-753 restarts sidecars on every exit).
  const usesKubexit = model.containers.some((c) => (c.container.env ?? []).some((e) => String(e?.name).startsWith('KUBEXIT_')));
  const selfStopping = (c: ContainerInfo) => !!c.script && (c.script.kills || c.script.waitsForFile);
  // A pod needs at least one regular container (API validation): no main, no move.
  const hasMain = model.containers.some((c) => c.role === 'main' && c.ref.list === 'containers');
  const toMove = usesKubexit || off.has(moveRule) || !hasMain ? [] : legacySidecarsOf(model).filter((c) => !selfStopping(c));
  const order = targetOrder(model, toMove);

  // 1. Moves (new natives and reorders), in ascending target index: inserting each at its
  //    final index then yields the final order whatever the adapter.
  const initsNow = model.containers.filter((c) => c.ref.list === 'initContainers');
  const before = (list: readonly ContainerInfo[], c: ContainerInfo) => new Set(list.slice(0, list.indexOf(c)).filter((x) => initsNow.includes(x)).map((x) => x.ref.name));
  order.forEach((c, i) => {
    const moving = toMove.includes(c);
    const isSidecar = c.native || !!c.neverExits;
    if (!moving) {
      // only sidecars are placed; regular init containers keep their relative order
      const was = before(initsNow, c), now = before(order, c);
      if (!isSidecar || (was.size === now.size && [...was].every((n) => now.has(n)))) return;
    }
    const nowBefore = order.slice(0, i);
    const rule = moving ? moveRule
      : isMeshProxy(c) ? 'mesh-proxy-not-first'
      : nowBefore.some((x) => prepares(x, c, model) && initsNow.indexOf(x) > initsNow.indexOf(c)) ? 'sidecar-before-prep-init'
      : 'sidecar-after-dependent-init';
    if (!moving && off.has(rule)) return;
    changes.push({ kind: 'move-to-init', container: c.ref.name, index: i, rule, reason: moving ? 'start it before the app and stop it after (native sidecar)' : 'start it in dependency order' });
  });

  // 2. restartPolicy: Always on every new native sidecar and on init containers that never exit.
  for (const c of model.containers) {
    const becomesNative = toMove.includes(c) || (c.ref.list === 'initContainers' && !c.native && c.neverExits && !off.has('init-container-never-exits'));
    if (!becomesNative) continue;
    const rule = toMove.includes(c) ? moveRule : 'init-container-never-exits';
    changes.push({ kind: 'set-field', container: c.ref.name, field: 'restartPolicy', value: 'Always', rule, reason: 'native sidecar (KEP-753)' });
  }

  // 3. Health flags and probes for every native sidecar (new or existing) that others depend on.
  for (const c of model.containers) {
    const native = c.native || toMove.includes(c) || (c.ref.list === 'initContainers' && c.neverExits && !off.has('init-container-never-exits'));
    if (!native) continue;
    const rule = c.native ? 'native-sidecar-missing-startup-probe' : toMove.includes(c) ? moveRule : 'init-container-never-exits';
    const edits = probeEdits(c, rule);
    const needsProbe = !c.container.startupProbe;
    const brokenProbe = !!c.sidecar?.facts && edits.some((e) => e.kind !== 'set-field');
    if (off.has(rule)) continue;
    if (needsProbe || brokenProbe) changes.push(...(needsProbe ? edits : edits.filter((e) => e.kind !== 'set-field').map((e) => Object.assign({}, e, { rule: 'probe-on-localhost-port' }))));
  }

  // 4. Stop helpers that only ended a sidecar which is native after this plan.
  const legacyLeft = legacySidecarsOf(model).filter((s) => !toMove.includes(s));
  if ((opts.removeStopHelpers ?? true) && !off.has('quitquitquit-caller') && legacyLeft.length === 0 && toMove.length > 0) {
    for (const h of model.containers.filter((c) => c.role === 'stop-helper' && c.ref.list === 'containers')) {
      changes.push({ kind: 'remove-container', container: h.ref.name, rule: 'quitquitquit-caller', reason: 'it only stopped a sidecar that the kubelet now stops' });
    }
  }
  return changes;
}

export function plan(site: PodSite, opts: PlanOptions): Change[] {
  return planModel(buildPodModel(site, opts.catalog), opts);
}

export type { Container };
