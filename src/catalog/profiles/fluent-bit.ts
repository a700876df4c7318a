// Fluent Bit (`fluent/fluent-bit`, `cr.fluentbit.io/fluent/fluent-bit`, ...).
// Sources: fluent/fluent-bit src/fluent-bit.c long options `http_server` (-H), `http_listen` (-L),
// `http_port` (-P); docs "Monitoring": the HTTP server (default 0.0.0.0:2020) serves /api/v1/uptime
// and /api/v1/metrics; /api/v1/health exists only with `Health_Check On` in the [SERVICE] section,
// which lives in the config file (a ConfigMap we do not see). On SIGTERM it flushes for `Grace`
// seconds (default 5) and exits 0.
import type { Container } from 'kubernetes-types/core/v1';
import type { NativeSidecarEdits, Recognition, SidecarFacts, SidecarProfile } from '../types';
import { containerView, type ContainerView } from '../view';
import { imageName } from '../image';
import { findProgram, parseFlags } from '../flags';
import { bindOf, parsePort, recognized } from '../support';

function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
  if (!c || typeof c !== 'object') return undefined;
  if (v.imageName === 'fluent-bit') return recognized(c, `image ${String(c.image)}`, {}, v);
  const prog = v.program(['fluent-bit', 'td-agent-bit']);
  return prog ? recognized(c, `runs ${prog.binary}`, {}, v) : undefined;
}

function inspect(c: Container, _r: Recognition): SidecarFacts {
  const prog = findProgram(c, ['fluent-bit', 'td-agent-bit'], { entrypoint: true });
  const flags = parseFlags(prog?.tokens ?? [], { style: 'posix', valueFlags: ['http_listen', 'http_port', 'config', 'input', 'output', 'filter', 'prop', 'flush', 'log_file', 'parser', 'plugin'], shorthands: { H: 'http_server', L: 'http_listen', P: 'http_port', c: 'config', i: 'input', o: 'output', F: 'filter', p: 'prop', f: 'flush' } });
  const http = flags.bool('http_server') === true || flags.bool('http') === true;
  const port = parsePort(flags.str('http_port')) ?? 2020;
  const bind = bindOf(flags.str('http_listen') ?? '0.0.0.0');
  return {
    servingPorts: http ? [{ port, bind, purpose: 'metrics', source: '-H/--http_server' }] : [],
    // /api/v1/health needs Health_Check On in the config file: not known to be on.
    health: { enabled: false, port, bind, scheme: 'HTTP', livenessPath: '/api/v1/health' },
    shutdown: { exitsOnSigterm: true, sigtermExitCode: 0 },
  };
}

function nativeSidecarEdits(_c: Container, _r: Recognition, _f: SidecarFacts): NativeSidecarEdits {
  return {
    notes: [
      'Fluent Bit only reads files or sockets, so nothing needs to wait for it; to probe it anyway set HTTP_Server On and Health_Check On in [SERVICE] and probe /api/v1/health on port 2020.',
      'As a native sidecar it stops after the main containers, so their last log lines are shipped.',
    ],
  };
}

export const fluentBit: SidecarProfile = {
  id: 'fluent-bit',
  displayName: 'Fluent Bit',
  role: 'log-shipper',
  docs: [
    'https://docs.fluentbit.io/manual/administration/monitoring',
    'https://docs.fluentbit.io/manual/administration/configuring-fluent-bit/classic-mode/configuration-file',
  ],
  versions: [],
  recognize,
  inspect,
  nativeSidecarEdits,
  simulation: { startDelay: '1s', onSigterm: { after: '5s', exitCode: 0 } },
};
