import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { inClusterConfig, lightKubeConfig, loadKubeconfigFile, needsFullClient } from '../../../src/kube/kubeconfig';

function write(doc: unknown, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'sc-kc-'));
  for (const [n, t] of Object.entries(extra)) writeFileSync(join(dir, n), t);
  const f = join(dir, 'config');
  writeFileSync(f, typeof doc === 'string' ? doc : stringify(doc));
  return f;
}

const base = (user: Record<string, unknown>, cluster: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Config', 'current-context': 'a',
  clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }, { name: 'd', cluster: { server: 'https://10.0.0.2:6443' } }],
  users: [{ name: 'u', user }, { name: 'v', user: { token: 'other' } }],
  contexts: [{ name: 'a', context: { cluster: 'c', user: 'u' } }, { name: 'b', context: { cluster: 'd', user: 'v' } }],
});

test('token, CA and client certificate files relative to the kubeconfig, the current or a named context', async () => {
  const f = write(base({ token: 'abc', 'client-certificate': 'tls.crt', 'client-key': 'tls.key' }, { 'certificate-authority': 'ca.crt', 'tls-server-name': 'api' }), { 'ca.crt': 'CA', 'tls.crt': 'CERT', 'tls.key': 'KEY' });
  const kc = await lightKubeConfig(await loadKubeconfigFile({ file: f }));
  assert.equal(kc.getCurrentCluster()?.server, 'https://10.0.0.1:6443');
  const o: Record<string, unknown> & { headers?: Record<string, string> } = {};
  await kc.applyToHTTPSOptions(o);
  assert.equal(String(o.ca), 'CA');
  assert.equal(String(o.cert), 'CERT');
  assert.equal(String(o.key), 'KEY');
  assert.equal(o.servername, 'api');
  assert.equal(o.headers?.Authorization, 'Bearer abc');
  const b = await lightKubeConfig(await loadKubeconfigFile({ file: f, context: 'b' }));
  assert.equal(b.getCurrentCluster()?.server, 'https://10.0.0.2:6443');
});

test('a token file is read (and re-read by client-node\'s FileAuth); in-cluster uses the mounted token and CA', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-sa-'));
  writeFileSync(join(dir, 'token'), 'sa-token');
  writeFileSync(join(dir, 'ca.crt'), 'CA');
  const c = inClusterConfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir);
  assert.equal(c.cluster.server, 'https://[fd00::1]:443');
  const o: { headers?: Record<string, string> } = { headers: {} };
  await (await lightKubeConfig(c)).applyToHTTPSOptions(o as never);
  assert.equal(o.headers?.Authorization, 'Bearer sa-token');
  assert.throws(() => inClusterConfig({}), /not in a pod/);
});

test('legacy auth-provider plugins and proxies need the full client; bad files are clear errors', async () => {
  assert.match(needsFullClient(await loadKubeconfigFile({ file: write(base({ 'auth-provider': { name: 'gcp', config: {} } })) })) ?? '', /auth-provider "gcp"/);
  assert.equal(needsFullClient(await loadKubeconfigFile({ file: write(base({ exec: { command: 'x', apiVersion: 'client.authentication.k8s.io/v1' } })) })), undefined);
  assert.equal(needsFullClient(await loadKubeconfigFile({ file: write(base({ token: 't' }, { 'proxy-url': 'http://proxy:3128' })) })), 'proxy-url');
  await assert.rejects(loadKubeconfigFile({ file: write('a: [') }), /not YAML/);
  await assert.rejects(loadKubeconfigFile({ file: write('- 1') }), /not a kubeconfig/);
  await assert.rejects(loadKubeconfigFile({ file: write(base({ token: 't' })), context: 'nope' }), /context "nope" not found/);
});
