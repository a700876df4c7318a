// `webhook config --no-namespace-match-conditions` against a real kube-apiserver 1.36.3 (our own,
// apiserver and etcd only): the namespace entries carry no CEL, so the apiserver sends every pod
// of an opted-in namespace, and the webhook itself must keep the two rules CEL kept before
// (src/webhook/policy.ts): an opted-out pod is left alone, a pod with nothing to fix comes back
// unchanged. The pod-annotation entry keeps its conditions (its opt-in).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient, waitFor } from '../../src/harness/kube';
import { startApiserverOnly, type ApiserverOnly } from '../../src/harness/apiserver-only';
import { OPT_KEY } from '../../src/webhook/policy';
import { kubectl, makeCerts, seedPod, sidecarctl, startWebhook, type WebhookProcess } from './fixtures/webhook/run';

const NS = 'meshed';

test('without namespace matchConditions every pod reaches the webhook, which still leaves opted-out and single-container pods alone', async () => {
  let api: ApiserverOnly | undefined;
  let client: KubeClient | undefined;
  let wh: WebhookProcess | undefined;
  try {
    api = await startApiserverOnly({ version: '1.36' });
    client = KubeClient.fromKubeconfig(api.kubeconfig);
    const certs = await makeCerts();
    wh = await startWebhook(['--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--kube-version', '1.36', '--log-level', 'debug']);
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { [OPT_KEY]: 'enabled' } } });
    await client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS } } as never, NS);
    const applied = await sidecarctl(['webhook', 'config', '--apply', '--kubeconfig', api.kubeconfig, '--name', 'sidecarctl-webhook', '--url', wh.url, '--ca-file', certs.ca, '--no-namespace-match-conditions']);
    assert.equal(applied.code, 0, applied.stderr);
    const got = await kubectl(api.kubeconfig, ['get', 'mutatingwebhookconfiguration', 'sidecarctl-webhook', '-o', 'json']);
    assert.equal(got.code, 0, got.stderr);
    const stored = JSON.parse(got.stdout);
    assert.deepEqual(stored.webhooks.map((w: any) => (w.matchConditions ?? []).length), [0, 0, 2], 'the apiserver stored the namespace entries without CEL');

    const create = async (pod: unknown) => {
      const r = await kubectl(api!.kubeconfig, ['create', '-n', NS, '-o', 'json', '-f', '-'], { stdin: JSON.stringify(pod) });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    // the configuration is in effect once a dry run comes back patched
    await waitFor('webhook in effect', async () => {
      const r = await kubectl(api!.kubeconfig, ['create', '--dry-run=server', '-n', NS, '-o', 'json', '-f', '-'], { stdin: JSON.stringify(seedPod('probe')) });
      return r.code === 0 && JSON.parse(r.stdout).spec.initContainers ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });

    const fixed = await create(seedPod('fixed'));
    assert.equal(fixed.spec.initContainers[0].name, 'cloud-sql-proxy');
    assert.equal(fixed.spec.initContainers[0].restartPolicy, 'Always');

    const outcomes = () => [...wh!.logs().matchAll(/"outcome":"([a-z-]+)"/g)].map((m) => m[1]);
    const before = outcomes().length;
    const optedOut = await create(seedPod('opted-out', { [OPT_KEY]: 'disabled' }));
    assert.equal(optedOut.spec.initContainers, undefined, 'an opted-out pod is not patched');
    assert.deepEqual(optedOut.spec.containers.map((c: { name: string }) => c.name), ['airbyte-bootloader', 'cloud-sql-proxy', 'stop-cloud-sql-proxy']);
    const single = seedPod('single');
    single.spec = { ...single.spec, containers: single.spec.containers.slice(0, 1) };
    const one = await create(single);
    assert.equal(one.spec.initContainers, undefined);
    assert.equal(one.metadata.annotations?.['sidecarctl.dev/webhook-applied'], undefined);
    // Both reached the webhook (with CEL they would not have), and it decided by itself.
    await waitFor('both reviews logged', async () => (outcomes().length >= before + 2 ? true : undefined), { timeoutMs: 5_000, intervalMs: 100 });
    assert.deepEqual(outcomes().slice(before), ['skipped', 'unchanged']);
  } finally {
    await wh?.stop();
    client?.close();
    await api?.stop();
  }
});
