// Fluentd (`fluent/fluentd`, `fluent/fluentd-kubernetes-daemonset`, `registry.k8s.io/fluentd-gcp`,
// `td-agent`). No built-in health endpoint: the `monitor_agent` input (conventionally port 24220,
// /api/plugins.json) exists only when configured. SIGTERM flushes buffers and stops gracefully.
// Source: docs.fluentd.org "Signals" and "monitor_agent".
import type { Container } from 'kubernetes-types/core/v1';
import type { NativeSidecarEdits, Recognition, SidecarFacts, SidecarProfile } from '../types';
import { containerView, type ContainerView } from '../view';
import { imageName } from '../image';
import { recognized } from '../support';

function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
  if (!c || typeof c !== 'object') return undefined;
  const name = v.imageName;
  if (/^fluentd($|-)/.test(name) || name === 'td-agent') return recognized(c, `image ${String(c.image)}`, {}, v);
  const prog = v.program(['fluentd', 'td-agent']);
  return prog ? recognized(c, `runs ${prog.binary}`, {}, v) : undefined;
}

function inspect(_c: Container, _r: Recognition): SidecarFacts {
  return { servingPorts: [], shutdown: { exitsOnSigterm: true, sigtermExitCode: 0 } };
}

function nativeSidecarEdits(_c: Container, _r: Recognition, _f: SidecarFacts): NativeSidecarEdits {
  return { notes: ['Fluentd has no health endpoint unless a monitor_agent source is configured (then probe /api/plugins.json on its port, conventionally 24220).'] };
}

export const fluentd: SidecarProfile = {
  id: 'fluentd',
  displayName: 'Fluentd',
  role: 'log-shipper',
  docs: ['https://docs.fluentd.org/deployment/signals', 'https://docs.fluentd.org/input/monitor_agent'],
  versions: [],
  recognize,
  inspect,
  nativeSidecarEdits,
  simulation: { startDelay: '3s', onSigterm: { after: '1s', exitCode: 0 } },
};
