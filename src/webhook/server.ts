// The HTTPS adapter around admit.ts: routes, body limits, certificate reload, graceful
// shutdown, metrics and logs. Clock, logger, metrics and the admission settings are injected;
// nothing here reads the environment.
import { createServer, type Server } from 'node:https';
import { createSecureContext } from 'node:tls';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { admitReviewText, type AdmitOptions, type AdmitResult } from './admit';
import type { WebhookMetrics } from './metrics';

/** The subset of pino's API the server uses (pino's Logger satisfies it). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  /** pino's; lets the hot path skip building log fields nobody will see. */
  isLevelEnabled?(level: string): boolean;
}

export interface WebhookServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests, benchmarks). */
  readonly port: number;
  readonly certFile: string;
  readonly keyFile: string;
  /** The admission settings now (cluster versions change while the server runs). */
  readonly admitOptions: () => AdmitOptions;
  readonly ready: () => boolean;
  readonly logger: Logger;
  readonly metrics: WebhookMetrics;
  /** Monotonic milliseconds (performance.now), for latencies. */
  readonly monotonicMs: () => number;
  /**
   * Largest request body accepted. The apiserver itself refuses objects over 3 MiB
   * (k8s.io/apiserver: maxRequestBodyBytes), and an AdmissionReview carries the object once for
   * CREATE, so 3 MiB plus the envelope is the most a real request needs.
   */
  readonly maxBodyBytes?: number;
  /** How often the certificate files are checked for changes. */
  readonly certCheckIntervalMs?: number;
}

export interface WebhookServer {
  readonly port: number;
  readonly url: string;
  /** Reads the certificate files now; true when a new pair was loaded. */
  reloadCertificates(): Promise<boolean>;
  /** Graceful shutdown: /readyz fails, waits drainMs, stops accepting, lets in-flight requests finish (up to graceMs). */
  shutdown(o?: { drainMs?: number; graceMs?: number }): Promise<void>;
}

/** /mutate: pods (fix); /validate: workloads (warnings only); …/warn: warn-mode namespaces. */
const ROUTES: Readonly<Record<string, { warn: boolean; validating: boolean }>> = {
  '/mutate': { warn: false, validating: false },
  '/mutate/warn': { warn: true, validating: false },
  '/validate': { warn: false, validating: true },
  '/validate/warn': { warn: true, validating: true },
};

export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024 + 64 * 1024;

export async function startWebhookServer(o: WebhookServerOptions): Promise<WebhookServer> {
  const maxBody = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let [cert, key] = await Promise.all([readFile(o.certFile), readFile(o.keyFile)]);
  let fingerprint = await filesFingerprint(o.certFile, o.keyFile);
  let draining = false;
  let inFlight = 0;
  const sockets = new Set<Socket>();

  const server: Server = createServer({ cert, key, minVersion: 'TLSv1.2' }, (req, res) => handle(req, res));
  // The apiserver keeps connections alive between calls; idle ones are closed after 60 s.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('connection', (s: Socket) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  server.on('tlsClientError', (err) => o.logger.debug({ err: err.message }, 'TLS handshake failed'));

  function send(res: ServerResponse, status: number, body: string, type = 'application/json') {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...(draining ? { connection: 'close' } : {}) });
    res.end(body);
  }

  function finish(res: ServerResponse, started: number, r: AdmitResult) {
    send(res, r.status, r.status === 200 ? r.body : `${r.body}\n`, r.status === 200 ? 'application/json' : 'text/plain; charset=utf-8');
    const seconds = (o.monotonicMs() - started) / 1000;
    o.metrics.observe(r.outcome, seconds);
    const level = r.outcome === 'error' || r.outcome === 'bad-request' ? 'warn' : r.outcome === 'patched' || r.outcome === 'reaper' ? 'info' : 'debug';
    // Build the log fields only when the line will be written (a patched review at --log-level=warn is not).
    if (o.logger.isLevelEnabled && !o.logger.isLevelEnabled(level)) return;
    const fields = { uid: r.uid, outcome: r.outcome, ms: Math.round(seconds * 1e5) / 100, ...(r.changes.length ? { changes: r.changes.map((c) => `${c.kind}:${c.container}`) } : {}), ...(r.warnings.length ? { warnings: r.warnings.length } : {}), ...(r.detail ? { detail: r.detail } : {}) };
    o.logger[level](fields, 'admission review');
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/healthz' || path === '/livez') return send(res, 200, 'ok\n', 'text/plain');
      if (path === '/readyz') return draining || !o.ready() ? send(res, 503, draining ? 'shutting down\n' : 'not ready: cluster versions unknown\n', 'text/plain') : send(res, 200, 'ok\n', 'text/plain');
      if (path === '/metrics') {
        o.metrics.render().then((m) => send(res, 200, m.text, m.contentType), (e) => send(res, 500, String(e), 'text/plain'));
        return;
      }
      return send(res, 404, 'not found\n', 'text/plain');
    }
    const route = ROUTES[path];
    if (!route) return send(res, 404, 'not found\n', 'text/plain');
    const started = o.monotonicMs();
    const bad = (message: string) => finish(res, started, { status: 400, body: message, outcome: 'bad-request', changes: [], patch: [], warnings: [], detail: message });
    if (req.method !== 'POST') return bad(`${req.method} not allowed; POST an AdmissionReview`);
    const ctype = req.headers['content-type'];
    if (ctype !== undefined && !ctype.includes('json')) return bad(`content-type must be application/json, got ${ctype}`);
    const declared = Number(req.headers['content-length'] ?? NaN);
    const tooBig = () => {
      // Answer at once and drop the connection: reading the rest would only waste time.
      res.once('finish', () => req.socket.destroy());
      bad(`request body larger than ${maxBody} bytes`);
    };
    if (declared > maxBody) return tooBig();
    inFlight++;
    res.once('close', () => inFlight--);
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (c: Buffer) => {
      if (aborted) return;
      size += c.length;
      if (size > maxBody) {
        aborted = true;
        tooBig();
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => { aborted = true; });
    req.on('end', () => {
      if (aborted) return;
      const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
      const opts = o.admitOptions();
      finish(res, started, admitReviewText(text, route.warn ? Object.assign({}, opts, { mode: 'warn' as const }) : opts, { validating: route.validating }));
    });
  }

  async function reloadCertificates(): Promise<boolean> {
    try {
      const fp = await filesFingerprint(o.certFile, o.keyFile);
      if (fp === fingerprint) return false;
      const [c, k] = await Promise.all([readFile(o.certFile), readFile(o.keyFile)]);
      // A Secret volume update swaps both files at once (atomic symlink switch), but a cert
      // written by hand may be read half-way: validate the pair before using it.
      createSecureContext({ cert: c, key: k });
      // New handshakes use the new pair; open connections and requests in flight are untouched.
      server.setSecureContext({ cert: c, key: k, minVersion: 'TLSv1.2' });
      cert = c; key = k; fingerprint = fp;
      o.metrics.certReload('ok');
      o.logger.info({ certFile: o.certFile }, 'serving certificate reloaded');
      return true;
    } catch (e) {
      o.metrics.certReload('error');
      o.logger.error({ err: (e as Error).message, certFile: o.certFile }, 'serving certificate not reloaded; keeping the previous one');
      return false;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => { server.off('error', reject); resolve(); });
  });
  const timer = setInterval(() => void reloadCertificates(), o.certCheckIntervalMs ?? 2000);
  timer.unref();
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  o.logger.info({ host: o.host, port }, 'webhook listening');

  async function shutdown(s: { drainMs?: number; graceMs?: number } = {}): Promise<void> {
    if (draining) return;
    draining = true;
    clearInterval(timer);
    o.logger.info({ inFlight }, 'shutting down: readyz fails, draining');
    // Let endpoint controllers take the pod out of the Service before we stop accepting.
    if (s.drainMs) await new Promise((r) => setTimeout(r, s.drainMs));
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeIdleConnections();
    const deadline = o.monotonicMs() + (s.graceMs ?? 10_000);
    while (inFlight > 0 && o.monotonicMs() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      server.closeIdleConnections();
    }
    for (const sck of sockets) sck.destroy();
    await closed;
    o.logger.info({}, 'webhook stopped');
  }

  return { port, url: `https://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`, reloadCertificates, shutdown };
}

async function filesFingerprint(...files: string[]): Promise<string> {
  const parts: string[] = [];
  for (const f of files) {
    const s = await stat(f);
    parts.push(`${s.ino}:${s.size}:${s.mtimeMs}`);
  }
  return parts.join('|');
}
