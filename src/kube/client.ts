// Product-side Kubernetes access: a small JSON-over-HTTPS client built on a kubeconfig loaded with
// @kubernetes/client-node's own small modules (kubeconfig.ts: client certificates, tokens, exec
// plugins, in-cluster service-account tokens with rotation; the full package only for legacy
// auth-provider plugins and proxies), plus client-node's websocket exec, loaded on first use.
//
// Why not client-node's generated API classes: list results come back as class instances with
// Date fields while watch events are raw JSON (two shapes in one cache), and deserialising costs
// ≈42 µs per pod on top of JSON.parse (../shared/research/performance-and-ecosystem.md C4). The
// reaper trims every pod at ingest, so it wants raw JSON and its own list/watch (list-watch.ts).
//
// client-node is imported lazily (`await import`) by `connectKube` only, and only its small
// modules: the whole package costs ≈350 ms at start-up, which `lint` and `fix` must not pay, and
// ≈50 MiB of RSS, which the reaper's memory target cannot (ADR 0010).
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { inClusterConfig, lightKubeConfig, loadKubeconfigFile, needsFullClient, type KubeConfigLike, type LoadedConfig } from './kubeconfig';

export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly timeoutMs?: number;
}

export interface ExecResult {
  /** `Success`, or `Failure` with the runtime's message (exit code, executable not found). */
  readonly status: 'Success' | 'Failure';
  readonly message: string;
  readonly exitCode?: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What the product needs from a Kubernetes API server. Fakes implement it in unit tests. */
export interface KubeApi {
  request<T>(r: KubeRequest): Promise<T>;
  /** GET a streaming endpoint (watch); calls `onLine` per line until the stream ends or `signal` aborts. */
  stream(r: { readonly path: string; readonly query?: KubeRequest['query']; readonly signal: AbortSignal; readonly onLine: (line: string) => void }): Promise<void>;
  exec(o: { readonly namespace: string; readonly pod: string; readonly container: string; readonly command: readonly string[]; readonly timeoutMs: number }): Promise<ExecResult>;
  /** Where the client talks to, for logs. */
  readonly server: string;
  close(): void;
}

export class KubeHttpError extends Error {
  constructor(readonly status: number, readonly reason: string | undefined, readonly body: string, what: string) {
    super(`${what}: HTTP ${status}${reason ? ` ${reason}` : ''}: ${body.slice(0, 300)}`);
    this.name = 'KubeHttpError';
  }
}

export interface ConnectOptions {
  /** A kubeconfig file; else in-cluster when `inCluster`, else `<home>/.kube/config`. */
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Running in a pod (KUBERNETES_SERVICE_HOST is set), read by the command's entry. */
  readonly inCluster?: boolean;
  readonly home?: string;
  /** Concurrent connections to the API server. */
  readonly maxSockets?: number;
  /** The process environment, read by the command's entry (in-cluster: KUBERNETES_SERVICE_HOST/PORT). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function queryString(q: KubeRequest['query']): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

interface ExecStatus { status?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } }
type ExecCtor = new (kc: KubeConfigLike) => {
  exec(ns: string, pod: string, c: string, cmd: string[], out: Writable | null, err: Writable | null, inp: null, tty: boolean, cb?: (s: ExecStatus) => void): Promise<{ close(): void; on(e: string, f: (...a: unknown[]) => void): void }>;
};

/** The kubeconfig as a KubeConfigLike: the light loader (kubeconfig.ts) unless the config uses a
 *  legacy auth-provider plugin or a proxy, which only client-node's full KubeConfig implements. */
async function loadConfig(o: ConnectOptions): Promise<{ kc: KubeConfigLike; full: boolean }> {
  const file = o.kubeconfig ?? (o.inCluster ? undefined : o.home ? `${o.home}/.kube/config` : undefined);
  if (!file && !o.inCluster) throw new Error('no kubeconfig: pass --kubeconfig, or run in a pod');
  let loaded: LoadedConfig;
  try {
    loaded = file ? await loadKubeconfigFile({ file, ...(o.context ? { context: o.context } : {}) }) : inClusterConfig(o.env ?? {});
  } catch (e) {
    throw new Error(`cannot load kubeconfig${file ? ` ${file}` : ''}: ${(e as Error).message}`);
  }
  if (!needsFullClient(loaded)) return { kc: await lightKubeConfig(loaded), full: false };
  const k8s = (await import('@kubernetes/client-node')) as unknown as {
    KubeConfig: new () => KubeConfigLike & { loadFromFile(f: string): void; setCurrentContext(c: string): void };
  };
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromFile(file!);
    if (o.context) kc.setCurrentContext(o.context);
  } catch (e) {
    throw new Error(`cannot load kubeconfig ${file}: ${(e as Error).message}`);
  }
  return { kc, full: true };
}

/** client-node's websocket handler rejects with the `ws` ErrorEvent (`{ message, error }`), not an
 *  Error: without this, a 403 from RBAC reads "[object Object]" and is retried as if transient. */
export function errorOf(e: unknown): Error {
  if (e instanceof Error) return e;
  if (e && typeof e === 'object') {
    const inner = (e as { error?: unknown }).error;
    if (inner instanceof Error) return inner;
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m) return new Error(m);
  }
  return new Error(String(e));
}

export async function connectKube(o: ConnectOptions): Promise<KubeApi> {
  const { kc } = await loadConfig(o);
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new Error('the kubeconfig has no current cluster with a server');
  const base: RequestOptions = {};
  await kc.applyToHTTPSOptions(base);
  const server = new URL(cluster.server);
  const tls = server.protocol === 'https:';
  // One keep-alive agent for all requests: the auth headers are refreshed per request (tokens rotate).
  const agent = tls
    ? new Agent({ ca: base.ca, cert: base.cert, key: base.key, ...((base as { servername?: string }).servername ? { servername: (base as { servername?: string }).servername } : {}), rejectUnauthorized: cluster.skipTLSVerify ? false : base.rejectUnauthorized ?? true, keepAlive: true, maxSockets: o.maxSockets ?? 16 })
    : undefined;
  const headers = async (): Promise<Record<string, string>> => {
    const opts: RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') h[k] = v;
    if (opts.auth) h.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    return h;
  };
  const send = (method: string, path: string, hdrs: Record<string, string>, timeoutMs: number, signal?: AbortSignal) => {
    const url = new URL(path, server);
    const fn = tls ? httpsRequest : httpRequest;
    return fn(url, { method, headers: hdrs, timeout: timeoutMs, ...(agent ? { agent } : {}), ...(signal ? { signal } : {}) });
  };
  // client-node's websocket exec (dist/exec.js: exec, web-socket-handler and ws, ≈1 MiB) is loaded
  // the first time a stop step execs, never on the list/watch path.
  let execP: Promise<InstanceType<ExecCtor>> | undefined;
  const execer = () =>
    (execP ??= import('@kubernetes/client-node/dist/exec.js').then((m) => new (m as unknown as { Exec: ExecCtor }).Exec(kc)));

  return {
    server: cluster.server,
    close: () => agent?.destroy(),
    async request<T>(r: KubeRequest): Promise<T> {
      const path = r.path + queryString(r.query);
      const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
      const h = { ...(await headers()), accept: 'application/json', ...(payload !== undefined ? { 'content-type': r.contentType ?? 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}) };
      return new Promise<T>((resolve, reject) => {
        const req = send(r.method, path, h, r.timeoutMs ?? 30_000);
        req.on('response', (res) => {
          // Decoded chunk by chunk into V8 strings: a list page is megabytes, and one
          // Buffer.concat of it per page is malloc'd memory the allocator keeps after the list
          // (measured: ADR 0010).
          res.setEncoding('utf8');
          const chunks: string[] = [];
          res.on('data', (c: string) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = chunks.join('');
            const code = res.statusCode ?? 0;
            if (code >= 300) {
              let reason: string | undefined;
              try {
                reason = (JSON.parse(text) as { reason?: string }).reason;
              } catch { /* not a Status */ }
              reject(new KubeHttpError(code, reason, text, `${r.method} ${r.path}`));
              return;
            }
            try {
              resolve((text ? JSON.parse(text) : undefined) as T);
            } catch (e) {
              reject(new Error(`${r.method} ${r.path}: invalid JSON in the response: ${(e as Error).message}`));
            }
          });
        });
        req.on('timeout', () => req.destroy(new Error(`${r.method} ${r.path}: timed out after ${r.timeoutMs ?? 30_000} ms`)));
        req.on('error', reject);
        req.end(payload);
      });
    },
    async stream(r): Promise<void> {
      const path = r.path + queryString(r.query);
      const h = { ...(await headers()), accept: 'application/json' };
      await new Promise<void>((resolve, reject) => {
        if (r.signal.aborted) return resolve();
        // No socket timeout here: the watch has its own inactivity timer (list-watch.ts).
        const req = send('GET', path, h, 0, r.signal);
        req.on('response', (res) => {
          const code = res.statusCode ?? 0;
          if (code >= 300) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => reject(new KubeHttpError(code, undefined, Buffer.concat(chunks).toString('utf8'), `GET ${r.path}`)));
            res.on('error', reject);
            return;
          }
          const lines = createInterface({ input: res, crlfDelay: Infinity });
          lines.on('line', (l) => {
            if (l) r.onLine(l);
          });
          lines.on('close', () => resolve());
          // readline re-emits the response's errors (ECONNRESET when the API server goes away):
          // unhandled, they would crash the process.
          lines.on('error', (e) => (r.signal.aborted ? resolve() : reject(e)));
          res.on('error', (e) => (r.signal.aborted ? resolve() : reject(e)));
        });
        req.on('error', (e) => (r.signal.aborted ? resolve() : reject(e)));
        req.end();
      });
    },
    async exec(x): Promise<ExecResult> {
      let out = '';
      let err = '';
      const sink = (add: (s: string) => void) => new Writable({ write(chunk: Buffer, _e, cb) { add(chunk.toString('utf8')); cb(); } });
      return new Promise<ExecResult>((resolve, reject) => {
        let settled = false;
        let ws: { close(): void } | undefined;
        const done = (f: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          f();
          try {
            ws?.close();
          } catch { /* already closed */ }
        };
        const timer = setTimeout(() => done(() => reject(new Error(`exec in ${x.namespace}/${x.pod}/${x.container}: no status within ${x.timeoutMs} ms`))), x.timeoutMs);
        execer()
          .then((exec) => exec.exec(x.namespace, x.pod, x.container, [...x.command], sink((s) => (out += s)), sink((s) => (err += s)), null, false, (s) => {
            const exitCause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
            const exitCode = exitCause?.message !== undefined ? Number(exitCause.message) : undefined;
            done(() => resolve({ status: s.status === 'Success' ? 'Success' : 'Failure', message: s.message ?? '', ...(exitCode !== undefined && Number.isFinite(exitCode) ? { exitCode } : {}), stdout: out, stderr: err }));
          }))
          .then((sock) => {
            ws = sock;
            // The apiserver closes the socket after the status frame; a close without one is a failure.
            sock.on('close', () => setTimeout(() => done(() => reject(new Error(`exec in ${x.namespace}/${x.pod}/${x.container}: connection closed without a status${err ? `: ${err.trim()}` : ''}`))), 50));
          })
          .catch((e: unknown) => done(() => reject(errorOf(e))));
      });
    },
  };
}
