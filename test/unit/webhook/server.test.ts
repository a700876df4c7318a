// The HTTPS adapter in process, with real TLS: routes, bad requests, body limits, certificate
// reload under load, readiness and graceful shutdown with requests in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:https';
import { connect } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { generateWebhookPki } from '../../../src/webhook/certs';
import { startWebhookServer, type Logger } from '../../../src/webhook/server';
import { createMetrics, noMetrics } from '../../../src/webhook/metrics';
import { defaultCatalog } from '../../../src/catalog/index';
import type { AdmitOptions } from '../../../src/webhook/admit';
import { REPO } from '../../helpers/manifests';

const OPTS: AdmitOptions = { catalog: defaultCatalog, version: { major: 1, minor: 36 }, mode: 'fix', excludedNamespaces: new Set(['kube-system']), reaperFallback: true };

function certDir(hosts = ['127.0.0.1']) {
  const dir = mkdtempSync(join(tmpdir(), 'sc-wh-test-'));
  const pki = generateWebhookPki({ hosts, now: new Date() });
  writeFileSync(join(dir, 'tls.crt'), pki.cert);
  writeFileSync(join(dir, 'tls.key'), pki.key);
  return { dir, pki, cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
}

function capture(): Logger & { lines: { level: string; obj: object; msg?: string }[] } {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => { lines.push({ level, obj, ...(msg ? { msg } : {}) }); };
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

function call(url: string, o: { ca: string; method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string>; agent?: Agent }): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(o.path ?? '/mutate', url), { method: o.method ?? 'POST', ca: o.ca, agent: o.agent ?? false, headers: { 'content-type': 'application/json', ...o.headers } }, (res) => {
      let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve({ status: res.statusCode!, body: b, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const seedReview = () => {
  const job = parse(readFileSync(join(REPO, 'test/e2e/fixtures/seed-000-bootloader-job.yaml'), 'utf8'));
  return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u1', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'apps', object: { metadata: {}, spec: job.spec.template.spec } } });
};

test('routes, bad requests and body limits: always an answer, never a crash', async () => {
  const c = certDir();
  const log = capture();
  const metrics = await createMetrics();
  const srv = await startWebhookServer({ host: '127.0.0.1', port: 0, certFile: c.cert, keyFile: c.key, admitOptions: () => OPTS, ready: () => true, logger: log, metrics, monotonicMs: () => performance.now(), maxBodyBytes: 64 * 1024 });
  const ca = c.pki.caCert;
  try {
    const ok = await call(srv.url, { ca, body: seedReview() });
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body).response.patchType, 'JSONPatch');
    const warn = await call(srv.url, { ca, path: '/mutate/warn', body: seedReview() });
    assert.equal(JSON.parse(warn.body).response.patch, undefined, '/mutate/warn never patches');
    assert.ok(JSON.parse(warn.body).response.warnings.length > 0);
    assert.equal((await call(srv.url, { ca, body: '{"kind":' })).status, 400);
    assert.match((await call(srv.url, { ca, body: 'x', headers: { 'content-type': 'text/plain' } })).body, /content-type must be application\/json/);
    assert.equal((await call(srv.url, { ca, method: 'PUT', body: '{}' })).status, 400);
    assert.equal((await call(srv.url, { ca, method: 'GET', path: '/nope' })).status, 404);
    // declared too big: refused before reading
    const big = Buffer.alloc(200 * 1024, 0x20);
    assert.match((await call(srv.url, { ca, body: big })).body, /larger than 65536 bytes/);
    // too big without a declared length (chunked): refused while reading
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(new URL('/mutate', srv.url), { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve({ status: res.statusCode!, body: b })); });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write(Buffer.alloc(16 * 1024, 0x20));
      req.end();
    });
    assert.equal(chunked.status, 400);
    assert.match(chunked.body, /larger than/);
    // still serving after all that
    assert.equal((await call(srv.url, { ca, body: seedReview() })).status, 200);
    assert.equal((await call(srv.url, { ca, method: 'GET', path: '/healthz' })).body, 'ok\n');
    const m = (await call(srv.url, { ca, method: 'GET', path: '/metrics' })).body;
    assert.match(m, /sidecarctl_webhook_requests_total\{outcome="bad-request"\} 5/);
    assert.match(m, /sidecarctl_webhook_requests_total\{outcome="patched"\} 2/);
    assert.ok(log.lines.some((l) => l.level === 'warn' && (l.obj as { outcome?: string }).outcome === 'bad-request'));
  } finally {
    await srv.shutdown();
  }
});

test('readyz fails until the cluster versions are known and while shutting down; in-flight requests finish', async () => {
  const c = certDir();
  let known = false;
  const srv = await startWebhookServer({ host: '127.0.0.1', port: 0, certFile: c.cert, keyFile: c.key, admitOptions: () => OPTS, ready: () => known, logger: capture(), metrics: noMetrics, monotonicMs: () => performance.now() });
  const ca = c.pki.caCert;
  assert.equal((await call(srv.url, { ca, method: 'GET', path: '/readyz' })).status, 503);
  known = true;
  assert.equal((await call(srv.url, { ca, method: 'GET', path: '/readyz' })).status, 200);
  // a request whose body is still arriving when SIGTERM comes
  const agent = new Agent({ keepAlive: true, ca });
  const body = seedReview();
  const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(new URL('/mutate', srv.url), { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve({ status: res.statusCode!, body: b })); });
    req.on('error', reject);
    req.write(body.slice(0, 100));
    setTimeout(() => req.end(body.slice(100)), 300);
  });
  await new Promise((r) => setTimeout(r, 100));
  const stopping = srv.shutdown({ drainMs: 100, graceMs: 5000 });
  const during = await call(srv.url, { ca, method: 'GET', path: '/readyz' }).catch(() => ({ status: 0 }));
  assert.ok(during.status === 503 || during.status === 0, `readyz while draining: ${during.status}`);
  const r = await inFlight;
  assert.equal(r.status, 200, 'the in-flight review was answered');
  assert.equal(JSON.parse(r.body).response.uid, 'u1');
  await stopping;
  await assert.rejects(call(srv.url, { ca, method: 'GET', path: '/healthz' }), 'no longer listening');
  agent.destroy();
});

test('certificate reload: a new pair is picked up without dropping requests; a broken pair is refused', async () => {
  const c = certDir();
  const log = capture();
  const srv = await startWebhookServer({ host: '127.0.0.1', port: 0, certFile: c.cert, keyFile: c.key, admitOptions: () => OPTS, ready: () => true, logger: log, metrics: noMetrics, monotonicMs: () => performance.now(), certCheckIntervalMs: 50 });
  const serial = () => new Promise<string>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: srv.port, rejectUnauthorized: false }, () => { resolve(s.getPeerCertificate().serialNumber); s.end(); });
    s.on('error', reject);
  });
  try {
    const before = await serial();
    // keep requests flowing over a keep-alive connection made with the old certificate
    const agent = new Agent({ keepAlive: true, maxSockets: 2, ca: c.pki.caCert });
    let failures = 0, answered = 0, stop = false;
    const pump = (async () => { while (!stop) { try { const r = await call(srv.url, { ca: c.pki.caCert, agent, body: seedReview() }); if (r.status === 200) answered++; else failures++; } catch { failures++; } } })();
    await new Promise((r) => setTimeout(r, 150));
    // a Secret volume update: new files swapped in by rename
    const next = generateWebhookPki({ hosts: ['127.0.0.1'], now: new Date(), caCert: c.pki.caCert, caKey: c.pki.caKey });
    writeFileSync(join(c.dir, 'tls.crt.new'), next.cert); writeFileSync(join(c.dir, 'tls.key.new'), next.key);
    renameSync(join(c.dir, 'tls.key.new'), c.key); renameSync(join(c.dir, 'tls.crt.new'), c.cert);
    const deadline = Date.now() + 5000;
    while ((await serial()) === before) { assert.ok(Date.now() < deadline, 'new certificate served within 5 s'); await new Promise((r) => setTimeout(r, 50)); }
    await new Promise((r) => setTimeout(r, 150));
    stop = true; await pump; agent.destroy();
    assert.equal(failures, 0, 'no request failed across the reload');
    assert.ok(answered > 5, `requests answered during the reload: ${answered}`);
    assert.ok(log.lines.some((l) => l.msg === 'serving certificate reloaded'));
    // a half-written pair is refused and the current one kept
    const served = await serial();
    writeFileSync(c.cert, 'not a certificate');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(log.lines.some((l) => l.level === 'error' && /not reloaded/.test(l.msg ?? '')));
    assert.equal(await serial(), served);
    assert.equal((await call(srv.url, { ca: c.pki.caCert, body: seedReview() })).status, 200);
  } finally {
    await srv.shutdown();
  }
});
