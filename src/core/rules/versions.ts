// version and invalid: what the target cluster's apiserver accepts and how its kubelet behaves.
import { allowsContainerRestartPolicy, formatKubeVersion, hasMultiSidecarTerminationFix, nativeSidecarSupport } from '../kube-version';
import { nativeSidecarsOf } from '../pod-model';
import { KEP_753, SIDECAR_DOCS, type Rule, type RuleHit } from './rule';

export const nativeSidecarUnsupported: Rule = {
  id: 'native-sidecar-unsupported',
  category: 'version',
  severity: 'error',
  fix: 'manual',
  summary: 'Native sidecar fields on a cluster older than 1.29 (dropped below 1.28, behind an off-by-default alpha gate in 1.28).',
  explain: `\`restartPolicy: Always\` on an init container is the native-sidecar switch (KEP-753). A 1.27 or older apiserver
does not know the field and silently drops it, so the "sidecar" becomes a regular init container that never
exits and the pod hangs in Init. 1.28 has the SidecarContainers gate off by default (same effect), and even
when enabled stops sidecars together with the mains. From 1.29 the gate is on (beta), GA in 1.33.
Below 1.29, keep the sidecar in \`containers\` and stop it with its shutdown endpoint or \`sidecarctl reaper\`.`,
  links: [KEP_753, 'https://kubernetes.io/docs/reference/command-line-tools-reference/feature-gates/#SidecarContainers'],
  check(ctx) {
    const support = nativeSidecarSupport(ctx.kubeVersion);
    if (support === 'supported') return [];
    const v = formatKubeVersion(ctx.kubeVersion);
    return nativeSidecarsOf(ctx.model).map((s) => ({
      container: s.ref.name,
      subPath: ['restartPolicy'],
      severity: support === 'none' ? 'error' : 'warning',
      message: support === 'none'
        ? `"${s.ref.name}" is a native sidecar, but a ${v} apiserver drops restartPolicy on init containers: it becomes a blocking init container and the pod hangs in Init.`
        : `"${s.ref.name}" is a native sidecar, which ${v} supports only with the alpha SidecarContainers gate (off by default), and without ordered termination.`,
    } satisfies RuleHit));
  },
};

export const multiSidecarTerminationBug: Rule = {
  id: 'multi-sidecar-termination-bug',
  category: 'version',
  severity: 'warning',
  fix: 'manual',
  summary: 'Several native sidecars on 1.29/1.30 releases before the #125880 fix: an earlier sidecar may get no SIGTERM until the grace period ends.',
  explain: `kubernetes/kubernetes#125880: with more than one native sidecar, if a later sidecar never started (e.g. its
startupProbe kept failing) and the pod is deleted, the earlier sidecars waited for it and received SIGTERM only
when the grace period ran out, then SIGKILL. Fixed in 1.31 (#125935) and in the 1.30.4 and 1.29.8 patch
releases. Upgrade the nodes, or keep a single native sidecar.`,
  links: ['https://github.com/kubernetes/kubernetes/issues/125880', 'https://github.com/kubernetes/kubernetes/pull/125935'],
  check(ctx) {
    const natives = nativeSidecarsOf(ctx.model);
    if (natives.length < 2 || nativeSidecarSupport(ctx.kubeVersion) !== 'supported') return [];
    const fixed = hasMultiSidecarTerminationFix(ctx.kubeVersion);
    if (fixed === true) return [];
    const v = formatKubeVersion(ctx.kubeVersion);
    return [{
      container: natives[0]!.ref.name,
      severity: fixed === 'unknown' ? 'info' : 'warning',
      message: fixed === 'unknown'
        ? `${natives.length} native sidecars on ${v}: patch releases before 1.${ctx.kubeVersion.minor}.${ctx.kubeVersion.minor === 30 ? 4 : 8} have bug #125880 (sidecars may get no SIGTERM until the grace period ends); give --kube-version with the patch release to check.`
        : `${natives.length} native sidecars on ${v}, which has bug #125880: if a later sidecar never started, earlier ones get no SIGTERM until the grace period ends; upgrade to 1.${ctx.kubeVersion.minor}.${ctx.kubeVersion.minor === 30 ? 4 : 8} or later.`,
    }];
  },
};

export const probeOnInitContainer: Rule = {
  id: 'probe-on-init-container',
  category: 'invalid',
  severity: 'error',
  fix: 'manual',
  summary: 'Probes or lifecycle hooks on a regular init container: the apiserver rejects the pod.',
  explain: `validateInitContainers (pkg/apis/core/validation) forbids lifecycle, livenessProbe, readinessProbe and
startupProbe on init containers without \`restartPolicy: Always\`: "may not be set for init containers without
restartPolicy=Always". If the container is meant to be a sidecar, \`sidecarctl fix\` adds restartPolicy: Always
(≥1.29); otherwise remove the fields.`,
  links: [SIDECAR_DOCS, 'https://github.com/kubernetes/kubernetes/blob/master/pkg/apis/core/validation/validation.go'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const c of ctx.model.containers) {
      if (c.ref.list !== 'initContainers' || c.native) continue;
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (c.container[f] !== undefined) {
          hits.push({ container: c.ref.name, subPath: [f], message: `init container "${c.ref.name}" sets ${f}, which the apiserver forbids without restartPolicy: Always.`, fix: c.neverExits && nativeSidecarSupport(ctx.kubeVersion) === 'supported' ? 'auto' : 'manual' });
        }
      }
    }
    return hits;
  },
};

export const invalidRestartPolicy: Rule = {
  id: 'invalid-restart-policy',
  category: 'invalid',
  severity: 'error',
  fix: 'manual',
  summary: 'A container-level restartPolicy the target version rejects.',
  explain: `Up to 1.34 the only container-level restartPolicy is \`Always\` on an init container. 1.34 adds
ContainerRestartRules (alpha; beta and on in 1.35): \`Never\`/\`OnFailure\` on init containers and any of the
three on regular containers. Older apiservers reject those ("may not be set for non-init containers",
"Unsupported value"); a typo is rejected everywhere.`,
  links: ['https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/5307-container-restart-policy'],
  check(ctx) {
    const hits: RuleHit[] = [];
    const v = formatKubeVersion(ctx.kubeVersion);
    for (const c of ctx.model.containers) {
      const rp = c.container.restartPolicy as unknown;
      if (rp === undefined) continue;
      if (rp !== 'Always' && rp !== 'OnFailure' && rp !== 'Never') {
        hits.push({ container: c.ref.name, subPath: ['restartPolicy'], message: `restartPolicy ${JSON.stringify(rp)} of "${c.ref.name}" is not a valid value (Always, OnFailure, Never).` });
      } else if (!allowsContainerRestartPolicy(ctx.kubeVersion) && (c.ref.list === 'containers' || rp !== 'Always')) {
        hits.push({ container: c.ref.name, subPath: ['restartPolicy'], message: c.ref.list === 'containers'
          ? `"${c.ref.name}" sets restartPolicy on a regular container, which ${v} rejects (allowed from 1.35, ContainerRestartRules); to make it a sidecar, move it to initContainers.`
          : `init container "${c.ref.name}" sets restartPolicy ${rp}, which ${v} rejects (only Always before 1.35).` });
      }
    }
    return hits;
  },
};

export const versionRules: readonly Rule[] = [nativeSidecarUnsupported, multiSidecarTerminationBug, probeOnInitContainer, invalidRestartPolicy];
