// `sidecarctl webhook serve|certs|config`: the mutating admission webhook (docs/webhook.md).
// This is the composition root of a long-running server: it reads its flags and environment
// here, builds the logger (pino), metrics (prom-client) and the cluster version source
// (@kubernetes/client-node) — all imported lazily, so `lint` and `fix` never pay for them —
// and installs SIGTERM/SIGINT handlers for graceful shutdown.
import type { Command } from 'commander';
import { mkdir, readFile } from 'node:fs/promises';
import { chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { defaultCatalog } from '../../catalog/index';
import { parseKubeVersion } from '../../core/kube-version';
import { ALL_RULES } from '../../core/rules/index';
import type { AdmitOptions } from '../../webhook/admit';
import { generateWebhookPki, serviceHosts } from '../../webhook/certs';
import { webhookConfiguration, workloadWarningsConfiguration } from '../../webhook/config';
import { effectiveVersion, type Mode } from '../../webhook/policy';
import { DEFAULT_MAX_BODY_BYTES, startWebhookServer } from '../../webhook/server';
import { fixedVersions, pollClusterVersions, type VersionSource } from '../../webhook/versions';
import { CliError, type CliContext } from '../context';
import { writeFileAtomic } from '../inputs';
import { commonJsExports } from '../../util/lazy-import';

const repeat = (v: string, prev: string[] = []) => [...prev, v];

function duration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new CliError(`${flag}: "${text}" is not a duration (e.g. 500ms, 5s, 1m)`);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
}

function intFlag(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${flag}: "${text}" must be an integer from ${min} to ${max}`);
  return n;
}

interface ServeFlags {
  host: string; port: string; tlsCertFile: string; tlsKeyFile: string; kubeconfig?: string; kubeVersion?: string;
  versionPoll: string; mode: string; namespace?: string; excludeNamespace?: string[]; reaperFallback: boolean; annotate: boolean;
  drain: string; grace: string; logLevel: string; maxBodyBytes?: string; disable?: string[];
}

export function register(program: Command, ctx: CliContext): void {
  const webhook = program.command('webhook').description('mutating admission webhook: fix pods as they are created (docs/webhook.md)');

  webhook.command('serve')
    .description('serve AdmissionReviews over HTTPS (/mutate, /mutate/warn, /healthz, /readyz, /metrics)')
    .option('--host <addr>', 'address to listen on', '0.0.0.0')
    .option('--port <n>', 'port to listen on', '8443')
    .option('--tls-cert-file <file>', 'serving certificate (PEM); reloaded when it changes', '/etc/sidecarctl/tls/tls.crt')
    .option('--tls-key-file <file>', 'serving key (PEM); reloaded when it changes', '/etc/sidecarctl/tls/tls.key')
    .option('--kubeconfig <file>', 'read cluster versions with this kubeconfig (default: in-cluster service account, then ~/.kube/config)')
    .option('--kube-version <version>', 'assume this version for the apiserver and every kubelet instead of reading them')
    .option('--version-poll <duration>', 'how often apiserver and kubelet versions are re-read', '30s')
    .option('--mode <mode>', 'fix: patch pods and warn about the rest; warn: only warn', 'fix')
    .option('--namespace <ns>', 'the webhook\'s own namespace, never mutated (default: $POD_NAMESPACE or sidecarctl-system)')
    .option('--exclude-namespace <ns>', 'another namespace never mutated (repeatable; kube-system always is)', repeat)
    .option('--no-reaper-fallback', 'below 1.29, only warn instead of annotating sidecars for the terminator controller')
    .option('--no-annotate', `do not record what was done in the sidecarctl.dev/webhook-applied annotation`)
    .option('--disable <rule>', 'disable a rule (repeatable)', repeat)
    .option('--drain <duration>', 'on SIGTERM, fail /readyz this long before closing the listener', '0s')
    .option('--grace <duration>', 'on SIGTERM, wait this long at most for requests in flight', '10s')
    .option('--max-body-bytes <n>', `largest AdmissionReview accepted (default ${DEFAULT_MAX_BODY_BYTES})`)
    .option('--log-level <level>', 'pino log level (debug logs every request)', 'info')
    .action(async (f: ServeFlags) => {
      const mode = f.mode as Mode;
      if (mode !== 'fix' && mode !== 'warn') throw new CliError(`--mode: "${f.mode}" must be fix or warn`);
      const port = intFlag(f.port, '--port', 0, 65535);
      const ids = new Set(ALL_RULES.map((r) => r.id));
      for (const d of f.disable ?? []) if (!ids.has(d)) throw new CliError(`--disable: unknown rule "${d}" (see \`sidecarctl explain --list\`)`);
      const pinned = f.kubeVersion === undefined ? undefined : parseKubeVersion(f.kubeVersion);
      if (f.kubeVersion !== undefined && !pinned) throw new CliError(`--kube-version: "${f.kubeVersion}" is not a Kubernetes version`);
      if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(f.logLevel)) throw new CliError(`--log-level: "${f.logLevel}" is not a pino level`);
      const certFile = resolve(ctx.cwd, f.tlsCertFile);
      const keyFile = resolve(ctx.cwd, f.tlsKeyFile);
      const drainMs = duration(f.drain, '--drain');
      const graceMs = duration(f.grace, '--grace');
      const pollMs = duration(f.versionPoll, '--version-poll');
      const ownNamespace = f.namespace ?? ctx.env.POD_NAMESPACE ?? 'sidecarctl-system';
      const maxBodyBytes = f.maxBodyBytes === undefined ? undefined : intFlag(f.maxBodyBytes, '--max-body-bytes', 1024, 64 * 1024 * 1024);

      const { pino } = commonJsExports(await import('pino'));
      const logger = pino({ level: f.logLevel, base: { component: 'sidecarctl-webhook' } }, ctx.io.stderr);
      const { createMetrics } = await import('../../webhook/metrics');
      const metrics = await createMetrics();
      let versions: VersionSource;
      try {
        versions = pinned ? fixedVersions(pinned) : await pollClusterVersions({ ...(f.kubeconfig ? { kubeconfig: resolve(ctx.cwd, f.kubeconfig) } : {}), intervalMs: pollMs, logger });
      } catch (e) {
        throw new CliError(`cannot reach the cluster to read its versions (${(e as Error).message}); give --kubeconfig or --kube-version`);
      }
      const base: Omit<AdmitOptions, 'version'> = {
        catalog: defaultCatalog,
        mode,
        excludedNamespaces: new Set(['kube-system', ownNamespace, ...(f.excludeNamespace ?? [])]),
        reaperFallback: f.reaperFallback,
        annotate: f.annotate,
        ...(f.disable?.length ? { disabledRules: new Set(f.disable) } : {}),
      };
      // One options object per version change, not per request.
      let cachedFor: unknown;
      let cached: AdmitOptions = { ...base, version: undefined };
      const admitOptions = () => {
        const v = versions.current();
        if (v !== cachedFor) { cachedFor = v; cached = { ...base, version: v ? effectiveVersion(v) : undefined }; }
        return cached;
      };
      let server;
      try {
        server = await startWebhookServer({
          host: f.host, port, certFile, keyFile, admitOptions, ready: () => versions.current() !== undefined, logger, metrics,
          monotonicMs: () => performance.now(), ...(maxBodyBytes ? { maxBodyBytes } : {}),
        });
      } catch (e) {
        versions.stop();
        throw new CliError(`cannot start the webhook server: ${(e as Error).message}`);
      }
      // Writes the port for scripts and tests that pass --port 0.
      ctx.io.stdout.write(`listening on ${server.url}\n`);
      await new Promise<void>((done) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'signal received');
          versions.stop();
          void server.shutdown({ drainMs, graceMs }).then(() => { logger.flush?.(); done(); });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });

  webhook.command('certs')
    .description('generate a CA and a serving certificate (ECDSA P-256) for the webhook')
    .requiredOption('--out-dir <dir>', 'where ca.crt, ca.key, tls.crt and tls.key are written')
    .option('--host <name>', 'DNS name or IP in the serving certificate (repeatable)', repeat)
    .option('--service <name>', 'add the DNS names of this Service (needs --namespace)')
    .option('--namespace <ns>', 'namespace of --service', 'sidecarctl-system')
    .option('--days <n>', 'validity of the serving certificate', '365')
    .option('--ca-cert <file>', 'sign with this existing CA (with --ca-key) instead of a new one')
    .option('--ca-key <file>', 'key of --ca-cert')
    .action(async (f: { outDir: string; host?: string[]; service?: string; namespace: string; days: string; caCert?: string; caKey?: string }) => {
      const hosts = [...(f.service ? serviceHosts(f.service, f.namespace) : []), ...(f.host ?? [])];
      if (!hosts.length) throw new CliError('give --service <name> or at least one --host');
      if (!f.caCert !== !f.caKey) throw new CliError('--ca-cert and --ca-key go together');
      const days = intFlag(f.days, '--days', 1, 3650);
      let caCert: string | undefined, caKey: string | undefined;
      try {
        if (f.caCert) [caCert, caKey] = await Promise.all([readFile(resolve(ctx.cwd, f.caCert), 'utf8'), readFile(resolve(ctx.cwd, f.caKey!), 'utf8')]);
      } catch (e) { throw new CliError(`cannot read the CA: ${(e as Error).message}`); }
      let pki;
      try { pki = generateWebhookPki({ hosts, now: new Date(ctx.now()), days, ...(caCert && caKey ? { caCert, caKey } : {}) }); } catch (e) { throw new CliError(`cannot issue the certificate: ${(e as Error).message}`); }
      const dir = resolve(ctx.cwd, f.outDir);
      await mkdir(dir, { recursive: true });
      const files: [string, string, boolean][] = [['ca.crt', pki.caCert, false], ['tls.crt', pki.cert, false], ['tls.key', pki.key, true], ...(f.caCert ? [] : [['ca.key', pki.caKey, true] as [string, string, boolean]])];
      for (const [name, text, secret] of files) {
        await writeFileAtomic(join(dir, name), text);
        if (secret) chmodSync(join(dir, name), 0o600);
      }
      ctx.io.stderr.write(`wrote ${files.map(([n]) => n).join(', ')} to ${dir} (serving certificate for ${hosts.join(', ')})\n`);
    });

  webhook.command('config')
    .description('print (or --apply) the MutatingWebhookConfiguration (pods) and ValidatingWebhookConfiguration (workload warnings)')
    .option('--name <name>', 'configuration name', 'sidecarctl-webhook')
    .option('--url <url>', 'webhook base URL (a webhook outside the cluster), e.g. https://127.0.0.1:8443')
    .option('--service <name>', 'Service in front of the webhook pods')
    .option('--namespace <ns>', 'namespace of the Service, never mutated', 'sidecarctl-system')
    .option('--service-port <n>', 'Service port', '443')
    .option('--ca-file <file>', 'CA that signed the serving certificate (its PEM becomes caBundle)')
    .option('--cert-manager <ns/certificate>', 'let cert-manager inject caBundle from this Certificate')
    .option('--timeout <seconds>', 'timeoutSeconds (1-30)', '3')
    .option('--failure-policy <policy>', 'Ignore (fail open) or Fail', 'Ignore')
    .option('--exclude-namespace <ns>', 'another namespace never sent to the webhook (repeatable)', repeat)
    .option('--no-namespace-match-conditions', 'in opted-in namespaces, send every pod instead of skipping single-container and opted-out pods in CEL (cheaper where nearly every pod has several containers, e.g. a mesh)')
    .option('--apply', 'create or update it in the cluster instead of printing it')
    .option('--kubeconfig <file>', 'kubeconfig for --apply')
    .action(async (f: { name: string; url?: string; service?: string; namespace: string; servicePort: string; caFile?: string; certManager?: string; timeout: string; failurePolicy: string; excludeNamespace?: string[]; namespaceMatchConditions: boolean; apply?: boolean; kubeconfig?: string }) => {
      if (!f.url === !f.service) throw new CliError('give either --url or --service');
      if (!f.caFile === !f.certManager) throw new CliError('give either --ca-file or --cert-manager');
      if (f.certManager && !/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(f.certManager)) throw new CliError(`--cert-manager: "${f.certManager}" must be <namespace>/<certificate>`);
      if (f.failurePolicy !== 'Ignore' && f.failurePolicy !== 'Fail') throw new CliError('--failure-policy must be Ignore or Fail');
      if (f.url && !/^https:\/\//.test(f.url)) throw new CliError('--url must be an https:// URL (the apiserver calls webhooks over TLS only)');
      let caBundlePem: string | undefined;
      if (f.caFile) {
        try { caBundlePem = await readFile(resolve(ctx.cwd, f.caFile), 'utf8'); } catch (e) { throw new CliError(`--ca-file: ${(e as Error).message}`); }
        if (!caBundlePem.includes('-----BEGIN CERTIFICATE-----')) throw new CliError(`--ca-file: ${f.caFile} holds no PEM certificate`);
      }
      let cfg: Record<string, unknown>;
      let workloads: Record<string, unknown>;
      try {
        const cfgOpts = {
          name: f.name, namespace: f.namespace,
          ...(f.url ? { url: f.url } : { service: { name: f.service!, namespace: f.namespace, port: intFlag(f.servicePort, '--service-port', 1, 65535) } }),
          ...(caBundlePem ? { caBundlePem } : {}), ...(f.certManager ? { certManagerCertificate: f.certManager } : {}),
          timeoutSeconds: intFlag(f.timeout, '--timeout', 1, 30), failurePolicy: f.failurePolicy as 'Ignore' | 'Fail', ...(f.excludeNamespace ? { excludedNamespaces: f.excludeNamespace } : {}),
          namespaceMatchConditions: f.namespaceMatchConditions,
        };
        cfg = webhookConfiguration(cfgOpts);
        workloads = workloadWarningsConfiguration(cfgOpts);
      } catch (e) { throw new CliError((e as Error).message); }
      if (!f.apply) {
        ctx.io.stdout.write(stringify(cfg, { lineWidth: 0, aliasDuplicateObjects: false }) + '---\n' + stringify(workloads, { lineWidth: 0, aliasDuplicateObjects: false }));
        return;
      }
      const k8s = await import('@kubernetes/client-node');
      const kc = new k8s.KubeConfig();
      if (f.kubeconfig) kc.loadFromFile(resolve(ctx.cwd, f.kubeconfig)); else kc.loadFromDefault();
      const api = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
      type K8s = typeof import('@kubernetes/client-node');
      const notFound = (e: { code?: number }) => { if (e?.code === 404) return undefined; throw e; };
      const m = cfg as unknown as InstanceType<K8s['V1MutatingWebhookConfiguration']>;
      const v = workloads as unknown as InstanceType<K8s['V1ValidatingWebhookConfiguration']>;
      const vName = v.metadata!.name!;
      try {
        const existing = await api.readMutatingWebhookConfiguration({ name: f.name }).catch(notFound);
        if (existing) await api.replaceMutatingWebhookConfiguration({ name: f.name, body: { ...m, metadata: { ...m.metadata, resourceVersion: existing.metadata?.resourceVersion } } });
        else await api.createMutatingWebhookConfiguration({ body: m });
        const existingV = await api.readValidatingWebhookConfiguration({ name: vName }).catch(notFound);
        if (existingV) await api.replaceValidatingWebhookConfiguration({ name: vName, body: { ...v, metadata: { ...v.metadata, resourceVersion: existingV.metadata?.resourceVersion } } });
        else await api.createValidatingWebhookConfiguration({ body: v });
      } catch (e) { throw new CliError(`cannot apply the webhook configurations ${f.name}, ${vName}: ${(e as Error).message}`); }
      ctx.io.stderr.write(`MutatingWebhookConfiguration ${f.name} and ValidatingWebhookConfiguration ${vName} applied\n`);
    });

  for (const c of webhook.commands) c.exitOverride();
  webhook.exitOverride();
}
