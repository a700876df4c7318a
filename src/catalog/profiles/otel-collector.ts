// OpenTelemetry Collector (`otel/opentelemetry-collector`, `-contrib`, `-k8s`, the
// `ghcr.io/open-telemetry/opentelemetry-collector-releases/*` images, binaries `otelcol*`).
// Health comes from the `health_check` extension (GET / on port 13133) when the config enables it;
// its default endpoint is localhost:13133 since v0.104.0 (component.UseLocalHostAsDefaultHost), so
// it must be set to 0.0.0.0:13133 for kubelet probes. SIGTERM shuts the pipelines down and exits 0.
// Source: opentelemetry-collector-contrib extension/healthcheckextension/README.md.
import type { Container } from 'kubernetes-types/core/v1';
import type { NativeSidecarEdits, Recognition, SidecarFacts, SidecarProfile } from '../types';
import { containerView, type ContainerView } from '../view';
import { imageName } from '../image';
import { recognized } from '../support';

const BINARIES = ['otelcol', 'otelcol-contrib', 'otelcol-k8s', 'otelcol-otlp'];

function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
  if (!c || typeof c !== 'object') return undefined;
  const name = v.imageName;
  if (name.startsWith('opentelemetry-collector') || /^otelcol(-|$)/.test(name)) return recognized(c, `image ${String(c.image)}`, {}, v);
  const prog = v.program(BINARIES);
  return prog ? recognized(c, `runs ${prog.binary}`, {}, v) : undefined;
}

function inspect(_c: Container, _r: Recognition): SidecarFacts {
  return {
    servingPorts: [],
    health: { enabled: false, port: 13133, bind: 'localhost', scheme: 'HTTP', startupPath: '/', readinessPath: '/', livenessPath: '/' },
    shutdown: { exitsOnSigterm: true, sigtermExitCode: 0 },
  };
}

function nativeSidecarEdits(_c: Container, _r: Recognition, _f: SidecarFacts): NativeSidecarEdits {
  return { notes: ['Enable the health_check extension with endpoint 0.0.0.0:13133 in the collector config (not visible here), then probe GET / on 13133; the OpenTelemetry Operator does this for its own sidecar mode.'] };
}

export const otelCollector: SidecarProfile = {
  id: 'otel-collector',
  displayName: 'OpenTelemetry Collector',
  role: 'telemetry-agent',
  docs: [
    'https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/extension/healthcheckextension',
    'https://github.com/open-telemetry/opentelemetry-operator',
  ],
  versions: [{ version: '0.104.0', note: 'component endpoints default to localhost instead of 0.0.0.0 (health_check: localhost:13133)' }],
  recognize,
  inspect,
  nativeSidecarEdits,
  simulation: { startDelay: '2s', onSigterm: { after: '1s', exitCode: 0 } },
};
