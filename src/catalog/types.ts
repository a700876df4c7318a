// The sidecar catalog: one module per known sidecar (src/catalog/profiles/<id>.ts).
// A profile is pure knowledge — how to recognise the sidecar, what it serves, how it reports
// health, which flags turn that on, and how it shuts down — so the linter, the fixer, the
// simulator and the reaper all draw on the same facts.
import type { Container, ContainerPort, EnvVar, Probe } from 'kubernetes-types/core/v1';
import type { ContainerView } from './view';

/** A semantic version read from an image tag (`2.14.1`, `v1.33.0-distroless`). */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** the tag as written, e.g. `2.14.1-alpine` */
  readonly raw: string;
}

export type SidecarRole =
  | 'database-proxy'    // Cloud SQL / AlloyDB auth proxies: the app dials 127.0.0.1:<port>
  | 'mesh-proxy'        // istio-proxy, linkerd-proxy: intercepts all pod traffic; must start first
  | 'network-proxy'     // envoy, oauth2-proxy: serves traffic on a port
  | 'secrets-agent'     // vault-agent, consul-template: renders files the app reads
  | 'log-shipper'       // fluent-bit, fluentd, vector, log tailers
  | 'telemetry-agent';  // OpenTelemetry Collector

export interface Recognition {
  /** Parsed from the image tag when it has one. */
  readonly version?: Version;
  /** Human-readable reason, e.g. `image gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1`. */
  readonly evidence: string;
  /** The sidecar's binary is run as a one-shot helper that exits once its work is done
   *  (vault agent with exit_after_auth, `consul-template -once`, `cloud-sql-proxy wait`): it
   *  belongs in a plain init container and must never become a native sidecar. Absent = long-running. */
  readonly runsToCompletion?: boolean;
  /**
   * What the profile read while recognising (its parse of the command line), for its own
   * `inspect` and `nativeSidecarEdits` of the same container, so a container is parsed once
   * rather than three times. Private to the profile; others must not read it.
   */
  readonly parsed?: { readonly container: Container; readonly value: unknown };
}

export interface ServingPort {
  readonly port: number;
  /** `localhost` when the process binds 127.0.0.1/::1 only: the kubelet cannot probe it. */
  readonly bind: 'localhost' | 'all';
  readonly purpose: 'data' | 'health' | 'admin' | 'metrics';
  /** The flag/env that set it, for messages (`--http-address`, `CSQL_PROXY_HTTP_ADDRESS`). */
  readonly source?: string;
}

export interface HealthEndpoints {
  /** Whether the container, as configured, serves these endpoints now. */
  readonly enabled: boolean;
  readonly port: number;
  readonly bind: 'localhost' | 'all';
  readonly scheme?: 'HTTP' | 'HTTPS';
  readonly startupPath?: string;
  readonly readinessPath?: string;
  readonly livenessPath?: string;
}

export interface ShutdownFacts {
  /** The process exits by itself on SIGTERM (after draining), so the kubelet's ordered stop works. */
  readonly exitsOnSigterm: boolean;
  /** When it does not: how to make it exit on SIGTERM (shown by lint's sidecar-ignores-sigterm). */
  readonly sigtermAdvice?: string;
  /** Exit code on SIGTERM as configured (cloud-sql-proxy: 143, or 0 with --exit-zero-on-sigterm). */
  readonly sigtermExitCode?: number;
  /** An HTTP endpoint that makes it exit. `localhostOnly`: reachable only from inside the pod's
   *  network namespace, so kubelet-executed httpGet hooks cannot call it. */
  readonly httpShutdown?: { readonly enabled: boolean; readonly port: number; readonly path: string; readonly method: 'GET' | 'POST'; readonly localhostOnly: boolean };
  /** A command of the sidecar's own binary that stops it (no shell needed), e.g. `cloud-sql-proxy shutdown`. */
  readonly shutdownCommand?: readonly string[];
}

export interface SidecarFacts {
  readonly servingPorts: readonly ServingPort[];
  readonly health?: HealthEndpoints;
  readonly shutdown: ShutdownFacts;
}

/** Edits that make the container a correct native sidecar, as the profile knows it. */
export interface NativeSidecarEdits {
  /** Arguments to append (the container keeps its entrypoint). */
  readonly addArgs?: readonly string[];
  /** Existing arguments to rewrite in place, by index into `args` (or `command` when `inCommand`). */
  readonly replaceArgs?: readonly { readonly index: number; readonly value: string; readonly inCommand?: boolean }[];
  /** When the container configures itself by env vars (e.g. `CSQL_PROXY_*`), edit those instead. */
  readonly setEnv?: readonly EnvVar[];
  readonly addPorts?: readonly ContainerPort[];
  readonly startupProbe?: Probe;
  readonly livenessProbe?: Probe;
  /** What could not be done automatically, each a sentence for the report. */
  readonly notes?: readonly string[];
}

export interface SimulationDefaults {
  /** Typical time from process start until it serves, as a duration string (`2s`). */
  readonly startDelay: string;
  readonly onSigterm: { readonly after: string; readonly exitCode: number } | 'ignore';
}

export interface VersionNote {
  readonly version: string;
  readonly note: string;
}

export interface SidecarProfile {
  /** Stable id used in messages, config and annotations, e.g. `cloud-sql-proxy`. */
  readonly id: string;
  readonly displayName: string;
  readonly role: SidecarRole;
  /** Links to the sidecar's own docs on health/shutdown. */
  readonly docs: readonly string[];
  /** Which version introduced what (health checks, quitquitquit, shutdown subcommand, ...). */
  readonly versions: readonly VersionNote[];
  /** Recognise the container by image, command and args. Names alone never count. `view` is the
   *  container's parsed image and command line, shared by every profile of one catalog lookup
   *  (view.ts); a profile called without it builds its own. */
  recognize(container: Container, view?: ContainerView): Recognition | undefined;
  /** What the container serves and how it stops, given its flags/env as written. */
  inspect(container: Container, recognition: Recognition): SidecarFacts;
  /** How to make it a correct native sidecar (health flags, probes). `undefined` edits = nothing to add. */
  nativeSidecarEdits(container: Container, recognition: Recognition, facts: SidecarFacts): NativeSidecarEdits;
  readonly simulation: SimulationDefaults;
  /** Whether the container's image has a shell (`/bin/sh`) to exec `kill` with: `false` for
   *  distroless images (the default Cloud SQL proxy tags), `undefined` when unknown. The reaper
   *  skips shell-based stops when this is false instead of failing one exec per pod. */
  imageHasShell?(container: Container): boolean | undefined;
}

export interface Catalog {
  readonly profiles: readonly SidecarProfile[];
  /** First profile that recognises the container, with its recognition. */
  recognize(container: Container): { profile: SidecarProfile; recognition: Recognition } | undefined;
  byId(id: string): SidecarProfile | undefined;
}
