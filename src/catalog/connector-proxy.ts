// Shared knowledge for Google's Go "connector" auth proxies, which share one command-line design
// (cobra + pflag + viper): Cloud SQL Auth Proxy v2 (`cloud-sql-proxy`) and AlloyDB Auth Proxy
// (`alloydb-auth-proxy`). Each profile module instantiates this with its own names and versions.
//
// Sources (read from the repositories' cmd/root.go and cmd/errors.go):
//  - every flag can also be set as `<PREFIX>_<FLAG_WITH_UNDERSCORES>`; precedence is
//    flags > environment > config file (`--config-file`);
//  - `--address` (default 127.0.0.1) / `--port` (cloud-sql-proxy: engine default 5432/3306/1433,
//    alloydb: 5432) bind the data listeners; subsequent instances increment the port; per-instance
//    `?address=`/`?port=` query parameters override; `--unix-socket` replaces TCP listeners;
//  - `--health-check` serves /startup, /readiness, /liveness on the HTTP server at
//    `--http-address` (default `localhost`) : `--http-port` (default 9090), which `--prometheus`
//    shares (/metrics);
//  - the admin server (`--admin-port`, default 9091) always binds localhost and only runs with
//    `--quitquitquit` or `--debug`;
//  - SIGTERM exits 143 unless the exit-zero flag is set; /quitquitquit exits 0.
import type { Container, EnvVar } from 'kubernetes-types/core/v1';
import type { HealthEndpoints, NativeSidecarEdits, Recognition, ServingPort, ShutdownFacts, SidecarFacts, SidecarProfile, SimulationDefaults, VersionNote } from './types';
import { containerView, type ContainerView } from './view';
import { imageName, parseImage } from './image';
import { hasEnvFrom, parseBoolValue, parseFlags, readEnv, envNamesWithPrefix, type FlagHit, type ParsedFlags, type ProgramArgs } from './flags';
import { atLeast } from './version';
import { anyProbeTargets, bindOf, httpProbe, parsePort, portForProbe, recognized } from './support';

export interface ConnectorProxyFamily {
  readonly id: string;
  readonly displayName: string;
  readonly docs: readonly string[];
  readonly versions: readonly VersionNote[];
  /** Last component of the image repository (`cloud-sql-proxy`). */
  readonly imageName: string;
  /** Binary basename (`cloud-sql-proxy`); the image entrypoint is `/<binary>`. */
  readonly binary: string;
  /** Binaries of sibling products that must not be claimed (`cloud_sql_proxy` is v1). */
  readonly notBinaries: readonly string[];
  /** `CSQL_PROXY` / `ALLOYDB_PROXY`, without the trailing underscore. */
  readonly envPrefix: string;
  /** Env var naming the instance when no positional argument is given (`..._INSTANCE_CONNECTION_NAME`). */
  readonly instanceEnv: string;
  /** The flag that makes SIGTERM exit 0 (`exit-zero-on-sigterm`; AlloyDB: `exit-zero-sigterm`). */
  readonly exitZeroFlag: string;
  readonly since: {
    readonly exitZero: string;
    readonly quitquitquit: string;
    readonly quitGet: string;
    readonly shutdownCommand: string;
    readonly httpAddress: string;
  };
  /** Data port when `--port` is not given, if fixed (AlloyDB: 5432); undefined = engine dependent. */
  readonly defaultDataPort?: number;
  /** Name for the health port we add (≤15 chars). */
  readonly healthPortName: string;
}

const VALUE_FLAGS = [
  'config-file', 'user-agent', 'token', 'login-token', 'credentials-file', 'json-credentials',
  'max-connections', 'min-sigterm-delay', 'max-sigterm-delay', 'telemetry-project', 'telemetry-sample-rate',
  'telemetry-prefix', 'prometheus-namespace', 'admin-port', 'http-address', 'http-port', 'sqladmin-api-endpoint',
  'alloydbadmin-api-endpoint', 'universe-domain', 'quota-project', 'fuse', 'fuse-tmp-dir',
  'impersonate-service-account', 'resource-exhausted-cooldown-delay', 'sqldata-api-endpoint', 'address', 'port',
  'unix-socket', 'max', 'static-connection-info',
];
const SHORTHANDS = { t: 'token', c: 'credentials-file', j: 'json-credentials', g: 'gcloud-auth', l: 'structured-logs', a: 'address', p: 'port', u: 'unix-socket', i: 'auto-iam-authn', h: 'help', v: 'version', m: 'max' };

/** Startup/liveness timings from the upstream native-sidecar example
 *  (examples/k8s-health-check/proxy_with_http_health_check.yaml): k8s checks /startup once a second
 *  for up to 60 s; /liveness every 10 s, 3 failures, 10 s timeout. */
const STARTUP_TIMING = { periodSeconds: 1, failureThreshold: 60, timeoutSeconds: 10 } as const;
const LIVENESS_TIMING = { periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 10 } as const;

/** A setting read from a flag (wins) or from the environment. */
interface Setting {
  readonly value: string | undefined;
  /** `flag` with the hit, `env` with the var name, `ref` = env var with valueFrom (unknown), or default. */
  readonly from: 'flag' | 'env' | 'ref' | 'default';
  readonly hit?: FlagHit;
  readonly envName?: string;
}

interface Config {
  readonly program: ProgramArgs;
  readonly flags: ParsedFlags;
  readonly setting: (flag: string, dflt?: string) => Setting;
  /** The container configures the proxy through `<PREFIX>_*` env vars. */
  readonly envConfigured: boolean;
  readonly subcommand?: string;
}

function envName(f: ConnectorProxyFamily, flag: string): string {
  return `${f.envPrefix}_${flag.toUpperCase().replace(/-/g, '_')}`;
}

function readConfig(f: ConnectorProxyFamily, c: Container, v: ContainerView = containerView(c)): Config | undefined {
  const program = v.program([f.binary], { entrypoint: true });
  if (!program) return undefined;
  const flags = parseFlags(program.tokens, { style: 'posix', valueFlags: VALUE_FLAGS, shorthands: SHORTHANDS });
  const first = flags.positionals[0]?.value;
  const subcommand = first === 'wait' || first === 'shutdown' || first === 'completion' || first === 'help' ? first : undefined;
  const setting = (flag: string, dflt?: string): Setting => {
    const hit = flags.last(flag);
    if (hit) return { value: hit.value ?? 'true', from: 'flag', hit };
    const name = envName(f, flag);
    const e = readEnv(c, name);
    if (e?.kind === 'literal') return { value: e.value, from: 'env', envName: name };
    if (e?.kind === 'ref') return { value: undefined, from: 'ref', envName: name };
    return { value: dflt, from: 'default' };
  };
  return { program, flags, setting, envConfigured: envNamesWithPrefix(c, `${f.envPrefix}_`).length > 0, ...(subcommand ? { subcommand } : {}) };
}

/** The config `recognize` read for this very container, else a fresh reading. */
function configOf(f: ConnectorProxyFamily, c: Container, r: Recognition): Config | undefined {
  return r.parsed && r.parsed.container === c ? (r.parsed.value as Config | undefined) : readConfig(f, c);
}

/** The upstream images are distroless unless the tag names a base with a shell
 *  (`2.14.1-alpine`, `-bullseye`, `-bookworm`; cloud-sql-proxy README "Container Images").
 *  Only said for the family's own image: a custom image running the binary may have anything. */
function imageHasShell(c: Container): boolean | undefined {
  const img = parseImage(c.image);
  if (!img?.tag) return undefined;
  if (/-(alpine|bullseye|bookworm|buster|trixie)\b/.test(img.tag)) return true;
  if (/^v?\d+\.\d+\.\d+$/.test(img.tag)) return false;
  return undefined;
}

function boolSetting(s: Setting): boolean | undefined {
  if (s.from === 'default') return false;
  if (s.from === 'ref') return undefined;
  return parseBoolValue(s.value);
}

function sourceOf(f: ConnectorProxyFamily, flag: string, s: Setting): string | undefined {
  if (s.from === 'flag') return `--${flag}`;
  if (s.from === 'env' || s.from === 'ref') return s.envName ?? envName(f, flag);
  return undefined;
}

function instances(f: ConnectorProxyFamily, c: Container, cfg: Config): string[] {
  const pos = cfg.flags.positionals.map((t) => t.value);
  if (cfg.subcommand) return [];
  if (pos.length) return pos;
  const out: string[] = [];
  const single = readEnv(c, f.instanceEnv);
  if (single?.kind === 'literal' && single.value) return [single.value];
  for (let i = 0; ; i++) {
    const e = readEnv(c, `${f.instanceEnv}_${i}`);
    if (e?.kind !== 'literal' || !e.value) break;
    out.push(e.value);
  }
  return out;
}

export function makeConnectorProxyProfile(f: ConnectorProxyFamily): SidecarProfile {
  const simulation: SimulationDefaults = {
    // Without --port the proxy asks the Admin API for each instance's engine before listening.
    startDelay: '2s',
    onSigterm: { after: '0s', exitCode: 143 },
  };

  function recognize(c: Container, v: ContainerView = containerView(c)): Recognition | undefined {
    if (!c || typeof c !== 'object') return undefined;
    if (v.argvNames.some((n) => f.notBinaries.includes(n))) return undefined;
    const img = v.image;
    const byImage = imageName(img) === f.imageName;
    const program = v.program([f.binary]);
    if (!byImage && !program) return undefined;
    const evidence = byImage ? `image ${String(c.image)}` : `runs ${program!.binary ?? f.binary}`;
    const cfg = readConfig(f, c, v);
    // `cloud-sql-proxy wait` / `shutdown` are one-shot helpers, not the proxy.
    // No leading spread here (docs/adr/0012): this object holds the container.
    const extra: Partial<Recognition> = cfg?.subcommand === 'wait' || cfg?.subcommand === 'shutdown' ? { runsToCompletion: true, parsed: { container: c, value: cfg } } : { parsed: { container: c, value: cfg } };
    return recognized(c, cfg?.subcommand ? `${evidence} (${cfg.subcommand} subcommand)` : evidence, extra, v);
  }

  function health(cfg: Config): HealthEndpoints & { enabledKnown: boolean; addressSetting: Setting; portSetting: Setting; enabledSetting: Setting } {
    const enabledSetting = cfg.setting('health-check');
    const addressSetting = cfg.setting('http-address', 'localhost');
    const portSetting = cfg.setting('http-port', '9090');
    const enabled = boolSetting(enabledSetting);
    const port = parsePort(portSetting.value) ?? 9090;
    const bind = addressSetting.from === 'ref' ? 'localhost' : bindOf(addressSetting.value ?? 'localhost');
    return {
      enabled: enabled === true,
      enabledKnown: enabled !== undefined,
      port,
      bind,
      scheme: 'HTTP',
      startupPath: '/startup',
      readinessPath: '/readiness',
      livenessPath: '/liveness',
      addressSetting,
      portSetting,
      enabledSetting,
    };
  }

  function inspect(c: Container, r: Recognition): SidecarFacts {
    const cfg = configOf(f, c, r);
    if (!cfg || cfg.subcommand) {
      return { servingPorts: [], shutdown: { exitsOnSigterm: true } };
    }
    const servingPorts: ServingPort[] = [];
    // Data listeners.
    const unix = cfg.setting('unix-socket');
    if (!(unix.from !== 'default' && unix.value)) {
      const addr = cfg.setting('address', '127.0.0.1');
      const basePort = parsePort(cfg.setting('port').value) ?? f.defaultDataPort;
      let next = basePort;
      for (const inst of instances(f, c, cfg)) {
        const q = inst.indexOf('?');
        const params = new URLSearchParams(q >= 0 ? inst.slice(q + 1) : '');
        if (params.has('unix-socket') || params.has('unix-socket-path')) continue;
        const own = parsePort(params.get('port') ?? undefined);
        const port = own ?? next;
        if (own === undefined && next !== undefined) next += 1;
        if (port === undefined) continue;
        const host = params.get('address') ?? addr.value ?? '127.0.0.1';
        servingPorts.push({ port, bind: addr.from === 'ref' && !params.has('address') ? 'localhost' : bindOf(host), purpose: 'data', source: params.has('port') ? 'instance ?port=' : sourceOf(f, 'port', cfg.setting('port')) ?? 'default port' });
      }
    }
    const h = health(cfg);
    const prometheus = boolSetting(cfg.setting('prometheus')) === true;
    if (h.enabled || prometheus) {
      servingPorts.push({ port: h.port, bind: h.bind, purpose: h.enabled ? 'health' : 'metrics', source: sourceOf(f, 'http-address', h.addressSetting) ?? sourceOf(f, 'http-port', h.portSetting) ?? (h.enabled ? '--health-check' : '--prometheus') });
    }
    const quit = boolSetting(cfg.setting('quitquitquit')) === true;
    const debug = boolSetting(cfg.setting('debug')) === true;
    const adminPort = parsePort(cfg.setting('admin-port', '9091').value) ?? 9091;
    if (quit || debug) servingPorts.push({ port: adminPort, bind: 'localhost', purpose: 'admin', source: quit ? '--quitquitquit' : '--debug' });

    const exitZero = boolSetting(cfg.setting(f.exitZeroFlag)) === true && atLeast(r.version, f.since.exitZero) !== false;
    const shutdown: ShutdownFacts = {
      exitsOnSigterm: true,
      sigtermExitCode: exitZero ? 0 : 143,
      ...(quit && atLeast(r.version, f.since.quitquitquit) !== false
        ? { httpShutdown: { enabled: true, port: adminPort, path: '/quitquitquit', method: 'POST' as const, localhostOnly: true } }
        : {}),
      // The `shutdown` subcommand POSTs /quitquitquit on the admin port, so it needs --quitquitquit.
      ...(quit && atLeast(r.version, f.since.shutdownCommand) !== false
        ? { shutdownCommand: [`/${f.binary}`, 'shutdown', ...(adminPort !== 9091 ? ['--admin-port', String(adminPort)] : [])] }
        : {}),
    };
    const { enabled, port, bind, scheme, startupPath, readinessPath, livenessPath } = h;
    return { servingPorts, health: { enabled, port, bind, scheme, startupPath, readinessPath, livenessPath }, shutdown };
  }

  function nativeSidecarEdits(c: Container, r: Recognition, _facts: SidecarFacts): NativeSidecarEdits {
    if (r.runsToCompletion) return { notes: [`${f.displayName} runs a one-shot subcommand here; it is not a long-running sidecar.`] };
    const cfg = configOf(f, c, r);
    if (!cfg) return { notes: [`Could not find how ${f.binary} is started in this container; health flags not added.`] };
    const h = health(cfg);
    const notes: string[] = [];
    const addArgs: string[] = [];
    const replaceArgs: { index: number; value: string; inCommand?: boolean }[] = [];
    const setEnv: EnvVar[] = [];
    const useEnv = cfg.envConfigured;
    if (hasEnvFrom(c)) notes.push(`envFrom may set ${f.envPrefix}_* variables that are not visible here; flags added on the command line take precedence over them.`);
    if (cfg.flags.last('config-file')) notes.push(`--config-file may hold further settings; flags and ${f.envPrefix}_* variables take precedence over it.`);
    if (atLeast(r.version, f.since.httpAddress) === false) {
      return { notes: [...notes, `${f.displayName} ${r.version!.raw} has no --http-address; upgrade to ${f.since.httpAddress} or later so the kubelet can reach the health check.`] };
    }

    const healthOk = h.enabled && h.bind === 'all';
    if (!healthOk && !cfg.program.editable) {
      return { notes: [...notes, `${f.binary} is started from a shell script, so its arguments cannot be edited safely; add --health-check --http-address=0.0.0.0 to the script by hand.`] };
    }
    const addressFlag = `--http-address=0.0.0.0`;
    const toEnv = (flag: string, value: string) => setEnv.push({ name: envName(f, flag), value });
    // Enable the health server.
    if (!h.enabled) {
      const s = h.enabledSetting;
      if (s.from === 'flag' && s.hit) replaceWith(s.hit, '--health-check', replaceArgs);
      else if (s.from === 'env' || s.from === 'ref' || useEnv) toEnv('health-check', 'true');
      else addArgs.push('--health-check');
    }
    // Bind it where the kubelet can reach it (the default `localhost` cannot be probed).
    if (h.bind !== 'all') {
      const s = h.addressSetting;
      if (s.from === 'flag' && s.hit) replaceWith(s.hit, addressFlag, replaceArgs, '0.0.0.0');
      else if (s.from === 'env' || s.from === 'ref' || useEnv) toEnv('http-address', '0.0.0.0');
      else addArgs.push(addressFlag);
    }
    if (h.portSetting.from !== 'default' && parsePort(h.portSetting.value) === undefined) {
      notes.push(`The health port (${h.portSetting.value ?? 'from a secret or config map'}) is not a literal number; probes use ${h.port}, check that this matches.`);
    }
    if (cfg.flags.hits.length === 0 && cfg.flags.positionals.some((p) => p.value === '--')) {
      notes.push('Arguments after `--` are not flags; move the added flags before it.');
    }

    const edits: { addArgs?: string[]; replaceArgs?: typeof replaceArgs; setEnv?: EnvVar[]; addPorts?: NativeSidecarEdits['addPorts']; startupProbe?: NativeSidecarEdits['startupProbe']; livenessProbe?: NativeSidecarEdits['livenessProbe']; notes?: string[] } = {};
    if (addArgs.length) edits.addArgs = addArgs;
    if (replaceArgs.length) edits.replaceArgs = replaceArgs;
    if (setEnv.length) edits.setEnv = setEnv;

    const { ref, add } = portForProbe(c, h.port, f.healthPortName);
    if (add) edits.addPorts = [add];
    // Existing probes on the health port are the user's choice; keep them.
    if (!anyProbeTargets(c, h.port)) {
      if (!c.startupProbe) edits.startupProbe = httpProbe('/startup', ref, STARTUP_TIMING);
      if (!c.livenessProbe) edits.livenessProbe = httpProbe('/liveness', ref, LIVENESS_TIMING);
    }
    // Never a readinessProbe: upstream's k8s-health-check README warns that /readiness fails on
    // transient database blips, and a sidecar's readiness gates the whole Pod's readiness.
    if (notes.length) edits.notes = notes;
    return edits;
  }

  return {
    id: f.id,
    displayName: f.displayName,
    role: 'database-proxy',
    docs: f.docs,
    versions: f.versions,
    recognize,
    inspect,
    nativeSidecarEdits,
    simulation,
    // Only for the family's own image: a custom image that runs the binary may have anything.
    imageHasShell: (c: Container) => (imageName(parseImage(c.image)) === f.imageName ? imageHasShell(c) : undefined),
  };
}

/** Rewrite a flag in place, keeping its form: `--flag=x` → `--flag=y`, `--flag x` → value word `y`. */
function replaceWith(hit: FlagHit, whole: string, out: { index: number; value: string; inCommand?: boolean }[], separateValue?: string): void {
  if (hit.token.index < 0) return;
  if (hit.form === 'separate' && hit.valueToken && separateValue !== undefined) {
    out.push({ index: hit.valueToken.index, value: separateValue, ...(hit.valueToken.inCommand ? { inCommand: true } : {}) });
    return;
  }
  out.push({ index: hit.token.index, value: whole, ...(hit.token.inCommand ? { inCommand: true } : {}) });
}
