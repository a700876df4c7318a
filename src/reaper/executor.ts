// Performs stop steps against the real world: HTTP to the pod IP, exec through the API server
// (the kubelet runs the command in the container: no shell needed for the sidecar's own stop
// command), pod deletion as a last resort. Classifies each result as sent / failed (retry with
// back-off) / unavailable (this way cannot work in this container: go to the next step).
import { request as httpRequest } from 'node:http';
import type { KubeApi } from '../kube/client';
import { KubeHttpError } from '../kube/client';
import type { Outcome, StopExecutor } from './controller';
import type { PodView, StopAction } from './types';

/** The runtime's words for "this binary is not in the image" (runc, containerd, CRI-O). */
const NOT_FOUND = /executable file not found|no such file or directory|not found in \$PATH|exec format error/i;

export function classifyExec(r: { status: 'Success' | 'Failure'; message: string; exitCode?: number; stderr: string }): Outcome {
  if (r.status === 'Success') return { status: 'sent', detail: 'exit 0' };
  // When the container's PID 1 exits, the runtime kills every process left in the container,
  // the exec'd command included (SIGKILL: exit 137). `kill -s TERM 1` races with the very exit it
  // causes, so 137 is the stop taking effect; whether the sidecar really exited is checked anyway
  // (the stop timeout). Seen on the harness kubelet for roughly one stop in five.
  if (r.exitCode === 137) return { status: 'sent', detail: 'the command was killed as the container stopped (exit 137)' };
  const text = `${r.message} ${r.stderr}`.trim();
  if (NOT_FOUND.test(text)) return { status: 'unavailable', detail: text.slice(0, 300) };
  return { status: 'failed', detail: `${r.exitCode !== undefined ? `exit ${r.exitCode}: ` : ''}${text.slice(0, 300)}` };
}

export function createExecutor(o: { api: KubeApi; execTimeoutMs: number; httpTimeoutMs: number }): StopExecutor {
  const http = (view: PodView, port: number, path: string, method: string): Promise<Outcome> =>
    new Promise((resolve) => {
      if (!view.podIP) return resolve({ status: 'failed', detail: 'the pod has no IP yet' });
      const host = view.podIP.includes(':') ? `[${view.podIP}]` : view.podIP;
      // One request per sidecar run and pod IP: no keep-alive (Node's global agent would keep a
      // socket per finished pod open until the sidecar's server times it out).
      const req = httpRequest(`http://${host}:${port}${path}`, { method, timeout: o.httpTimeoutMs, agent: false, headers: { 'content-length': '0', connection: 'close' } }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) resolve({ status: 'sent', detail: `HTTP ${code}` });
        // 403 (loopback-only endpoint), 404/405 (not enabled): retrying cannot help.
        else if (code >= 400 && code < 500) resolve({ status: 'unavailable', detail: `HTTP ${code}` });
        else resolve({ status: 'failed', detail: `HTTP ${code}` });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${o.httpTimeoutMs} ms`)));
      // The process may exit before it answers: a reset after the request was sent is a stop, not a failure,
      // but we cannot tell it from a dead endpoint here; the stop timeout sees whether it exited.
      req.on('error', (e) => resolve({ status: 'failed', detail: e.message }));
      req.end();
    });

  const exec = async (view: PodView, container: string, command: readonly string[]): Promise<Outcome> => {
    try {
      const r = await o.api.exec({ namespace: view.namespace, pod: view.name, container, command, timeoutMs: o.execTimeoutMs });
      return classifyExec(r);
    } catch (e) {
      // 403: RBAC forbids pods/exec here — a configuration fact, not a transient failure.
      if (/\b403\b|forbidden/i.test((e as Error).message)) return { status: 'unavailable', detail: (e as Error).message.slice(0, 300) };
      if (NOT_FOUND.test((e as Error).message)) return { status: 'unavailable', detail: (e as Error).message.slice(0, 300) };
      return { status: 'failed', detail: (e as Error).message.slice(0, 300) };
    }
  };

  return {
    async perform(view: PodView, a: StopAction): Promise<Outcome> {
      const w = a.what;
      switch (w.kind) {
        case 'http':
          return http(view, w.port, w.path, w.method);
        case 'exec':
          return exec(view, a.container, w.command);
        case 'signal':
          // The signal is an argument, never spliced into the script (it comes from an annotation).
          return exec(view, a.container, ['/bin/sh', '-c', 'kill -s "$0" 1', w.signal]);
        case 'last-resort':
          if (w.policy === 'event') return { status: 'sent', detail: 'event only' };
          try {
            await o.api.request({
              method: 'DELETE',
              path: `/api/v1/namespaces/${encodeURIComponent(view.namespace)}/pods/${encodeURIComponent(view.name)}`,
              body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: view.uid } },
              timeoutMs: 10_000,
            });
            return { status: 'sent', detail: 'pod deleted' };
          } catch (e) {
            if (e instanceof KubeHttpError && (e.status === 404 || e.status === 409)) return { status: 'sent', detail: 'pod already gone' };
            return { status: 'failed', detail: (e as Error).message.slice(0, 300) };
          }
      }
    },
  };
}
