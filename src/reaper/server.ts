// The reaper's HTTP endpoints: /healthz (liveness: the process works — a leader renews its lease
// and its watches deliver events or bookmarks; watches that go quiet without closing are a known
// failure of long-lived watches, Pepr #3178), /readyz (the leader's first list is done), /metrics.
import { createServer, type Server } from 'node:http';

export interface HealthSource {
  /** `undefined` = healthy, else why not. */
  health(): string | undefined;
  ready(): boolean;
  metrics(): Promise<{ contentType: string; body: string }>;
}

export function startServer(o: { host: string; port: number; source: HealthSource }): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/healthz') {
      const bad = o.source.health();
      res.writeHead(bad ? 500 : 200, { 'content-type': 'text/plain' }).end(bad ? `unhealthy: ${bad}\n` : 'ok\n');
    } else if (url === '/readyz') {
      const ok = o.source.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
    } else if (url === '/metrics') {
      o.source.metrics().then(
        (m) => res.writeHead(200, { 'content-type': m.contentType }).end(m.body),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    } else res.writeHead(404).end('not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : o.port, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}
