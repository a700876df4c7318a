// ordering: init containers and native sidecars start strictly in list order (KEP-753), so a
// dependency must come earlier in `initContainers` than what depends on it.
import type { Container } from 'kubernetes-types/core/v1';
import { dialsSidecar, type ContainerInfo, type PodModel } from '../pod-model';
import { SIDECAR_DOCS, type Rule, type RuleHit } from './rule';

export const isMeshProxy = (c: ContainerInfo) => c.sidecar?.profile?.role === 'mesh-proxy';

/** Volumes `c` can write (mounted read-write). */
function writableVolumes(c: Container): Set<string> {
  return new Set((c.volumeMounts ?? []).filter((m) => m && !m.readOnly).map((m) => String(m.name)));
}
function mountedVolumes(c: Container): Set<string> {
  return new Set((c.volumeMounts ?? []).filter(Boolean).map((m) => String(m!.name)));
}

/** Does regular init container `init` prepare files that sidecar `s` reads (a volume both mount; `init` writes it)? */
export function prepares(init: ContainerInfo, s: ContainerInfo, model: PodModel): boolean {
  if (init.native || init.ref.list !== 'initContainers') return false;
  const w = writableVolumes(init.container);
  const volumes = model.site.spec.volumes ?? [];
  for (const name of mountedVolumes(s.container)) {
    if (!w.has(name)) continue;
    const vol = volumes.find((v) => v?.name === name);
    // Shared scratch space (emptyDir) is the signal; secrets/configMaps are not written by init containers.
    if (!vol || vol.emptyDir !== undefined) return true;
  }
  return false;
}

export const meshProxyNotFirst: Rule = {
  id: 'mesh-proxy-not-first',
  category: 'ordering',
  severity: 'warning',
  fix: 'auto',
  summary: 'A native mesh proxy (istio-proxy, linkerd-proxy) is not the first init container, so earlier containers run without the mesh.',
  explain: `A mesh proxy intercepts all of the pod's traffic. Init containers and sidecars that start before it have
no working network under mTLS-only policies (or bypass the mesh). Istio's and Linkerd's own native-sidecar
injection put the proxy first for this reason. \`sidecarctl fix\` moves it to the front.`,
  links: ['https://istio.io/latest/blog/2023/native-sidecars/', SIDECAR_DOCS],
  check(ctx) {
    const inits = ctx.model.containers.filter((c) => c.ref.list === 'initContainers');
    const hits: RuleHit[] = [];
    for (const mesh of inits.filter((c) => c.native && isMeshProxy(c))) {
      const before = inits.filter((c) => c.ref.index < mesh.ref.index && !isMeshProxy(c) && !/istio-init|istio-validation|linkerd-init/.test(c.ref.name));
      if (before.length) hits.push({ container: mesh.ref.name, message: `mesh proxy "${mesh.ref.name}" starts after ${before.map((c) => `"${c.ref.name}"`).join(', ')}, which then run without the mesh; put it first.` });
    }
    return hits;
  },
};

export const sidecarAfterDependentInit: Rule = {
  id: 'sidecar-after-dependent-init',
  category: 'ordering',
  severity: 'error',
  fix: 'auto',
  summary: 'A regular init container dials a native sidecar that comes after it, so the sidecar is not running yet.',
  explain: `Init containers run in list order. A migration init container that connects to the Cloud SQL proxy on
127.0.0.1:5432 fails if the proxy is a native sidecar declared after it. \`sidecarctl fix\` moves the sidecar
before its first dependent init container (keeping it after the init containers that prepare it).`,
  links: [SIDECAR_DOCS],
  check(ctx) {
    const hits: RuleHit[] = [];
    const inits = ctx.model.containers.filter((c) => c.ref.list === 'initContainers');
    for (const s of inits.filter((c) => c.native)) {
      const dep = inits.find((c) => !c.native && c.ref.index < s.ref.index && dialsSidecar(c.container, s) !== undefined);
      if (dep) hits.push({ container: s.ref.name, message: `init container "${dep.ref.name}" dials "${s.ref.name}" but runs before it starts; move the sidecar before "${dep.ref.name}".` });
    }
    return hits;
  },
};

export const sidecarBeforePrepInit: Rule = {
  id: 'sidecar-before-prep-init',
  category: 'ordering',
  severity: 'warning',
  fix: 'auto',
  summary: 'A native sidecar starts before the init container that prepares its files (config, certificates) on a shared volume.',
  explain: `A native sidecar starts when its turn in \`initContainers\` comes. If an init container that writes the
sidecar's config or certificates into a shared emptyDir comes later, the sidecar starts without them (and
crash-loops or runs with defaults). Prep init containers must come first; \`sidecarctl fix\` moves the sidecar
after them.`,
  links: [SIDECAR_DOCS],
  check(ctx) {
    const hits: RuleHit[] = [];
    const inits = ctx.model.containers.filter((c) => c.ref.list === 'initContainers');
    for (const s of inits.filter((c) => c.native && !isMeshProxy(c))) {
      const prep = inits.find((c) => c.ref.index > s.ref.index && prepares(c, s, ctx.model) && dialsSidecar(c.container, s) === undefined);
      if (prep) hits.push({ container: s.ref.name, message: `"${prep.ref.name}" writes a volume that native sidecar "${s.ref.name}" mounts, but runs after it starts; move the sidecar after "${prep.ref.name}".` });
    }
    return hits;
  },
};

export const orderingRules: readonly Rule[] = [meshProxyNotFirst, sidecarAfterDependentInit, sidecarBeforePrepInit];
