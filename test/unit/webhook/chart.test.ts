// The Helm chart in deploy/sidecarctl-webhook, rendered by the real helm (v4.3.1, built by
// harness/build/build-go-tool.sh): its webhook configuration equals the one the CLI prints
// (src/webhook/config.ts), its generated certificate is valid for the Service, and the
// Deployment passes only flags `webhook serve` accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { REPO } from '../../helpers/manifests';
import { goToolPath, harnessPaths } from '../../../src/harness/paths';
import { webhookConfiguration, workloadWarningsConfiguration } from '../../../src/webhook/config';
import { run } from '../../../src/cli/main';

const HELM = goToolPath(harnessPaths().cache, 'helm');
const CHART = join(REPO, 'deploy', 'sidecarctl-webhook');
const skip = existsSync(HELM) ? false : `helm ${HELM} is not built (harness/build/build-go-tool.sh helm helm.sh/helm/v4/cmd/helm v4.3.1)`;

function render(...set: string[]): any[] {
  const r = spawnSync(HELM, ['template', 'rel', CHART, '-n', 'hooks', ...set.flatMap((s) => ['--set', s])], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return parseAllDocuments(r.stdout).map((d) => d.toJS()).filter(Boolean);
}
const byKind = (docs: any[], kind: string) => docs.filter((d) => d.kind === kind);
const stripCa = (w: any[]) => w.map((x) => ({ ...x, clientConfig: { ...x.clientConfig, caBundle: undefined } }));

test('helm lint passes', { skip }, () => {
  const r = spawnSync(HELM, ['lint', CHART], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('the chart\'s webhook configuration is the CLI\'s; its generated certificate serves the Service', { skip }, () => {
  const docs = render();
  const [cfg] = byKind(docs, 'MutatingWebhookConfiguration');
  const expected = webhookConfiguration({ name: 'rel-sidecarctl-webhook', namespace: 'hooks', service: { name: 'rel-sidecarctl-webhook', namespace: 'hooks', port: 443 }, caBundlePem: 'x' }) as any;
  assert.deepEqual(JSON.parse(JSON.stringify(stripCa(cfg.webhooks))), JSON.parse(JSON.stringify(stripCa(expected.webhooks))));
  const [vcfg] = byKind(docs, 'ValidatingWebhookConfiguration');
  const vexpected = workloadWarningsConfiguration({ name: 'rel-sidecarctl-webhook', namespace: 'hooks', service: { name: 'rel-sidecarctl-webhook', namespace: 'hooks', port: 443 }, caBundlePem: 'x' }) as any;
  assert.equal(vcfg.metadata.name, vexpected.metadata.name);
  assert.deepEqual(JSON.parse(JSON.stringify(stripCa(vcfg.webhooks))), JSON.parse(JSON.stringify(stripCa(vexpected.webhooks))));
  assert.equal(vcfg.webhooks[0].clientConfig.caBundle, cfg.webhooks[0].clientConfig.caBundle);
  const [secret] = byKind(docs, 'Secret');
  const caPem = Buffer.from(cfg.webhooks[0].clientConfig.caBundle, 'base64').toString();
  assert.equal(Buffer.from(secret.data['ca.crt'], 'base64').toString(), caPem);
  const ca = new X509Certificate(caPem);
  const leaf = new X509Certificate(Buffer.from(secret.data['tls.crt'], 'base64'));
  assert.ok(leaf.verify(ca.publicKey), 'serving certificate signed by the caBundle CA');
  assert.equal(leaf.checkHost('rel-sidecarctl-webhook.hooks.svc'), 'rel-sidecarctl-webhook.hooks.svc');
  for (const w of cfg.webhooks) assert.equal(w.clientConfig.caBundle, cfg.webhooks[0].clientConfig.caBundle);
  assert.equal(byKind(docs, 'PodDisruptionBudget').length, 1, 'two replicas come with a PDB');
  const [dep] = byKind(docs, 'Deployment');
  assert.equal(dep.spec.template.spec.volumes[0].secret.secretName, secret.metadata.name);
  assert.equal(dep.spec.template.spec.containers[0].resources.limits.cpu, undefined, 'no CPU limit');
});

test('webhook.namespaceMatchConditions=false renders what --no-namespace-match-conditions prints', { skip }, () => {
  const [cfg] = byKind(render('webhook.namespaceMatchConditions=false'), 'MutatingWebhookConfiguration');
  const expected = webhookConfiguration({ name: 'rel-sidecarctl-webhook', namespace: 'hooks', service: { name: 'rel-sidecarctl-webhook', namespace: 'hooks', port: 443 }, caBundlePem: 'x', namespaceMatchConditions: false }) as any;
  assert.deepEqual(JSON.parse(JSON.stringify(stripCa(cfg.webhooks))), JSON.parse(JSON.stringify(stripCa(expected.webhooks))));
  assert.equal(cfg.webhooks.filter((w: any) => w.matchConditions).length, 1);
});

test('the Deployment passes only flags `webhook serve` knows', { skip }, async () => {
  const [dep] = byKind(render('webhook.kubeVersion=1.30', 'webhook.reaperFallback=false', 'webhook.excludeNamespaces={a,b}'), 'Deployment');
  const args: string[] = dep.spec.template.spec.containers[0].args;
  let help = '';
  await run(['webhook', 'serve', '--help'], { io: { stdout: { write: (s: string) => { help += s; return true; } } as never, stderr: { write: () => true } as never, stdin: process.stdin }, env: {}, cwd: REPO, now: () => 0, color: false });
  assert.deepEqual(args.slice(0, 2), ['webhook', 'serve']);
  for (const a of args.slice(2)) {
    const flag = a.split('=')[0]!;
    assert.ok(help.includes(`${flag} `) || help.includes(`${flag}\n`), `${flag} is a webhook serve flag`);
  }
  assert.ok(args.includes('--kube-version=1.30') && args.includes('--no-reaper-fallback') && args.includes('--exclude-namespace=b'));
});

test('cert-manager: no caBundle, the cainjector annotation names the Certificate; existing Secret: the given CA', { skip }, () => {
  const cm = render('tls.certManager.enabled=true');
  const [cfg] = byKind(cm, 'MutatingWebhookConfiguration');
  const [cert] = byKind(cm, 'Certificate');
  assert.equal(cfg.metadata.annotations['cert-manager.io/inject-ca-from'], `${cert.metadata.namespace}/${cert.metadata.name}`);
  assert.equal(byKind(cm, 'ValidatingWebhookConfiguration')[0].metadata.annotations['cert-manager.io/inject-ca-from'], `${cert.metadata.namespace}/${cert.metadata.name}`);
  assert.ok(cfg.webhooks.every((w: any) => w.clientConfig.caBundle === undefined));
  assert.ok(cert.spec.dnsNames.includes('rel-sidecarctl-webhook.hooks.svc'));
  assert.equal(byKind(cm, 'Secret').length, 0);
  assert.equal(byKind(cm, 'Issuer').length, 1);
  const ex = render('tls.existingSecret=my-tls', 'tls.caBundle=PEMDATA', 'replicaCount=1');
  assert.equal(byKind(ex, 'Secret').length, 0);
  assert.equal(byKind(ex, 'PodDisruptionBudget').length, 0);
  assert.equal(Buffer.from(byKind(ex, 'MutatingWebhookConfiguration')[0].webhooks[0].clientConfig.caBundle, 'base64').toString(), 'PEMDATA');
  assert.equal(byKind(ex, 'Deployment')[0].spec.template.spec.volumes[0].secret.secretName, 'my-tls');
});
