// removable-workaround: stop and wait hacks that native sidecars make unnecessary.
import { nativeSidecarSupport } from '../kube-version';
import { legacySidecarsOf, nativeSidecarsOf, type PodModel } from '../pod-model';
import { SIDECAR_DOCS, type Rule, type RuleHit } from './rule';

const hasAnySidecar = (m: PodModel) => legacySidecarsOf(m).length > 0 || nativeSidecarsOf(m).length > 0 || m.containers.some((c) => c.neverExits);

export const quitquitquitCaller: Rule = {
  id: 'quitquitquit-caller',
  category: 'removable-workaround',
  severity: 'warning',
  fix: 'manual',
  summary: 'A container exists (or a script step runs) only to stop a sidecar through its quitquitquit/shutdown endpoint.',
  explain: `Before native sidecars, Jobs ended a proxy by calling its \`/quitquitquit\` endpoint: a helper container that
sleeps a fixed time then curls it (seed 000), or a last \`curl\` in the main command. A fixed sleep either
stops the proxy in the middle of a slow migration or delays completion; a curl at the end is skipped when
the job fails. With the proxy as a native sidecar the kubelet stops it once the mains exit.
\`sidecarctl fix\` removes a helper container whose script only sleeps and calls the endpoint, when the
sidecar it stops becomes native in the same fix; steps inside an application's script are reported only.`,
  links: [SIDECAR_DOCS, 'https://github.com/GoogleCloudPlatform/cloud-sql-proxy#--quitquitquit'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const c of ctx.model.containers) {
      if (c.role === 'stop-helper') {
        hits.push({ container: c.ref.name, message: `"${c.ref.name}" only ${c.script?.sleeps ? 'sleeps, then ' : ''}stops a sidecar (${c.script?.quitCalls.map((q) => q.text).join('; ') || 'kill'}); ${nativeSidecarSupport(ctx.kubeVersion) === 'supported' ? 'with a native sidecar it can be removed' : 'native sidecars (≥1.29) make it unnecessary'}.`, fix: nativeSidecarSupport(ctx.kubeVersion) === 'supported' ? 'auto' : 'manual' });
      } else if (c.role === 'main' && c.script?.quitCalls.some((q) => q.runs)) {
        hits.push({ container: c.ref.name, severity: 'info', message: `"${c.ref.name}" calls a sidecar's stop endpoint at the end of its script; with a native sidecar this step is unnecessary (and it is skipped when the job fails).` });
      }
    }
    return hits;
  },
};

export const quitquitquitNeverRuns: Rule = {
  id: 'quitquitquit-never-runs',
  category: 'removable-workaround',
  severity: 'error',
  fix: 'manual',
  summary: 'A quitquitquit call that never runs: it became an argument of another command (e.g. lines joined by a folded `>` scalar).',
  explain: `In a folded block scalar (\`>\`) YAML joins lines at the same indentation with a space, so
"my_batch_job ...\\ncurl http://localhost:9091/quitquitquit" becomes one command and curl is passed to the job
as arguments. The proxy is never stopped and the Job never completes. Use a literal block (\`|\`), separate
the commands with \`;\`/\`&&\` — or better, make the proxy a native sidecar and drop the call.`,
  links: ['https://yaml.org/spec/1.2.2/#813-folded-style', SIDECAR_DOCS],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const c of ctx.model.containers) {
      for (const q of c.script?.quitCalls ?? []) {
        if (q.runs) continue;
        hits.push({ container: c.ref.name, message: `the stop call "${q.text.slice(0, 80)}" in "${c.ref.name}" never runs: it is an argument of \`${q.swallowedBy}\` (a folded \`>\` scalar joins lines into one command), so the sidecar is never stopped.` });
      }
    }
    return hits;
  },
};

export const sleepKillWrapper: Rule = {
  id: 'sleep-kill-wrapper',
  category: 'removable-workaround',
  severity: 'warning',
  fix: 'manual',
  summary: 'A sleep-then-kill or kill-file wrapper stops a sidecar by timing or a marker file.',
  explain: `Wrappers like \`sleep 30; kill 1\`, \`timeout\`, or a loop that waits for \`/tmp/done\` and then kills the
sidecar (the Cloud SQL proxy's \`timeout\`/\`kill -9\` init-Job pattern, the GKE "main-terminated" file)
stop a sidecar by guesswork: too early breaks the work, too late delays completion, and a crash skips the
marker so the Job hangs. Native sidecars are stopped by the kubelet after the mains exit; remove the
wrapper after migrating (the script is yours, so fix reports it instead of editing it).`,
  links: [SIDECAR_DOCS],
  check(ctx) {
    if (!hasAnySidecar(ctx.model) && ctx.model.site.lifetime !== 'run-to-completion') return [];
    return ctx.model.containers
      .filter((c) => c.role !== 'stop-helper' && c.script && ((c.script.sleeps && c.script.kills) || (c.script.waitsForFile && c.script.kills)))
      .map((c) => ({ container: c.ref.name, message: `"${c.ref.name}" wraps its process in a ${c.script!.waitsForFile ? 'kill-file' : 'sleep-then-kill'} script to stop a sidecar; a native sidecar is stopped by the kubelet instead.` }));
  },
};

export const kubexitTombstones: Rule = {
  id: 'kubexit-tombstones',
  category: 'removable-workaround',
  severity: 'info',
  fix: 'manual',
  summary: 'kubexit tombstones coordinate start and stop between containers.',
  explain: `kubexit wraps each process and uses tombstone files in a shared volume (\`KUBEXIT_BIRTH_DEPS\`,
\`KUBEXIT_DEATH_DEPS\`) to delay the app until the proxy is ready and to stop the proxy when the app dies.
It needs the kubexit binary in every image, a graveyard volume and RBAC to watch pods. Native sidecars with a
startupProbe give the same ordering from the kubelet; after migrating, remove the wrapper, its env and volume.`,
  links: ['https://github.com/karlkfi/kubexit', SIDECAR_DOCS],
  check(ctx) {
    return ctx.model.containers
      .filter((c) => (c.container.env ?? []).some((e) => String(e?.name).startsWith('KUBEXIT_')) || /(^|\/)kubexit$/.test(String(c.container.command?.[0] ?? '')) || /(^|\/)kubexit(:|@|$)/.test(String(c.container.image ?? '')))
      .map((c) => ({ container: c.ref.name, message: /(^|\/)kubexit(:|@|$)/.test(String(c.container.image ?? '')) && !(c.container.env ?? []).some((e) => String(e?.name).startsWith('KUBEXIT_'))
        ? `"${c.ref.name}" installs the kubexit binary for tombstone coordination; native sidecars with a startupProbe make kubexit unnecessary (fix leaves kubexit pods to you).`
        : `"${c.ref.name}" uses kubexit tombstones to order start/stop; native sidecars with a startupProbe make them unnecessary (fix leaves kubexit pods to you).` }));
  },
};

export const waitForLoop: Rule = {
  id: 'wait-for-loop',
  category: 'removable-workaround',
  severity: 'info',
  fix: 'manual',
  summary: 'An entrypoint polls a port or file until a sidecar is up (wait-for loop).',
  explain: `\`until nc -z localhost 5432; do sleep 1; done\`, \`wait-for-it.sh\` or \`cloud-sql-proxy wait\` in the app's
entrypoint hold the app until the proxy listens. A native sidecar with a startupProbe gives that guarantee
from the kubelet for every container, including images you cannot change; the loop can go after migrating.`,
  links: [SIDECAR_DOCS, 'https://github.com/GoogleCloudPlatform/cloud-sql-proxy#wait'],
  check(ctx) {
    if (!hasAnySidecar(ctx.model)) return [];
    return ctx.model.containers
      .filter((c) => c.role === 'main' || (c.ref.list === 'initContainers' && !c.native))
      .filter((c) => c.script?.waitsForPort)
      .map((c) => ({ container: c.ref.name, message: `"${c.ref.name}" polls until a sidecar answers before starting its work; a native sidecar with a startupProbe makes the loop unnecessary.` }));
  },
};

const TERMINATORS = /(^|\/)(linkerd-await|scuttle)(:|$)|sidecar-terminator|k8s-controller-sidecars|proxy-terminator/;

export const terminatorHelper: Rule = {
  id: 'terminator-helper',
  category: 'removable-workaround',
  severity: 'info',
  fix: 'manual',
  summary: 'A terminator wrapper (linkerd-await --shutdown, scuttle, a terminator image) ends a sidecar after the main process.',
  explain: `Wrappers such as \`linkerd-await --shutdown -- <cmd>\` or scuttle run the app, then call the proxy's shutdown
endpoint, and terminator images do the same from a helper container. They need the wrapper in the image and
fail open when the app crashes before the call. Native sidecars (Linkerd ≥2.15 \`config.alpha.linkerd.io/proxy-enable-native-sidecar\`,
Istio \`ENABLE_NATIVE_SIDECARS\`) are stopped by the kubelet; remove the wrapper after migrating.`,
  links: ['https://linkerd.io/2/tasks/graceful-shutdown/', SIDECAR_DOCS],
  check(ctx) {
    return ctx.model.containers
      .filter((c) => TERMINATORS.test(String(c.container.image ?? '')) || [...(c.container.command ?? []), ...(c.container.args ?? [])].some((w) => TERMINATORS.test(String(w))))
      .map((c) => ({ container: c.ref.name, message: `"${c.ref.name}" uses a terminator wrapper to stop a sidecar after the main process; native sidecars make it unnecessary.` }));
  },
};

export const workaroundRules: readonly Rule[] = [quitquitquitCaller, quitquitquitNeverRuns, sleepKillWrapper, kubexitTombstones, waitForLoop, terminatorHelper];
