// Certificates made with node:crypto, the webhook configuration as data, and the CLI's errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseAllDocuments } from 'yaml';
import { generateWebhookPki, serviceHosts } from '../../../src/webhook/certs';
import { webhookConfiguration } from '../../../src/webhook/config';
import { run } from '../../../src/cli/main';

test('CA and serving certificate: chain, SANs (DNS and IP), CA flag, validity', () => {
  const now = new Date('2026-03-01T00:00:00Z');
  const p = generateWebhookPki({ hosts: [...serviceHosts('hook', 'sys'), '127.0.0.1', '::1'], now, days: 30 });
  const ca = new X509Certificate(p.caCert), leaf = new X509Certificate(p.cert);
  assert.ok(ca.ca && !leaf.ca);
  assert.ok(leaf.verify(ca.publicKey) && leaf.checkIssued(ca));
  assert.equal(leaf.checkHost('hook.sys.svc'), 'hook.sys.svc');
  assert.equal(leaf.checkHost('other.sys.svc'), undefined);
  assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(leaf.checkIP('::1'), '::1');
  assert.ok(Math.abs(new Date(leaf.validTo).getTime() - (now.getTime() + 30 * 86_400_000)) < 1000, leaf.validTo);
  assert.ok(new Date(leaf.validFrom) < now);
  // a second certificate from the same CA
  const q = generateWebhookPki({ hosts: ['x.y.svc'], now, caCert: p.caCert, caKey: p.caKey });
  assert.equal(q.caCert, p.caCert);
  assert.ok(new X509Certificate(q.cert).verify(ca.publicKey));
  assert.throws(() => generateWebhookPki({ hosts: [], now }), /at least one host/);
});

test('webhook configuration: fail open, small timeout, Pod CREATE only, never kube-system or its own namespace', () => {
  const cfg = webhookConfiguration({ name: 'w', namespace: 'sys', url: 'https://127.0.0.1:9443/', caBundlePem: 'PEM' }) as any;
  assert.equal(cfg.webhooks.length, 3);
  for (const w of cfg.webhooks) {
    assert.equal(w.failurePolicy, 'Ignore');
    assert.equal(w.timeoutSeconds, 3);
    assert.equal(w.reinvocationPolicy, 'IfNeeded');
    assert.equal(w.sideEffects, 'None');
    assert.deepEqual(w.rules[0].operations, ['CREATE']);
    assert.deepEqual(w.namespaceSelector.matchExpressions[1], { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'sys'] });
    assert.ok(w.matchConditions.some((m: any) => m.name === 'has-sidecar-candidates'));
    assert.equal(Buffer.from(w.clientConfig.caBundle, 'base64').toString(), 'PEM');
    assert.match(w.clientConfig.url, /^https:\/\/127\.0\.0\.1:9443\/mutate(\/warn)?$/);
  }
  const cm = webhookConfiguration({ name: 'w', namespace: 'sys', service: { name: 's', namespace: 'sys', port: 443 }, certManagerCertificate: 'sys/cert' }) as any;
  assert.equal(cm.metadata.annotations['cert-manager.io/inject-ca-from'], 'sys/cert');
  assert.ok(cm.webhooks.every((w: any) => w.clientConfig.caBundle === undefined && w.clientConfig.service.name === 's'));
  // Without the namespace entries' conditions the pod-annotation entry keeps its own: they are its opt-in.
  const noCel = webhookConfiguration({ name: 'w', namespace: 'sys', url: 'https://127.0.0.1:9443', caBundlePem: 'PEM', namespaceMatchConditions: false }) as any;
  assert.deepEqual(noCel.webhooks.map((w: any) => [w.name, w.matchConditions?.map((m: any) => m.name)]), [
    ['namespaces.webhook.sidecarctl.dev', undefined], ['warn-namespaces.webhook.sidecarctl.dev', undefined], ['pods.webhook.sidecarctl.dev', ['pod-opted-in', 'has-sidecar-candidates']]]);
  assert.throws(() => webhookConfiguration({ name: 'w', namespace: 's' }), /either a URL or a Service/);
  assert.throws(() => webhookConfiguration({ name: 'w', namespace: 's', url: 'https://x', timeoutSeconds: 31 }), /from 1 to 30/);
});

async function cli(args: string[]) {
  let stdout = '', stderr = '';
  const w = (f: (s: string) => void) => ({ write: (s: string) => { f(s); return true; } }) as never;
  const code = await run(args, { io: { stdout: w((s) => (stdout += s)), stderr: w((s) => (stderr += s)), stdin: new PassThrough() }, env: {}, cwd: process.cwd(), now: () => Date.parse('2026-03-01T00:00:00Z'), color: false });
  return { code, stdout, stderr };
}

test('CLI: certs writes a usable pair (keys private); config prints YAML; bad flags are usage errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-wh-cli-'));
  const c = await cli(['webhook', 'certs', '--out-dir', dir, '--service', 'hook', '--namespace', 'sys']);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(statSync(join(dir, 'tls.key')).mode & 0o777, 0o600);
  assert.ok(new X509Certificate(readFileSync(join(dir, 'tls.crt'))).checkHost('hook.sys.svc'));
  const cfg = await cli(['webhook', 'config', '--service', 'hook', '--namespace', 'sys', '--ca-file', join(dir, 'ca.crt')]);
  assert.equal(cfg.code, 0, cfg.stderr);
  const [doc, vdoc] = parseAllDocuments(cfg.stdout).map((d) => d.toJS());
  assert.equal(doc.kind, 'MutatingWebhookConfiguration');
  assert.equal(vdoc.kind, 'ValidatingWebhookConfiguration');
  assert.ok(vdoc.webhooks.every((w: any) => w.rules.every((r: any) => !r.resources.includes('pods'))), 'workload warnings never see pods');
  assert.equal(Buffer.from(doc.webhooks[0].clientConfig.caBundle, 'base64').toString(), readFileSync(join(dir, 'ca.crt'), 'utf8'));
  assert.doesNotMatch(cfg.stdout, /&a\d|\*a\d/, 'no YAML anchors');
  assert.ok(doc.webhooks.every((w: any) => w.matchConditions.length === 2), 'matchConditions on every entry by default');
  const noCel = await cli(['webhook', 'config', '--service', 'hook', '--namespace', 'sys', '--ca-file', join(dir, 'ca.crt'), '--no-namespace-match-conditions']);
  assert.equal(noCel.code, 0, noCel.stderr);
  const [noCelDoc] = parseAllDocuments(noCel.stdout).map((d) => d.toJS());
  assert.deepEqual(noCelDoc.webhooks.map((w: any) => w.matchConditions?.map((m: any) => m.name)), [undefined, undefined, ['pod-opted-in', 'has-sidecar-candidates']]);
  writeFileSync(join(dir, 'junk.pem'), 'hello');
  for (const [args, msg] of [
    [['webhook', 'config', '--ca-file', join(dir, 'ca.crt')], /either --url or --service/],
    [['webhook', 'config', '--url', 'http://x', '--ca-file', join(dir, 'ca.crt')], /https:\/\//],
    [['webhook', 'config', '--url', 'https://x', '--ca-file', join(dir, 'junk.pem')], /no PEM certificate/],
    [['webhook', 'config', '--url', 'https://x', '--ca-file', join(dir, 'ca.crt'), '--timeout', '60'], /from 1 to 30/],
    [['webhook', 'certs', '--out-dir', dir], /--service <name> or at least one --host/],
    [['webhook', 'serve', '--mode', 'block'], /must be fix or warn/],
    [['webhook', 'serve', '--kube-version', '1.36', '--tls-cert-file', join(dir, 'missing.crt'), '--tls-key-file', join(dir, 'tls.key'), '--port', '0'], /cannot start the webhook server/],
  ] as const) {
    const r = await cli([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
});
