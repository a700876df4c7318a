// The webhook below Kubernetes 1.29, against real kube-apiservers: it reads the versions itself
// (GET /version and every Node's kubeletVersion, src/webhook/versions.ts) and, where native
// sidecars would not work, annotates run-to-completion pods for the terminator controller
// instead (sidecarctl.dev/sidecars; docs/reaper.md). Two clusters of our own (apiserver and etcd,
// no kubelet, so nothing runs and nothing is scheduled):
//  - kube-apiserver 1.28.15: the apiserver itself is too old (it would drop restartPolicy: Always,
//    test/e2e/version-native-sidecar-field.test.ts);
//  - kube-apiserver 1.36.3 with a Node object whose kubelet reports 1.28: the apiserver is new but a
//    kubelet is not (it would run the sidecar as a blocking init container). When that node goes,
//    the next poll sees only new kubelets and pods get native sidecars.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient, waitFor } from '../../src/harness/kube';
import { startApiserverOnly, type ApiserverOnly } from '../../src/harness/apiserver-only';
import { REAPER_ANNOTATION } from '../../src/webhook/policy';
import { kubectl, makeCerts, seedPod, sidecarctl, startWebhook, type WebhookProcess } from './fixtures/webhook/run';

const NS = 'batch-jobs';

interface Setup { api: ApiserverOnly; client: KubeClient; wh: WebhookProcess }

async function setUp(version: '1.28' | '1.36'): Promise<Setup> {
  const api = await startApiserverOnly({ version });
  const client = KubeClient.fromKubeconfig(api.kubeconfig);
  const certs = await makeCerts();
  const wh = await startWebhook(['--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--kubeconfig', api.kubeconfig, '--version-poll', '1s', '--log-level', 'debug']);
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'sidecarctl.dev/webhook': 'enabled' } } });
  // no controller-manager in these clusters: the default service account is ours to create
  await client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS } } as never, NS);
  const applied = await sidecarctl(['webhook', 'config', '--apply', '--kubeconfig', api.kubeconfig, '--name', 'sidecarctl-webhook', '--url', wh.url, '--ca-file', certs.ca]);
  assert.equal(applied.code, 0, applied.stderr);
  return { api, client, wh };
}

async function tearDown(s: Setup | undefined) {
  if (!s) return;
  await s.wh.stop();
  s.client.close();
  await s.api.stop();
}

/** `kubectl create` (a server-side dry run unless `persist`): what was stored and what kubectl printed. */
async function create(s: Setup, pod: unknown, persist: boolean): Promise<{ code: number | null; pod: any; stderr: string }> {
  const r = await kubectl(s.api.kubeconfig, ['create', ...(persist ? [] : ['--dry-run=server']), '-n', NS, '-o', 'json', '-f', '-'], { stdin: JSON.stringify(pod) });
  return { code: r.code, pod: r.code === 0 ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
}

/** Waits until the webhook configuration is in effect (the apiserver's informer) and the webhook has read the versions. */
const annotatedDryRun = (s: Setup) => waitFor('webhook in effect', async () => {
  const r = await create(s, seedPod('probe'), false);
  return r.code === 0 && r.pod.metadata.annotations?.[REAPER_ANNOTATION] ? r : undefined;
}, { timeoutMs: 30_000, intervalMs: 300 });

function assertAnnotatedNotNative(pod: any, stderr: string) {
  assert.equal(pod.metadata.annotations[REAPER_ANNOTATION], 'cloud-sql-proxy', 'the legacy sidecar is listed for the terminator');
  assert.deepEqual(pod.spec.containers.map((c: { name: string }) => c.name), ['airbyte-bootloader', 'cloud-sql-proxy', 'stop-cloud-sql-proxy'], 'containers are left where they are');
  assert.equal(pod.spec.initContainers, undefined, 'no native sidecar below 1.29');
  assert.match(stderr, /Warning: sidecarctl: .*annotated sidecarctl\.dev\/sidecars=cloud-sql-proxy/, 'kubectl shows why');
}

test('kube-apiserver 1.28: the webhook reads the version and annotates a Job-style pod for the terminator instead of making a native sidecar', async () => {
  let s: Setup | undefined;
  try {
    s = await setUp('1.28');
    await annotatedDryRun(s);
    const r = await create(s, seedPod('bootloader'), true);
    assert.equal(r.code, 0, r.stderr);
    assertAnnotatedNotNative(r.pod, r.stderr);
    // what the apiserver stored, read back
    const stored = await s.client.get<any>('v1', 'Pod', 'bootloader', NS);
    assert.equal(stored.metadata.annotations[REAPER_ANNOTATION], 'cloud-sql-proxy');
    assert.match(s.wh.logs(), /"outcome":"reaper"/);
  } finally {
    await tearDown(s);
  }
});

test('kube-apiserver 1.36 with one 1.28 kubelet: annotated for the terminator; once that node is gone, native sidecars', async () => {
  let s: Setup | undefined;
  try {
    s = await setUp('1.36');
    // A Node object only (no kubelet behind it): what the webhook reads is its reported version.
    await s.client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'old-node' } } as never);
    const node = await s.client.get<any>('v1', 'Node', 'old-node');
    node.status = { nodeInfo: { kubeletVersion: 'v1.28.15', kubeProxyVersion: '', machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: '', containerRuntimeVersion: '', operatingSystem: 'linux', architecture: 'amd64' } };
    const put = await kubectl(s.api.kubeconfig, ['replace', '--subresource=status', '-f', '-'], { stdin: JSON.stringify(node) });
    assert.equal(put.code, 0, put.stderr);
    await annotatedDryRun(s);
    const r = await create(s, seedPod('bootloader-old'), true);
    assert.equal(r.code, 0, r.stderr);
    assertAnnotatedNotNative(r.pod, r.stderr);

    await s.client.delete('v1', 'Node', 'old-node');
    // the next version poll (1 s) sees no old kubelet: the same pod now gets a native sidecar
    const native = await waitFor('native sidecars after the old node left', async () => {
      const d = await create(s!, seedPod('probe-new'), false);
      return d.code === 0 && d.pod.spec.initContainers ? d.pod : undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });
    assert.equal(native.spec.initContainers[0].name, 'cloud-sql-proxy');
    assert.equal(native.spec.initContainers[0].restartPolicy, 'Always');
    assert.equal(native.metadata.annotations?.[REAPER_ANNOTATION], undefined);
  } finally {
    await tearDown(s);
  }
});
