// The kubeconfig, loaded without @kubernetes/client-node's generated API.
//
// Why: `import '@kubernetes/client-node'` (or its `dist/config.js`, which imports `gen/index.js`)
// adds ≈50 MiB of RSS to the process (measured on Node 20: 54 → 102–111 MiB), more than the reaper's
// whole memory target (ADR 0010). client-node's package has no `exports` map, so its small modules
// can be imported one by one: `config_types.js` (the kubeconfig's clusters/users/contexts, file
// paths made absolute — only `node:fs`), `exec_auth.js` (exec credential plugins with their
// expiry cache — only `node:child_process`) and `file_auth.js` (a token file re-read every 60 s, as
// client-go's cachingTokenSource does — how in-cluster service-account tokens rotate).
//
// What this covers, with client-node's own semantics (config.js `applyHTTPSOptions` and
// `applyAuthorizationHeader`, reproduced here): CA file/data, insecure-skip-tls-verify,
// tls-server-name, client certificates (file/data), bearer token and token-file, basic auth,
// impersonation (`as`), exec plugins, and in-cluster (`loadFromCluster`: KUBERNETES_SERVICE_HOST/
// PORT, the mounted CA and rotating token). Legacy `auth-provider` plugins other than exec and
// tokenFile (gcp, azure, oidc) and `proxy-url` are not: `needsFullClient` says so and the caller
// loads client-node's full KubeConfig for them (paying its memory).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isIPv6 } from 'node:net';
import type { RequestOptions } from 'node:https';
import { parse as parseYaml } from 'yaml';

/** The subset of client-node's KubeConfig the client and its websocket Exec call. */
export interface KubeConfigLike {
  getCurrentCluster(): { readonly server: string; readonly skipTLSVerify?: boolean } | null;
  applyToHTTPSOptions(o: RequestOptions): Promise<void>;
}

// Shapes from client-node's config_types.d.ts (only the fields read here).
interface Cluster { name: string; server: string; caData?: string; caFile?: string; skipTLSVerify?: boolean; tlsServerName?: string; proxyUrl?: string }
interface User {
  name: string;
  token?: string | null;
  certData?: string | null; certFile?: string | null; keyData?: string | null; keyFile?: string | null;
  username?: string | null; password?: string | null; impersonateUser?: string | null;
  exec?: unknown;
  authProvider?: { name?: string; config?: Record<string, unknown> } | null;
}
interface Context { name: string; cluster: string; user: string }
interface Authenticator { isAuthProvider(u: User): unknown; applyAuthentication(u: User, o: RequestOptions): Promise<void> }

export interface LoadedConfig {
  readonly cluster: Cluster;
  readonly user: User;
}

export const SERVICEACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Which part of a kubeconfig this light loader does not implement (the caller then uses client-node's full KubeConfig). */
export function needsFullClient(c: LoadedConfig): string | undefined {
  const ap = c.user.authProvider;
  if (ap && !c.user.exec && ap.name !== 'exec' && ap.name !== 'tokenFile' && !ap.config?.exec && !ap.config?.tokenFile) return `auth-provider "${ap.name ?? '?'}"`;
  if (c.cluster.proxyUrl) return 'proxy-url';
  return undefined;
}

type ConfigTypes = {
  newClusters(a: unknown, o?: unknown): Cluster[];
  newUsers(a: unknown, o?: unknown): User[];
  newContexts(a: unknown, o?: unknown): Context[];
};

/** Parses a kubeconfig file's text and picks the context (`context`, else current-context). */
export async function loadKubeconfigFile(o: { readonly file: string; readonly context?: string }): Promise<LoadedConfig> {
  const text = readFileSync(o.file, 'utf8');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new Error(`not YAML: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a kubeconfig (expected a mapping)');
  const d = doc as Record<string, unknown>;
  const types = (await import('@kubernetes/client-node/dist/config_types.js')) as unknown as ConfigTypes;
  const clusters = types.newClusters(d.clusters);
  const users = types.newUsers(d.users);
  const contexts = types.newContexts(d.contexts);
  // Relative certificate paths are relative to the kubeconfig's directory, as kubectl and
  // client-node's `loadFromFile` (`makePathsAbsolute`) read them.
  const root = dirname(o.file);
  for (const c of clusters) if (c.caFile) c.caFile = resolve(root, c.caFile);
  for (const u of users) {
    if (u.certFile) u.certFile = resolve(root, u.certFile);
    if (u.keyFile) u.keyFile = resolve(root, u.keyFile);
  }
  const name = o.context ?? (typeof d['current-context'] === 'string' ? d['current-context'] : undefined);
  if (!name) throw new Error('no current-context and no --context');
  const ctx = contexts.find((c) => c.name === name);
  if (!ctx) throw new Error(`context "${name}" not found`);
  const cluster = clusters.find((c) => c.name === ctx.cluster);
  if (!cluster?.server) throw new Error(`context "${name}": cluster "${ctx.cluster}" not found or has no server`);
  const user = users.find((u) => u.name === ctx.user) ?? { name: ctx.user ?? '' };
  return { cluster, user };
}

/** In-cluster configuration, as client-node's `loadFromCluster` and client-go's `rest.InClusterConfig`. */
export function inClusterConfig(env: Readonly<Record<string, string | undefined>>, dir = SERVICEACCOUNT_DIR): LoadedConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: not in a pod');
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const h = isIPv6(host) ? `[${host}]` : host;
  return {
    cluster: { name: 'inCluster', server: `${scheme}://${h}:${port}`, caFile: `${dir}/ca.crt`, skipTLSVerify: false },
    // A bound service-account token rotates (the kubelet rewrites the file): re-read, never cached for good.
    user: { name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: `${dir}/token` } } },
  };
}

function fileOrData(file: string | null | undefined, data: string | null | undefined): Buffer | undefined {
  if (file) return readFileSync(file);
  if (data) return Buffer.from(data, 'base64');
  return undefined;
}

/** A KubeConfigLike over a loaded config: TLS material read once, auth applied per request (tokens rotate). */
export async function lightKubeConfig(c: LoadedConfig): Promise<KubeConfigLike> {
  const [{ ExecAuth }, { FileAuth }] = (await Promise.all([
    import('@kubernetes/client-node/dist/exec_auth.js'),
    import('@kubernetes/client-node/dist/file_auth.js'),
  ])) as unknown as [{ ExecAuth: new () => Authenticator }, { FileAuth: new () => Authenticator }];
  const authenticators: Authenticator[] = [new ExecAuth(), new FileAuth()];
  const ca = fileOrData(c.cluster.caFile, c.cluster.caData);
  const cert = fileOrData(c.user.certFile, c.user.certData);
  const key = fileOrData(c.user.keyFile, c.user.keyData);
  return {
    getCurrentCluster: () => c.cluster,
    async applyToHTTPSOptions(o: RequestOptions): Promise<void> {
      const opts = o as RequestOptions & { servername?: string };
      if (c.cluster.skipTLSVerify) opts.rejectUnauthorized = false;
      if (c.cluster.tlsServerName) opts.servername = c.cluster.tlsServerName;
      if (ca) opts.ca = ca;
      if (cert) opts.cert = cert;
      if (key) opts.key = key;
      const headers = (opts.headers ??= {}) as Record<string, string>;
      if (c.user.impersonateUser) headers['Impersonate-User'] = c.user.impersonateUser;
      const auth = authenticators.find((a) => a.isAuthProvider(c.user));
      if (auth) await auth.applyAuthentication(c.user, opts);
      if (c.user.token) headers.Authorization = `Bearer ${c.user.token}`;
      if (c.user.username) opts.auth = `${c.user.username}:${c.user.password ?? ''}`;
    },
  };
}
