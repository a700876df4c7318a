// A minimal Kubernetes REST client over node:https with client-certificate
// auth: enough for the harness and the e2e tests (create, get, list, delete,
// poll) without pulling a client library into the project.
import { request as httpsRequest, Agent } from 'node:https';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export interface KubeAccess {
  readonly server: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** Reads the fields we write in harness kubeconfigs (file references, one context). */
export function readKubeconfig(file: string): KubeAccess {
  const doc = parseYaml(readFileSync(file, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority': string } }[];
    users: { user: { 'client-certificate': string; 'client-key': string } }[];
  };
  const c = doc.clusters[0]!.cluster;
  const u = doc.users[0]!.user;
  return { server: c.server, ca: c['certificate-authority'], cert: u['client-certificate'], key: u['client-key'] };
}

export class KubeApiError extends Error {
  constructor(readonly status: number, readonly body: string, what: string) {
    super(`${what}: HTTP ${status}: ${body.slice(0, 500)}`);
  }
}

/** Maps apiVersion/kind to the REST collection path. */
const RESOURCES: Record<string, { group: string; plural: string; namespaced: boolean }> = {
  'v1/Pod': { group: '/api/v1', plural: 'pods', namespaced: true },
  'v1/Namespace': { group: '/api/v1', plural: 'namespaces', namespaced: false },
  'v1/ConfigMap': { group: '/api/v1', plural: 'configmaps', namespaced: true },
  'v1/Service': { group: '/api/v1', plural: 'services', namespaced: true },
  'v1/ServiceAccount': { group: '/api/v1', plural: 'serviceaccounts', namespaced: true },
  'v1/Node': { group: '/api/v1', plural: 'nodes', namespaced: false },
  'v1/Event': { group: '/api/v1', plural: 'events', namespaced: true },
  'batch/v1/Job': { group: '/apis/batch/v1', plural: 'jobs', namespaced: true },
  'batch/v1/CronJob': { group: '/apis/batch/v1', plural: 'cronjobs', namespaced: true },
  'apps/v1/Deployment': { group: '/apis/apps/v1', plural: 'deployments', namespaced: true },
  'apps/v1/ReplicaSet': { group: '/apis/apps/v1', plural: 'replicasets', namespaced: true },
  'apps/v1/StatefulSet': { group: '/apis/apps/v1', plural: 'statefulsets', namespaced: true },
  'apps/v1/DaemonSet': { group: '/apis/apps/v1', plural: 'daemonsets', namespaced: true },
  'v1/ReplicationController': { group: '/api/v1', plural: 'replicationcontrollers', namespaced: true },
  'v1/PodTemplate': { group: '/api/v1', plural: 'podtemplates', namespaced: true },
};

export function isKnownResource(apiVersion: string, kind: string): boolean {
  return `${apiVersion}/${kind}` in RESOURCES;
}

export function resourcePath(apiVersion: string, kind: string, namespace?: string, name?: string): string {
  const r = RESOURCES[`${apiVersion}/${kind}`];
  if (!r) throw new Error(`harness kube client: unsupported kind ${apiVersion}/${kind}`);
  const ns = r.namespaced ? `/namespaces/${namespace ?? 'default'}` : '';
  return `${r.group}${ns}/${r.plural}${name ? `/${name}` : ''}`;
}

export type KubeObject = { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

export class KubeClient {
  private readonly agent: Agent;
  constructor(readonly access: KubeAccess) {
    this.agent = new Agent({
      ca: readFileSync(access.ca),
      cert: readFileSync(access.cert),
      key: readFileSync(access.key),
      // A fresh connection per request: the harness makes few requests, and
      // reusing connections across the apiserver's restarts only adds failure modes.
      keepAlive: false,
    });
  }

  static fromKubeconfig(file: string): KubeClient {
    return new KubeClient(readKubeconfig(file));
  }

  close(): void {
    this.agent.destroy();
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const url = new URL(path, this.access.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolvePromise, reject) => {
      const req = httpsRequest(
        url,
        { method, agent: this.agent, headers: { accept: 'application/json', ...(payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}) }, timeout: 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 0) >= 300) reject(new KubeApiError(res.statusCode ?? 0, text, `${method} ${path}`));
            else resolvePromise((text ? JSON.parse(text) : undefined) as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * A watch stream (`?watch=1`): calls onEvent for every event line until stop() or the server
   * ends it. Polling can miss a state that lasts milliseconds (a pod's terminal phase right
   * before its deletion); a watch delivers every update.
   */
  watch<T = KubeObject>(path: string, onEvent: (e: { type: string; object: T }) => void): { stop(): void; ended: Promise<void> } {
    const url = new URL(path, this.access.server);
    url.searchParams.set('watch', '1');
    let req: ReturnType<typeof httpsRequest> | undefined;
    const ended = new Promise<void>((resolvePromise) => {
      req = httpsRequest(url, { method: 'GET', agent: this.agent, headers: { accept: 'application/json' } }, (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
            const line = buf.slice(0, i).trim();
            buf = buf.slice(i + 1);
            if (line) {
              try {
                onEvent(JSON.parse(line) as { type: string; object: T });
              } catch {
                /* a malformed line ends nothing: the poller still runs */
              }
            }
          }
        });
        res.on('end', () => resolvePromise());
        res.on('error', () => resolvePromise());
      });
      req.on('error', () => resolvePromise());
      req.end();
    });
    return { stop: () => req?.destroy(), ended };
  }

  /** Raw text GET (e.g. /version, /healthz, pod logs). */
  async getText(path: string): Promise<string> {
    const url = new URL(path, this.access.server);
    return new Promise((resolvePromise, reject) => {
      const req = httpsRequest(url, { method: 'GET', agent: this.agent, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) reject(new KubeApiError(res.statusCode ?? 0, text, `GET ${path}`));
          else resolvePromise(text);
        });
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: timeout`)));
      req.on('error', reject);
      req.end();
    });
  }

  create<T extends KubeObject>(obj: T, namespace?: string): Promise<T> {
    return this.request<T>('POST', resourcePath(obj.apiVersion, obj.kind, namespace ?? obj.metadata.namespace), obj);
  }

  get<T = KubeObject>(apiVersion: string, kind: string, name: string, namespace?: string): Promise<T> {
    return this.request<T>('GET', resourcePath(apiVersion, kind, namespace, name));
  }

  async getOrUndefined<T = KubeObject>(apiVersion: string, kind: string, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.get<T>(apiVersion, kind, name, namespace);
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  async list<T = KubeObject>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<T[]> {
    const q = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    const res = await this.request<{ items: T[] }>('GET', resourcePath(apiVersion, kind, namespace) + q);
    return res.items;
  }

  async delete(apiVersion: string, kind: string, name: string, namespace?: string, opts: { gracePeriodSeconds?: number; propagationPolicy?: string } = {}): Promise<void> {
    try {
      await this.request('DELETE', resourcePath(apiVersion, kind, namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...opts });
    } catch (e) {
      if (!(e instanceof KubeApiError && e.status === 404)) throw e;
    }
  }

  /** Server-side apply-free JSON merge patch. */
  patch<T = KubeObject>(apiVersion: string, kind: string, name: string, namespace: string | undefined, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', resourcePath(apiVersion, kind, namespace, name), patch, 'application/merge-patch+json');
  }
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; sleep?: (ms: number) => Promise<void>; now?: () => number },
): Promise<T> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + opts.timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastErr = e;
    }
    if (now() > deadline) {
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    }
    await sleep(opts.intervalMs ?? 250);
  }
}
