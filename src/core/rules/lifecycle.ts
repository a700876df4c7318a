// Rules about when sidecars start and stop relative to the work they serve:
// job-never-completes, startup-race, shutdown-order, missing-startup-probe.
import { nativeSidecarSupport } from '../kube-version';
import type { FixStatus } from '../types';
import { dialsSidecar, legacySidecarsOf, mainsOf, nativeSidecarsOf, servedPorts, type ContainerInfo, type PodModel } from '../pod-model';
import { KEP_753, SIDECAR_DOCS, CSQL_HEALTH_DOCS, type Rule, type RuleContext, type RuleHit } from './rule';

const label = (c: ContainerInfo) => c.ref.name;
const nativeAdvice = (ctx: RuleContext) =>
  nativeSidecarSupport(ctx.kubeVersion) === 'supported'
    ? 'make it a native sidecar (initContainers with restartPolicy: Always)'
    : 'native sidecars need Kubernetes ≥1.29; until then stop it from the main container (quitquitquit / shutdown subcommand) or with `sidecarctl reaper`';
const fixFor = (ctx: RuleContext): FixStatus => (nativeSidecarSupport(ctx.kubeVersion) === 'supported' ? 'auto' : 'manual');

/** Roles whose clients need them serving before they start. Log shippers tail files: no startup dependency. */
export function mainsDependOn(c: ContainerInfo, mains: readonly ContainerInfo[] = []): boolean {
  const role = c.sidecar?.profile?.role;
  // A network proxy usually sits *in front of* the app (oauth-proxy, envoy ingress): the app
  // depends on it only when it visibly dials it.
  if (role === 'network-proxy') return mains.some((m) => dialsSidecar(m.container, c) !== undefined);
  if (role) return role !== 'log-shipper' && role !== 'telemetry-agent';
  return servedPorts(c).length > 0;
}

function stopHacks(model: PodModel): string[] {
  const out: string[] = [];
  for (const c of model.containers) {
    if (c.role === 'stop-helper') out.push(`helper container "${c.ref.name}"`);
    else if (c.script?.quitCalls.some((q) => q.runs)) out.push(`the quitquitquit call in "${c.ref.name}"`);
    else if ((c.container.env ?? []).some((e) => String(e?.name).startsWith('KUBEXIT_'))) out.push(`kubexit in "${c.ref.name}"`);
  }
  return [...new Set(out)];
}

export const sidecarBlocksJobCompletion: Rule = {
  id: 'sidecar-blocks-job-completion',
  category: 'job-never-completes',
  severity: 'error',
  fix: 'auto',
  summary: 'A long-running sidecar in `containers` of a run-to-completion pod keeps the pod (and its Job) running after the work is done.',
  explain: `A Job's pod completes only when every container in \`containers\` has exited. A proxy, log shipper or agent
runs until it is stopped, so after the main container finishes the pod stays Running and the Job never
completes (or a Helm hook never returns). People work around it with quitquitquit callers, sleep-then-kill
helpers or kubexit tombstones, all of which are timing hacks.

Since Kubernetes 1.29 a sidecar declared in \`initContainers\` with \`restartPolicy: Always\` is stopped by the
kubelet after the main containers exit (KEP-753), so the Job completes. \`sidecarctl fix\` moves the container
there, adds a startupProbe from the sidecar catalog, and removes stop helpers that only existed to end it.
Below 1.29 fix changes nothing: use the sidecar's shutdown endpoint from the main container or the reaper.`,
  links: [SIDECAR_DOCS, KEP_753, 'https://github.com/kubernetes/kubernetes/issues/25908'],
  check(ctx) {
    const m = ctx.model;
    if (m.site.lifetime !== 'run-to-completion') return [];
    const mains = mainsOf(m);
    if (!mains.length) return [];
    const hacks = stopHacks(m);
    return legacySidecarsOf(m).map((s): RuleHit => {
      const outcome = hacks.length
        ? `so this ${m.site.lifetimeReason}'s pod completes only through ${hacks.join(' and ')}, a timing hack`
        : `so this ${m.site.lifetimeReason}'s pod never completes`;
      return {
        container: label(s),
        message: `"${label(s)}" (${s.sidecar?.evidence ?? 'sidecar'}) keeps running after ${mains.map(label).join(', ')} exit${mains.length > 1 ? '' : 's'}, ${outcome}; ${nativeAdvice(ctx)}.`,
        severity: hacks.length ? 'warning' : 'error',
        fix: fixFor(ctx),
      };
    });
  },
};

export const initContainerNeverExits: Rule = {
  id: 'init-container-never-exits',
  category: 'job-never-completes',
  severity: 'error',
  fix: 'auto',
  summary: 'A regular init container runs a server or agent that never exits, so the pod stays in Init forever.',
  explain: `Regular init containers run one after another and each must exit 0 before the next container starts.
A proxy or server placed in \`initContainers\` without \`restartPolicy: Always\` never exits, so the pod hangs
in \`Init:0/1\` and the main containers never start (seed: the slow-sidecar CronJob).

\`sidecarctl fix\` adds \`restartPolicy: Always\` (Kubernetes ≥1.29), which turns it into a native sidecar: the
next container starts once it has started (or its startupProbe passed), and it is stopped after the mains.`,
  links: [SIDECAR_DOCS, 'https://kubernetes.io/docs/concepts/workloads/pods/init-containers/'],
  check(ctx) {
    return ctx.model.containers
      .filter((c) => c.ref.list === 'initContainers' && !c.native && c.neverExits)
      .map((c) => ({
        container: label(c),
        message: `init container "${label(c)}" never exits (${c.neverExits}), so the containers after it never start and the pod stays in Init; ${nativeAdvice(ctx).replace('make it a native sidecar (initContainers with restartPolicy: Always)', 'add restartPolicy: Always to make it a native sidecar')}.`,
        fix: fixFor(ctx),
      }));
  },
};

export const sidecarStartupRace: Rule = {
  id: 'sidecar-startup-race',
  category: 'startup-race',
  severity: 'warning',
  fix: 'auto',
  summary: 'A sidecar in `containers` starts in parallel with the app that needs it, so the app can dial it before it listens.',
  explain: `Containers in \`containers\` start together; nothing makes the app wait until the proxy listens. On every pod
(re)start the app may dial 127.0.0.1:5432 before the Cloud SQL proxy serves and log "connection refused",
crash, or take an extra restart (seed: PR #347).

A native sidecar with a startupProbe is started first, and the kubelet starts the main containers only after
the probe passed ("started" means serving). \`sidecarctl fix\` moves the sidecar to \`initContainers\` with
\`restartPolicy: Always\`, enables the sidecar's health endpoint when needed (cloud-sql-proxy:
\`--health-check --http-address=0.0.0.0\`) and adds the startupProbe and livenessProbe.`,
  links: [SIDECAR_DOCS, CSQL_HEALTH_DOCS],
  check(ctx) {
    const m = ctx.model;
    const mains = mainsOf(m);
    if (!mains.length) return [];
    const hits: RuleHit[] = [];
    for (const s of legacySidecarsOf(m)) {
      if (!mainsDependOn(s, mains)) continue;
      // Regular containers start in list order and each postStart blocks the next start
      // (kubelet startContainer; e2e SC-B05): a sidecar listed first with a postStart that waits
      // until it serves (Istio holdApplicationUntilProxyStarts) holds the mains back.
      if (s.container.lifecycle?.postStart && mains.every((mc) => mc.ref.index > s.ref.index)) continue;
      const dialers = mains.map((mc) => ({ mc, port: dialsSidecar(mc.container, s) })).filter((x) => x.port !== undefined);
      const who = dialers.length ? dialers.map((d) => `"${label(d.mc)}" dials port ${d.port}`).join(', ') : `${mains.map((x) => `"${label(x)}"`).join(', ')} may need it`;
      hits.push({
        container: label(s),
        message: `"${label(s)}" starts in parallel with the app (${who}): nothing makes the app wait until it serves; ${nativeAdvice(ctx)} with a startupProbe.`,
        severity: dialers.length ? 'error' : 'warning',
        fix: fixFor(ctx),
      });
    }
    return hits;
  },
};

export const sidecarShutdownOrder: Rule = {
  id: 'sidecar-shutdown-order',
  category: 'shutdown-order',
  severity: 'warning',
  fix: 'auto',
  summary: 'A sidecar in `containers` gets SIGTERM together with the app, so the app loses its proxy (or its logs) while it drains.',
  explain: `On pod deletion the kubelet sends SIGTERM to all regular containers at once. A proxy that exits at once cuts
the connections the app still uses while it drains; a log shipper may stop before the app's last lines.
Native sidecars are stopped after every main container has exited, in reverse order (Kubernetes ≥1.29;
1.28's alpha stopped them together with the mains). \`sidecarctl fix\` moves the sidecar to \`initContainers\`.`,
  links: [SIDECAR_DOCS, 'https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#termination-with-sidecars'],
  check(ctx) {
    const m = ctx.model;
    if (m.site.lifetime === 'run-to-completion') return []; // covered by sidecar-blocks-job-completion
    if (!mainsOf(m).length) return [];
    return legacySidecarsOf(m).map((s) => ({
      container: label(s),
      message: `"${label(s)}" is stopped together with the app on pod deletion, so the app can lose it while draining; ${nativeAdvice(ctx)} to stop it after the app.`,
      fix: fixFor(ctx),
    }));
  },
};

export const nativeSidecarMissingStartupProbe: Rule = {
  id: 'native-sidecar-missing-startup-probe',
  category: 'missing-startup-probe',
  severity: 'warning',
  fix: 'auto',
  summary: 'A native sidecar that later containers depend on has no startupProbe, so "started" does not mean "serving".',
  explain: `Without a startupProbe the kubelet counts a native sidecar as started as soon as its process runs, and starts
the next container at once. A proxy that needs seconds to listen then still loses the race (seed: the
slow-sidecar CronJob, variant 3; upstream PR #137954 added startupProbes to its own tests for this reason).
\`sidecarctl fix\` adds the catalog's probe (cloud-sql-proxy: httpGet /startup on its health port, enabling
\`--health-check --http-address=0.0.0.0\`), or a tcpSocket probe on the port it declares.`,
  links: [SIDECAR_DOCS, 'https://github.com/kubernetes/kubernetes/pull/137954', CSQL_HEALTH_DOCS],
  check(ctx) {
    const m = ctx.model;
    const hits: RuleHit[] = [];
    for (const s of nativeSidecarsOf(m)) {
      if (s.container.startupProbe || !mainsDependOn(s, mainsOf(m))) continue;
      const later = m.containers.filter((o) => o !== s && (o.ref.list === 'containers' || o.ref.index > s.ref.index) && o.role !== 'sidecar');
      if (!later.length) continue;
      const dialer = later.find((o) => dialsSidecar(o.container, s) !== undefined);
      hits.push({
        container: label(s),
        message: `native sidecar "${label(s)}" has no startupProbe: the kubelet starts ${dialer ? `"${label(dialer)}", which dials it,` : 'the next containers'} as soon as its process runs, before it serves; add a startupProbe.`,
        severity: dialer ? 'error' : 'warning',
      });
    }
    return hits;
  },
};

export const sidecarIgnoresSigterm: Rule = {
  id: 'sidecar-ignores-sigterm',
  category: 'job-never-completes',
  severity: 'warning',
  fix: 'manual',
  summary: 'A sidecar of a run-to-completion pod does not exit on SIGTERM, so the pod completes only when the grace period ends and it is SIGKILLed.',
  explain: `When the main containers of a Job's pod have exited, the kubelet stops its native sidecars with SIGTERM and
waits for them (KEP-753, ordered termination); the pod turns Succeeded only after they exited. A sidecar that
does not exit on SIGTERM is killed at the end of the grace period (\`terminationGracePeriodSeconds\`, 30 s by
default), so every run of the Job completes that much later. The same wait applies to pod deletion.
Typical cases: \`tail -F\` (or a shell) running as PID 1, which has no SIGTERM handler; consul-template, whose
graceful-stop signal is SIGINT unless \`kill_signal = "SIGTERM"\`.
Fix by hand: make the process exit on SIGTERM (the profile's advice is in the message), or lower
\`terminationGracePeriodSeconds\` when nothing needs draining. \`sidecarctl simulate\` shows the delay.`,
  links: [KEP_753, 'https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination'],
  check(ctx) {
    const m = ctx.model;
    if (m.site.lifetime !== 'run-to-completion' || !mainsOf(m).length) return [];
    const grace = typeof m.site.spec.terminationGracePeriodSeconds === 'number' ? m.site.spec.terminationGracePeriodSeconds : 30;
    if (grace <= 2) return []; // the kubelet's minimum grace: nothing to gain
    return m.containers
      .filter((s) => s.role === 'sidecar' && s.sidecar?.facts?.shutdown.exitsOnSigterm === false)
      // With a shared process namespace the pause process is PID 1, so a tail without a handler
      // gets SIGTERM's default action and dies (pid_namespaces(7)).
      .filter((s) => !(m.site.spec.shareProcessNamespace === true && s.sidecar?.profile?.id === 'log-tailer'))
      .map((s): RuleHit => {
        const advice = s.sidecar!.facts!.shutdown.sigtermAdvice;
        return {
          container: label(s),
          message: `"${label(s)}" (${s.sidecar!.profile?.displayName ?? 'sidecar'}) does not exit on SIGTERM: when the work is done the kubelet waits terminationGracePeriodSeconds (${grace} s) before SIGKILL, so each pod completes up to ${grace} s late${advice ? `; ${advice}` : '; make it exit on SIGTERM or lower terminationGracePeriodSeconds'}`,
        };
      });
  },
};

export const lifecycleRules: readonly Rule[] = [sidecarBlocksJobCompletion, initContainerNeverExits, sidecarStartupRace, sidecarShutdownOrder, nativeSidecarMissingStartupProbe, sidecarIgnoresSigterm];
