// istio-proxy: pilot-agent + Envoy from the `proxyv2` image, started as `proxy sidecar` (or
// `proxy router` for gateways). Injected by istiod; the same image also runs the `istio-init`
// container (`istio-iptables ...`), which is a plain, run-to-completion init container.
// Sources:
//  - istio/istio pkg/kube/inject/testdata/inject/hello-probes.proxyHoldsApplication.yaml.injected
//    (our corpus): startupProbe httpGet /healthz/ready :15021, periodSeconds 1, timeoutSeconds 3,
//    failureThreshold 600; readinessProbe on the same endpoint; `postStart: pilot-agent wait` when
//    holdApplicationUntilProxyStarts is on (dropped by the native-sidecar template, where the
//    startupProbe gates the app instead);
//  - istio/istio pilot/cmd/pilot-agent/status/server.go: POST /quitquitquit and /drain on the
//    status port 15020 answer 403 unless the request comes from localhost;
//  - istio.io "Application Requirements" port table: 15000 Envoy admin (localhost), 15001
//    outbound, 15006 inbound, 15020 merged metrics/agent, 15021 health, 15090 Envoy metrics.
import type { Container } from 'kubernetes-types/core/v1';
import type { NativeSidecarEdits, Recognition, SidecarFacts, SidecarProfile } from '../types';
import { containerView, type ContainerView } from '../view';
import { imageName } from '../image';
import { parseFlags, argv } from '../flags';
import { httpProbe, recognized } from '../support';

const STATUS_PORT = 15020;
const HEALTH_PORT = 15021;
const STARTUP_TIMING = { periodSeconds: 1, timeoutSeconds: 3, failureThreshold: 600 } as const;

function proxyArgs(c: Container, v: ContainerView = containerView(c)): string[] {
  // The image entrypoint is pilot-agent; `args` start with `proxy`. Some manifests spell out
  // `command: [pilot-agent]` or `/usr/local/bin/pilot-agent`.
  const prog = v.program(['pilot-agent'], { entrypoint: true });
  return (prog?.tokens ?? v.argv).map((t) => t.value);
}

function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
  if (!c || typeof c !== 'object') return undefined;
  const img = v.image;
  const args = proxyArgs(c, v);
  const isProxyCmd = args[0] === 'proxy' && (args[1] === 'sidecar' || args[1] === 'router');
  if (imageName(img) === 'proxyv2' && isProxyCmd) return recognized(c, `image ${String(c.image)} running \`proxy ${args[1]}\``, {}, v);
  // A renamed/mirrored image still runs pilot-agent explicitly.
  if (isProxyCmd && v.program(['pilot-agent'])) return recognized(c, 'runs `pilot-agent proxy`', {}, v);
  return undefined;
}

function inspect(c: Container, _r: Recognition): SidecarFacts {
  const flags = parseFlags(argv(c), { style: 'posix', valueFlags: ['statusPort', 'domain', 'serviceCluster', 'concurrency'] });
  const status = Number(flags.str('statusPort') ?? STATUS_PORT);
  return {
    servingPorts: [
      { port: 15001, bind: 'all', purpose: 'data', source: 'iptables outbound redirect' },
      { port: 15006, bind: 'all', purpose: 'data', source: 'iptables inbound redirect' },
      { port: 15000, bind: 'localhost', purpose: 'admin', source: 'Envoy admin' },
      { port: HEALTH_PORT, bind: 'all', purpose: 'health', source: 'pilot-agent' },
      { port: Number.isInteger(status) && status > 0 ? status : STATUS_PORT, bind: 'all', purpose: 'metrics', source: 'pilot-agent status port' },
      { port: 15090, bind: 'all', purpose: 'metrics', source: 'Envoy prometheus' },
    ],
    health: { enabled: true, port: HEALTH_PORT, bind: 'all', scheme: 'HTTP', startupPath: '/healthz/ready', readinessPath: '/healthz/ready' },
    shutdown: {
      // pilot-agent drains for terminationDrainDuration (default 5s) on SIGTERM, then exits.
      exitsOnSigterm: true,
      sigtermExitCode: 0,
      httpShutdown: { enabled: true, port: STATUS_PORT, path: '/quitquitquit', method: 'POST', localhostOnly: true },
      // `pilot-agent request POST <path>` sends the request to Envoy's admin port from inside
      // the container (pilot/cmd/pilot-agent/request.go); Envoy's /quitquitquit makes Envoy exit
      // and pilot-agent exits with it. Istio's own native-sidecar template uses the same command
      // form for its preStop (`pilot-agent request POST drain`).
      shutdownCommand: ['pilot-agent', 'request', 'POST', 'quitquitquit'],
    },
  };
}

function nativeSidecarEdits(c: Container, _r: Recognition, _facts: SidecarFacts): NativeSidecarEdits {
  const notes = [
    'istio-proxy is injected by istiod: prefer enabling native sidecars at injection (pod annotation sidecar.istio.io/nativeSidecar: "true" or istiod ENABLE_NATIVE_SIDECARS=true) over editing the injected spec, which is re-rendered on every injection.',
  ];
  const hold = c.lifecycle?.postStart?.exec?.command;
  if (Array.isArray(hold) && hold.includes('pilot-agent') && hold.includes('wait')) {
    notes.push('The `pilot-agent wait` postStart hook (holdApplicationUntilProxyStarts) is redundant once the startupProbe gates the app; Istio\'s native-sidecar template drops it.');
  }
  // An existing startupProbe is the user's (or istiod's) choice; keep it.
  if (c.startupProbe) return { notes };
  return { startupProbe: httpProbe('/healthz/ready', HEALTH_PORT, STARTUP_TIMING), notes };
}

export const istioProxy: SidecarProfile = {
  id: 'istio-proxy',
  displayName: 'Istio sidecar proxy',
  role: 'mesh-proxy',
  docs: [
    'https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio',
    'https://istio.io/latest/blog/2023/native-sidecars/',
    'https://github.com/istio/istio/blob/master/pilot/cmd/pilot-agent/status/server.go',
  ],
  versions: [
    { version: '1.7.0', note: 'holdApplicationUntilProxyStarts: proxy first in containers with a blocking `pilot-agent wait` postStart' },
    { version: '1.19.0', note: 'native sidecar injection behind ENABLE_NATIVE_SIDECARS (Kubernetes ≥ 1.28)' },
    { version: '1.27.0', note: 'native sidecars on by default when every node\'s kubelet supports them' },
  ],
  recognize,
  inspect,
  nativeSidecarEdits,
  simulation: { startDelay: '2s', onSigterm: { after: '5s', exitCode: 0 } },
};
