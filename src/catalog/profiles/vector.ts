// Vector (`timberio/vector`). Its API (GraphQL + GET /health) is off unless `api.enabled = true`
// in the config; the default `api.address` is 127.0.0.1:8686, so it must also be rebound for a
// kubelet probe. On SIGTERM it drains within --graceful-shutdown-limit-secs (default 60) and exits 0.
// Source: vector.dev docs, "API" reference and "Process management".
import type { Container } from 'kubernetes-types/core/v1';
import type { NativeSidecarEdits, Recognition, SidecarFacts, SidecarProfile } from '../types';
import { containerView, type ContainerView } from '../view';
import { repositoryEndsWith } from '../image';
import { recognized } from '../support';

function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
  if (!c || typeof c !== 'object') return undefined;
  // `vector` alone is too common a repository name: require the timberio owner or the binary.
  if (repositoryEndsWith(v.image, 'timberio', 'vector')) return recognized(c, `image ${String(c.image)}`, {}, v);
  const prog = v.program(['vector']);
  return prog ? recognized(c, `runs ${prog.binary}`, {}, v) : undefined;
}

function inspect(_c: Container, _r: Recognition): SidecarFacts {
  return {
    servingPorts: [],
    health: { enabled: false, port: 8686, bind: 'localhost', scheme: 'HTTP', startupPath: '/health', livenessPath: '/health' },
    shutdown: { exitsOnSigterm: true, sigtermExitCode: 0 },
  };
}

function nativeSidecarEdits(_c: Container, _r: Recognition, _f: SidecarFacts): NativeSidecarEdits {
  return { notes: ['Vector\'s /health needs `api.enabled = true` and `api.address = "0.0.0.0:8686"` in its config (not visible here); then probe GET /health on 8686.'] };
}

export const vector: SidecarProfile = {
  id: 'vector',
  displayName: 'Vector',
  role: 'log-shipper',
  docs: ['https://vector.dev/docs/reference/api/', 'https://vector.dev/docs/administration/management/'],
  versions: [],
  recognize,
  inspect,
  nativeSidecarEdits,
  simulation: { startDelay: '1s', onSigterm: { after: '1s', exitCode: 0 } },
};
