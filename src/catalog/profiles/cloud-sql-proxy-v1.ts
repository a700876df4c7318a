// Cloud SQL Proxy v1 (`gcr.io/cloudsql-docker/gce-proxy`, binary `/cloud_sql_proxy`; the image has no
// entrypoint, so `command` names the binary). Go `flag` syntax: `-instances=p:r:i=tcp:5432`.
// Source: GoogleCloudPlatform/cloud-sql-proxy at tag v1.38.3, cmd/cloud_sql_proxy/cloud_sql_proxy.go,
// cmd/cloud_sql_proxy/proxy.go, cmd/cloud_sql_proxy/internal/healthcheck/healthcheck.go:
//  - `-instances` (repeatable, comma-separated, or env INSTANCES): `=tcp:PORT` listens on the
//    loopback address (127.0.0.1), `=tcp:HOST:PORT` on HOST, `=unix:...` on a socket;
//  - `-use_http_health_check` (since 1.25.0) serves /startup, /readiness, /liveness on
//    `-health_check_port` (default 8090), bound to all interfaces (`":" + port`);
//  - SIGTERM (handled since 1.13) waits up to `-term_timeout` for connections, then exits 0
//    (2 when connections were still open). No quitquitquit and no admin server.
import type { Container, EnvVar } from 'kubernetes-types/core/v1';
import type { NativeSidecarEdits, Recognition, ServingPort, SidecarFacts, SidecarProfile } from '../types';
import { containerView, type ContainerView } from '../view';
import { imageName } from '../image';
import { findProgram, parseFlags, readEnv, type ParsedFlags, type ProgramArgs } from '../flags';
import { atLeast } from '../version';
import { anyProbeTargets, bindOf, httpProbe, parsePort, portForProbe, recognized, splitHostPort } from '../support';

const BINARY = 'cloud_sql_proxy';
const VALUE_FLAGS = [
  'instances', 'instances_metadata', 'dir', 'projects', 'credential_file', 'token', 'login_token', 'health_check_port',
  'term_timeout', 'ip_address_types', 'host', 'quota_project', 'max_connections', 'fd_rlimit', 'refresh_config_throttle',
  'fuse_tmp',
];
const BOOL_FLAGS = ['use_http_health_check', 'log_debug_stdout', 'verbose', 'quiet', 'structured_logs', 'check_region', 'fuse', 'enable_iam_login', 'skip_failed_instance_config', 'version'];

/** Timings of the upstream v1 example (examples/k8s-health-check/proxy_with_http_health_check.yaml at v1). */
const STARTUP_TIMING = { periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 20 } as const;
const LIVENESS_TIMING = { periodSeconds: 60, timeoutSeconds: 30, failureThreshold: 5 } as const;

function read(c: Container): { program: ProgramArgs; flags: ParsedFlags } | undefined {
  const program = findProgram(c, [BINARY]);
  if (!program) return undefined;
  return { program, flags: parseFlags(program.tokens, { style: 'go', valueFlags: VALUE_FLAGS, boolFlags: BOOL_FLAGS }) };
}

function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
  if (!c || typeof c !== 'object') return undefined;
  if (v.argvNames.includes('cloud-sql-proxy')) return undefined;
  const byImage = v.imageName === 'gce-proxy';
  const program = v.program([BINARY]);
  if (!byImage && !program) return undefined;
  return recognized(c, byImage ? `image ${String(c.image)}` : `runs ${program!.binary ?? BINARY}`, {}, v);
}

function instanceSpecs(c: Container, flags: ParsedFlags): string[] {
  const fromFlags = flags.all('instances').flatMap((h) => (h.value ?? '').split(','));
  if (fromFlags.length) return fromFlags.filter((s) => s !== '');
  const env = readEnv(c, 'INSTANCES');
  return env?.kind === 'literal' ? env.value.split(',').filter((s) => s !== '') : [];
}

function inspect(c: Container, r: Recognition): SidecarFacts {
  const cfg = read(c);
  const servingPorts: ServingPort[] = [];
  if (!cfg) return { servingPorts, shutdown: { exitsOnSigterm: true } };
  for (const spec of instanceSpecs(c, cfg.flags)) {
    const eq = spec.indexOf('=');
    if (eq < 0) continue;
    const opts = spec.slice(eq + 1);
    const colon = opts.indexOf(':');
    if (colon < 0 || !opts.slice(0, colon).startsWith('tcp')) continue;
    const rest = opts.slice(colon + 1);
    const hp = /^\d+$/.test(rest) ? { host: '127.0.0.1', port: parsePort(rest) } : splitHostPort(rest);
    if (hp.port === undefined) continue;
    servingPorts.push({ port: hp.port, bind: bindOf(hp.host), purpose: 'data', source: '-instances' });
  }
  const healthOn = cfg.flags.bool('use_http_health_check') === true;
  const portText = cfg.flags.str('health_check_port');
  const port = portText === undefined ? 8090 : parsePort(portText);
  if (healthOn && port !== undefined) servingPorts.push({ port, bind: 'all', purpose: 'health', source: '-use_http_health_check' });
  const handlesSigterm = atLeast(r.version, '1.13.0') !== false;
  return {
    servingPorts,
    ...(port !== undefined
      ? { health: { enabled: healthOn && atLeast(r.version, '1.25.0') !== false, port, bind: 'all' as const, scheme: 'HTTP' as const, startupPath: '/startup', readinessPath: '/readiness', livenessPath: '/liveness' } }
      : {}),
    shutdown: { exitsOnSigterm: true, sigtermExitCode: handlesSigterm ? 0 : 143 },
  };
}

function nativeSidecarEdits(c: Container, r: Recognition, _facts: SidecarFacts): NativeSidecarEdits {
  const cfg = read(c);
  if (!cfg) return { notes: ['Could not find how cloud_sql_proxy is started in this container; health flags not added.'] };
  if (atLeast(r.version, '1.25.0') === false) {
    return { notes: [`cloud_sql_proxy ${r.version!.raw} has no HTTP health check (added in 1.25.0); upgrade, or better migrate to Cloud SQL Auth Proxy v2, to get a startupProbe that means "serving".`] };
  }
  const notes: string[] = [];
  const edits: { addArgs?: string[]; replaceArgs?: { index: number; value: string; inCommand?: boolean }[]; setEnv?: EnvVar[]; addPorts?: NativeSidecarEdits['addPorts']; startupProbe?: NativeSidecarEdits['startupProbe']; livenessProbe?: NativeSidecarEdits['livenessProbe']; notes?: string[] } = {};
  const on = cfg.flags.last('use_http_health_check');
  const healthOn = cfg.flags.bool('use_http_health_check') === true;
  if (!healthOn) {
    if (!cfg.program.editable) {
      return { notes: ['cloud_sql_proxy is started from a shell script, so its arguments cannot be edited safely; add -use_http_health_check to the script by hand.'] };
    }
    if (cfg.flags.positionals.length) {
      return { notes: ['cloud_sql_proxy has positional arguments, after which Go flags are not parsed; add -use_http_health_check before them by hand.'] };
    }
    if (on && on.token.index >= 0) edits.replaceArgs = [{ index: on.token.index, value: '-use_http_health_check', ...(on.token.inCommand ? { inCommand: true } : {}) }];
    else edits.addArgs = ['-use_http_health_check'];
  }
  const portText = cfg.flags.str('health_check_port');
  const port = portText === undefined ? 8090 : parsePort(portText);
  if (port === undefined) {
    notes.push(`-health_check_port=${portText} is not a literal port number; probes were not added.`);
  } else {
    const { ref, add } = portForProbe(c, port, 'csql-health');
    if (add) edits.addPorts = [add];
    if (!anyProbeTargets(c, port)) {
      if (!c.startupProbe) edits.startupProbe = httpProbe('/startup', ref, STARTUP_TIMING);
      if (!c.livenessProbe) edits.livenessProbe = httpProbe('/liveness', ref, LIVENESS_TIMING);
    }
  }
  notes.push('Cloud SQL Proxy v1 is deprecated; v2 (gcr.io/cloud-sql-connectors/cloud-sql-proxy) adds --exit-zero-on-sigterm, --quitquitquit and the shutdown subcommand.');
  edits.notes = notes;
  return edits;
}

export const cloudSqlProxyV1: SidecarProfile = {
  id: 'cloud-sql-proxy-v1',
  displayName: 'Cloud SQL Proxy v1',
  role: 'database-proxy',
  docs: [
    'https://github.com/GoogleCloudPlatform/cloud-sql-proxy/blob/v1.38.3/cmd/cloud_sql_proxy/cloud_sql_proxy.go',
    'https://github.com/GoogleCloudPlatform/cloud-sql-proxy/blob/v1.38.3/examples/k8s-health-check/README.md',
  ],
  versions: [
    { version: '1.13.0', note: 'handles SIGTERM: -term_timeout drains connections, then exits 0 (before: killed by the signal, 143)' },
    { version: '1.25.0', note: '-use_http_health_check: /startup, /readiness, /liveness on -health_check_port (8090), all interfaces' },
  ],
  recognize,
  inspect,
  nativeSidecarEdits,
  simulation: { startDelay: '2s', onSigterm: { after: '0s', exitCode: 0 } },
};
